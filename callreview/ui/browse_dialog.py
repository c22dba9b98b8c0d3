"""Browse a provider's recent calls (its list endpoint) and pick the ones to fetch."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import AuthError, CallReviewError, CallStatus
from callreview.ui.accounts_dialog import account_label, fit_on_screen
from callreview.ui.call_table import format_ms
from callreview.ui.plain import plain_tooltip
from callreview.ui.tasks import TaskRunner
from callreview.workspace import ListFilters, Workspace

PAGE_SIZE = 50
_ids = itertools.count(1)

HINT_READY = "No calls loaded yet — choose an account and press Load."
HINT_NO_ACCOUNTS = "No account yet — add one in File → Accounts…, then come back."
HINT_LOADING = "Loading…"
HINT_NONE_LISTED = "The provider listed no calls for these filters."
HINT_NONE_READABLE = "None of the listed calls could be read; see below."
# How many unreadable calls the line names (the tooltip names them all, up to its own cap).
SKIPPED_SHOWN = 3
SKIPPED_TOOLTIP_MAX = 100


class HintTable(QTableView):
    """A table that says what to do while it has no rows (placeholder text, like a line edit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hint = ""

    def hint(self) -> str:
        return self._hint

    def set_hint(self, text: str) -> None:
        self._hint = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not self._hint or (model is not None and model.rowCount() > 0):
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(24, 24, -24, -24)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self._hint)
        painter.end()


