"""The call list: a table model fed pages by the window (from the Workspace), and its proxy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from callreview.domain import CallQuery, CallRef, CallRow, CallStatus
from callreview.domain.display import format_ms as format_ms  # the window's one formatter
from callreview.ui.icons import review_mark
from callreview.ui.plain import plain_tooltip

PAGE = 200
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

# What a reviewer scans for first comes first: the state of the call and of its review,
# when, who and how long; where it came from (provider, account) and the cost after.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    # The review state right beside the status, as icons in narrow columns (MARKS).
    ("reviewed", "Reviewed"),
    ("flagged", "Flagged"),
    ("has_notes", "Has notes"),
    ("started_at", "Started (UTC)"),
    ("from_number", "From"),
    ("to_number", "To"),
    ("agent_id", "Agent"),
    ("duration_ms", "Duration"),
    ("provider", "Provider"),
    ("account", "Account"),
    ("cost", "Cost"),
)
COLUMN = {key: i for i, (key, _) in enumerate(COLUMNS)}

# The icon columns: a CallRow flag (also the name of its icon) → its tooltip when set, when not.
MARKS: dict[str, tuple[str, str]] = {
    "reviewed": ("Reviewed", "Not reviewed"),
    "flagged": ("Flagged", "Not flagged"),
    "has_notes": ("Has notes", "No notes"),
}

# Where the window keeps the header's state (order, widths, hidden columns). A new name
# whenever COLUMNS changes: a state saved for other columns would be applied to these
# (hiding or squeezing the new ones), so the old state is left unread.
HEADER_STATE_KEY = "call_list_header_v2"

# IDs up to this long are shown whole; longer ones (UUIDs and the like) as their first
# characters and "…", the whole ID in the tooltip.
SHORT_ID_MAX = 20
SHORT_ID_KEEP = 8


def short_id(text: str) -> str:
    return text if len(text) <= SHORT_ID_MAX else text[:SHORT_ID_KEEP] + "…"


# The width of an icon column: a 16 px icon, and in the title the sort arrow beside it. The
# header's size hint says so too, or "resize to contents" would make them wider.
MARK_WIDTH = 36


class MarkDelegate(QStyledItemDelegate):
    """Paints a cell's icon in its middle (the style puts an icon without text at the left)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        icon = QIcon(opt.icon)  # a copy: the attribute is the option's own, cleared next
        opt.icon = QIcon()
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not icon.isNull():
            selected = bool(opt.state & QStyle.StateFlag.State_Selected)
            mode = QIcon.Mode.Selected if selected else QIcon.Mode.Normal
            # The view's icon size (as in the Status column), in the middle of the cell.
            rect = QStyle.alignedRect(
                opt.direction, Qt.AlignmentFlag.AlignCenter, opt.decorationSize, opt.rect
            )
            icon.paint(painter, rect, Qt.AlignmentFlag.AlignCenter, mode)


