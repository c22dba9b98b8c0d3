"""The call list: a lazily-loaded table model over the library, and its sorting proxy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from callreview.domain import CallStatus
from callreview.domain.display import format_ms as format_ms  # the window's one formatter
from callreview.library import CallQuery, CallRow, Library

PAGE = 200
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("provider", "Provider"),
    ("account", "Account"),
    ("started_at", "Started (UTC)"),
    ("from_number", "From"),
    ("to_number", "To"),
    ("agent_id", "Agent"),
    ("duration_ms", "Duration"),
    ("cost", "Cost"),
    ("review", "Review"),
)

_STATUS_ICON = {
    CallStatus.ENDED: QStyle.StandardPixmap.SP_DialogApplyButton,
    CallStatus.TRANSFERRED: QStyle.StandardPixmap.SP_ArrowForward,
    CallStatus.IN_PROGRESS: QStyle.StandardPixmap.SP_MediaPlay,
    CallStatus.RINGING: QStyle.StandardPixmap.SP_MediaPlay,
    CallStatus.QUEUED: QStyle.StandardPixmap.SP_BrowserReload,
    CallStatus.FAILED: QStyle.StandardPixmap.SP_MessageBoxCritical,
    CallStatus.NO_ANSWER: QStyle.StandardPixmap.SP_MessageBoxWarning,
    CallStatus.BUSY: QStyle.StandardPixmap.SP_MessageBoxWarning,
    CallStatus.VOICEMAIL: QStyle.StandardPixmap.SP_MessageBoxInformation,
    CallStatus.CANCELED: QStyle.StandardPixmap.SP_DialogCancelButton,
    CallStatus.UNKNOWN: QStyle.StandardPixmap.SP_MessageBoxQuestion,
}


class CallTableModel(QAbstractTableModel):
    """Rows come from the library one page at a time (`canFetchMore`/`fetchMore`).

    Filtering and sorting happen in the library (SQL), so they cover every stored call, not
    just the rows loaded so far.
    """

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._query = CallQuery(limit=PAGE)
        self._rows: list[CallRow] = []
        self._total = 0
        self._icons: dict[CallStatus, QIcon] = {}

    # loading ----------------------------------------------------------------------------

    @property
    def query(self) -> CallQuery:
        return self._query

    @property
    def total(self) -> int:
        return self._total

    def fetch_first_page(self, query: CallQuery) -> tuple[list[CallRow], int]:
        """The blocking part of a reload, safe to run in a worker thread."""
        query = replace(query, limit=PAGE, offset=0)
        return self._library.query(query), self._library.count(query)

    def set_rows(self, query: CallQuery, rows: list[CallRow], total: int) -> None:
        self.beginResetModel()
        self._query = replace(query, limit=PAGE, offset=0)
        self._rows = list(rows)
        self._total = total
        self.endResetModel()

    def reload(self, query: CallQuery | None = None) -> None:
        query = query or self._query
        rows, total = self.fetch_first_page(query)
        self.set_rows(query, rows, total)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if parent.isValid():
            return
        more = self._library.query(replace(self._query, offset=len(self._rows)))
        if not more:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def row_of(self, ref: str) -> int:
        for i, row in enumerate(self._rows):
            if row.ref == ref:
                return i
        return -1

    def call_row(self, row: int) -> CallRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # the model --------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == Qt.ItemDataRole.DecorationRole and key == "status":
            return self._icon(row.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "status":
                tip = f"{row.status.label} (provider said: {row.status_raw or '-'})"
                if row.missing:
                    tip += "\nIncomplete: still missing " + ", ".join(sorted(row.missing))
                return tip
            if key == "review":
                return "R = reviewed, F = flagged, ♪ = recording stored"
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("duration_ms", "cost"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return row
        return None

    def _display(self, row: CallRow, key: str) -> str:
        if key == "status":
            return row.status.label + (" …" if row.missing else "")
        if key == "provider":
            return row.provider.capitalize()
        if key == "started_at":
            return row.started_at.strftime("%Y-%m-%d %H:%M") if row.started_at else ""
        if key == "duration_ms":
            return format_ms(row.duration_ms)
        if key == "review":
            return "".join(
                mark
                for on, mark in ((row.reviewed, "R"), (row.flagged, "F"), (row.has_recording, "♪"))
                if on
            )
        value = getattr(row, key)
        return "" if value is None else str(value)

    def _icon(self, status: CallStatus) -> QIcon:
        icon = self._icons.get(status)
        if icon is None:
            style = QApplication.style()
            icon = style.standardIcon(_STATUS_ICON.get(status, QStyle.StandardPixmap.SP_FileIcon))
            self._icons[status] = icon
        return icon

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][0]
        self.reload(
            replace(self._query, order_by=key, descending=order == Qt.SortOrder.DescendingOrder)
        )


class CallProxyModel(QSortFilterProxyModel):
    """Passes sorting through to the library.

    A proxy that sorted by itself would only order the rows loaded so far; the header's sort
    indicator still works as people expect, and the order covers the whole library.
    """

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, CallTableModel):
            source.sort(column, order)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return self.sourceModel().canFetchMore(self.mapToSource(parent))

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        self.sourceModel().fetchMore(self.mapToSource(parent))