class BrowseDialog(QDialog):
    """Pages through the list endpoint; `fetch_requested(account, ids)` fetches the chosen."""

    fetch_requested = Signal(str, list)
    auth_failed = Signal(str, str)  # account name, message

    def __init__(
        self, workspace: Workspace, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self._name = f"browse-{next(_ids)}"
        runner.bind(self, self._name)
        self._cursor: str | None = None
        self._page = 0
        self._listed: tuple[str, ListFilters] | None = None  # account and filters listed
        self._skipped: list[tuple[str, str]] = []  # calls the loaded pages could not read
        self.setWindowTitle("Browse recent calls")
        fit_on_screen(self, 860, 560)
        self._setup_ui()
        self.accounts_task = self.runner.run(f"{self._name}-accounts", self._load_accounts())

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        # Wide enough for "name (Provider)"; the picker is the first thing to choose.
        self.account.setMinimumContentsLength(22)
        self.account.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.use_dates = QCheckBox("Between")
        self.since = QDateEdit(QDate.currentDate().addDays(-7))
        self.until = QDateEdit(QDate.currentDate())
        self.since.setAccessibleName("From date")
        self.until.setAccessibleName("To date")
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            # Greyed out while unused: the dates filter nothing until "Between" is ticked.
            edit.setEnabled(False)
            self.use_dates.toggled.connect(edit.setEnabled)
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        self.status.addItem("Any status", None)
        for status in CallStatus:
            self.status.addItem(status.label, status.value)
        self.load = QPushButton("Load")
        for widget in (
            QLabel("Account:"),
            self.account,
            self.use_dates,
            self.since,
            self.until,
            self.status,
            self.load,
        ):
            top.addWidget(widget, 1 if widget is self.account else 0)
        layout.addLayout(top)
        self.model = QStandardItemModel(0, 6, self)
        self.model.setHorizontalHeaderLabels(
            ["Call ID", "Status", "Started", "From", "To", "Duration"]
        )
        self.table = HintTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Recent calls")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table, 1)
        self.info = QLabel()
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        # Calls the provider listed but that could not be read: said, not silently dropped.
        self.skipped_note = QLabel()
        self.skipped_note.setTextFormat(Qt.TextFormat.PlainText)
        self.skipped_note.setWordWrap(True)
        self.skipped_note.setAccessibleName("Calls left out")
        self.skipped_note.hide()
        layout.addWidget(self.skipped_note)
        bottom = QHBoxLayout()
        self.more = QPushButton("Load more")
        self.more.setEnabled(False)
        self.fetch = QPushButton("Fetch selected")
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        bottom.addWidget(self.more)
        bottom.addStretch(1)
        bottom.addWidget(self.fetch)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self.load.clicked.connect(self._on_load_clicked)
        self.more.clicked.connect(self._on_more_clicked)
        self.fetch.clicked.connect(self._on_fetch_clicked)

    def _filters(self) -> ListFilters:
        since = until = None
        if self.use_dates.isChecked():
            d1, d2 = self.since.date(), self.until.date().addDays(1)
            since = datetime(d1.year(), d1.month(), d1.day(), tzinfo=UTC)
            until = datetime(d2.year(), d2.month(), d2.day(), tzinfo=UTC)
        return ListFilters(since=since, until=until, status=self.status.currentData())

    async def _load_accounts(self) -> None:
        try:
            accounts = await self.workspace.accounts()
        except CallReviewError as exc:
            self.info.setText(str(exc))
            return
        for account in accounts:
            self.account.addItem(account_label(account), account.name)
        if not accounts:
            self.account.setPlaceholderText("no accounts yet")
            self.info.setText("Add an account first (File → Accounts…).")
        self.table.set_hint(HINT_READY if accounts else HINT_NO_ACCOUNTS)

    def _on_load_clicked(self) -> None:
        name = self.account.currentData()
        if not name:
            self.info.setText("Add an account first.")
            return
        self.model.removeRows(0, self.model.rowCount())
        self._cursor, self._page = None, 0
        self._skipped = []
        self._show_skipped()
        # "Fetch selected" and "Load more" stay with this account and these filters, even
        # when the pickers change before they are used.
        self._listed = (str(name), self._filters())
        self._start_page()

    def _on_more_clicked(self) -> None:
        self._start_page()

    def _start_page(self) -> asyncio.Task[None] | None:
        if self._listed is None:
            return None
        self.load.setEnabled(False)
        self.more.setEnabled(False)
        self.info.setText("Loading…")
        self.table.set_hint(HINT_LOADING)
        return self.runner.run(f"{self._name}-page", self._load_page(*self._listed))

    async def _load_page(self, name: str, filters: ListFilters) -> None:
        try:
            page = await self.workspace.list_recent(
                name, filters, cursor=self._cursor, limit=PAGE_SIZE
            )
        except CallReviewError as exc:
            self.info.setText(str(exc))
            self.table.set_hint(HINT_READY)
            self.load.setEnabled(True)
            if isinstance(exc, AuthError):
                self.auth_failed.emit(name, str(exc))
            return
        self._page += 1
        self._cursor = page.next_cursor
        for call in page.calls:
            started = call.started_at or call.created_at
            row = [
                QStandardItem(call.call_id),
                QStandardItem(call.status.label),
                QStandardItem(started.strftime("%Y-%m-%d %H:%M") if started else ""),
                QStandardItem(call.from_number or ""),
                QStandardItem(call.to_number or ""),
                QStandardItem(format_ms(call.duration_ms)),
            ]
            self.model.appendRow(row)
        self.info.setText(
            f"{self.model.rowCount()} call(s) listed"
            + ("; more available." if page.has_more else ".")
        )
        self._skipped.extend(page.skipped)
        self._show_skipped()
        self.more.setEnabled(page.has_more)
        self.load.setEnabled(True)
        self.table.set_hint(HINT_NONE_READABLE if self._skipped else HINT_NONE_LISTED)

    def _show_skipped(self) -> None:
        """Say which listed calls could not be read (the reasons are provider text: plain)."""
        skipped = self._skipped
        if not skipped:
            self.skipped_note.clear()
            self.skipped_note.setToolTip("")
            self.skipped_note.hide()
            return
        where = "this page" if self._page <= 1 else "the loaded pages"
        count = len(skipped)
        head = (
            f"1 call in {where} could not be read and is left out"
            if count == 1
            else f"{count} calls in {where} could not be read and are left out"
        )
        # Reasons are sentences; inside the one line they are joined by "; " without their stop.
        named = "; ".join(
            f"{name}: {reason.rstrip('.')}" for name, reason in skipped[:SKIPPED_SHOWN]
        )
        rest = count - SKIPPED_SHOWN
        more = f"; and {rest} more (point here to see them all)" if rest > 0 else ""
        self.skipped_note.setText(f"{head}: {named}{more}")
        lines = [f"{name}: {reason}" for name, reason in skipped[:SKIPPED_TOOLTIP_MAX]]
        if count > SKIPPED_TOOLTIP_MAX:
            lines.append(f"… and {count - SKIPPED_TOOLTIP_MAX} more")
        self.skipped_note.setToolTip(plain_tooltip("\n".join(lines)))
        self.skipped_note.show()

    def _on_fetch_clicked(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [self.model.item(r, 0).text() for r in rows]
        if not ids or self._listed is None:
            self.info.setText("Select the calls to fetch first.")
            return
        self.fetch_requested.emit(self._listed[0], ids)