def fit_columns(table: QTableView) -> None:
    """Give the icon columns their narrow fixed width and centred icons (once the model is set)."""
    header = table.horizontalHeader()
    header.setMinimumSectionSize(min(header.minimumSectionSize(), MARK_WIDTH))
    delegate = MarkDelegate(table)
    for key in MARKS:
        header.setSectionResizeMode(COLUMN[key], QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COLUMN[key], MARK_WIDTH)
        table.setItemDelegateForColumn(COLUMN[key], delegate)


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
    """Rows arrive one page at a time; the model asks for them and never reads storage.

    Filtering and sorting happen in the library, so they cover every stored call, not just
    the rows loaded so far. The model only says what it wants: `rows_wanted(query)` for a
    new first page (the header asked for another order), `more_wanted(query)` for the next
    page (the view scrolled to the end). Whoever owns the model answers with `set_rows` and
    `append_rows` (the window, through a Workspace task), or `more_failed` when it can't.
    """

    rows_wanted = Signal(object)  # CallQuery: the first page of this list
    more_wanted = Signal(object)  # CallQuery: the page after the rows loaded so far

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._query = CallQuery(limit=PAGE)  # what the rows shown are a page of
        self._wanted = self._query  # the latest list asked for (the base of the next filter)
        self._rows: list[CallRow] = []
        self._total = 0
        self._asked: CallQuery | None = None  # the next page, while it is on its way
        self._icons: dict[CallStatus, QIcon] = {}

    # loading ----------------------------------------------------------------------------

    @property
    def query(self) -> CallQuery:
        """The list shown, or the one asked for since (a new sort order on its way)."""
        return self._wanted

    @property
    def total(self) -> int:
        return self._total

    @staticmethod
    def first_page(query: CallQuery) -> CallQuery:
        return replace(query, limit=PAGE, offset=0)

    def set_rows(self, query: CallQuery, rows: list[CallRow], total: int) -> None:
        """Replace the list: the first page of `query` and how many calls match in all."""
        self.beginResetModel()
        self._query = self._wanted = self.first_page(query)
        self._rows = list(rows)
        self._total = total
        self._asked = None
        self.endResetModel()

    def next_page(self) -> CallQuery:
        return replace(self._query, limit=PAGE, offset=len(self._rows))

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        # Cheap on purpose: the view calls this on every scroll near the end. One request
        # at a time; the rows come back through append_rows.
        if parent.isValid() or not self.canFetchMore() or self._asked is not None:
            return
        self._asked = self.next_page()
        self.more_wanted.emit(self._asked)

    def append_rows(self, query: CallQuery, rows: list[CallRow]) -> bool:
        """Add the page asked for; a page of an older list (filter changed since) is dropped.

        Returns whether the rows were added (or the end of the list was found).
        """
        if query != self.next_page():
            return False
        self._asked = None
        if not rows:
            # Fewer calls than counted (deleted meanwhile): the list ends here.
            self._total = len(self._rows)
            return True
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self._total = max(self._total, len(self._rows))
        self.endInsertRows()
        return True

    def more_failed(self, query: CallQuery) -> None:
        """The page asked for did not come: the next scroll to the end asks again."""
        if self._asked == query:
            self._asked = None

    def row_of(self, ref: CallRef) -> int:
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
            key, label = COLUMNS[section]
            if key in MARKS:
                # An icon for a title: the column is as narrow as its marks.
                if role == Qt.ItemDataRole.DecorationRole:
                    return review_mark(key)
                if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                    return label
                if role == Qt.ItemDataRole.SizeHintRole:
                    return QSize(MARK_WIDTH, 0)  # the height comes from the other titles
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return label
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key in MARKS:
            return self._mark(row, key, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == Qt.ItemDataRole.DecorationRole and key == "status":
            return self._icon(row.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "status":
                tip = f"{row.status.label} (provider said: {row.status_raw or '-'})"
                if row.missing:
                    tip += "\nIncomplete: still missing " + ", ".join(sorted(row.missing))
                if row.has_recording:
                    tip += "\nRecording stored in the library"
                return plain_tooltip(tip)
            if key == "agent_id" and row.agent_id:
                if row.agent_name:
                    return plain_tooltip(f"{row.agent_name}\nAgent ID: {row.agent_id}")
                return plain_tooltip(row.agent_id)
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
        if key == "agent_id":
            # The provider's name for the agent where it gives one, else the ID.
            return row.agent_name or short_id(row.agent_id or "")
        value = getattr(row, key)
        return "" if value is None else str(value)

    @staticmethod
    def _mark(row: CallRow, key: str, role: int) -> Any:
        on = bool(getattr(row, key))
        yes, no = MARKS[key]
        if role == Qt.ItemDataRole.DecorationRole:
            return review_mark(key) if on else None
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return yes if on else no
        if role == ROW_ROLE:
            return row
        return None

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
        self._wanted = self.first_page(
            replace(self._wanted, order_by=key, descending=order == Qt.SortOrder.DescendingOrder)
        )
        self.rows_wanted.emit(self._wanted)


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
