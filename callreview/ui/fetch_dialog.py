"""Fetch calls by ID: pasted or from a file, with per-call progress, errors and cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import AuthError, CallReviewError
from callreview.ui.accounts_dialog import account_label
from callreview.ui.plain import plain_tooltip
from callreview.ui.tasks import TaskRunner
from callreview.workspace import FetchEvent, FetchResult, Stage, Workspace
from callreview.workspace.ids import parse_ids

TASK = "fetch"
NO_ACCOUNTS = "Add an account first (File → Accounts…)."


class FetchDialog(QDialog):
    """The window's fetch: one account, many IDs, progress per call."""

    fetched = Signal()
    auth_failed = Signal(str, str)  # account name, message

    def __init__(
        self, workspace: Workspace, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        runner.bind(self, TASK, "load-ids")
        self.rows: dict[str, int] = {}
        self.results: list[FetchResult] = []
        self.setWindowTitle("Fetch calls")
        self.resize(720, 520)
        self._setup_ui()
        self.reload_accounts()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Account:"))
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        top.addWidget(self.account, 1)
        self.download = QCheckBox("Download recordings")
        self.download.setChecked(True)
        top.addWidget(self.download)
        layout.addLayout(top)
        self.ids = QPlainTextEdit()
        self.ids.setPlaceholderText("Call IDs, one per line")
        self.ids.setAccessibleName("Call IDs")
        self.ids.setMaximumHeight(140)
        layout.addWidget(self.ids)
        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels(["Call ID", "Progress", "Result"])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Fetch progress")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        buttons = QHBoxLayout()
        self.from_file = QPushButton("Load IDs from file…")
        self.start = QPushButton("Fetch")
        self.start.setDefault(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.close_button = QPushButton("Close")
        buttons.addWidget(self.from_file)
        buttons.addStretch(1)
        for button in (self.start, self.cancel, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.from_file.clicked.connect(self._on_from_file_clicked)
        self.start.clicked.connect(self._on_start_clicked)
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.close_button.clicked.connect(self.close)

    def reload_accounts(self, select: str | None = None) -> asyncio.Task[None]:
        """List the accounts again (in the background); `select` is chosen at once."""
        if select:
            self._select_account(select)
        return self.runner.run(f"{TASK}-accounts", self._reload_accounts())

    def _select_account(self, name: str) -> None:
        index = self.account.findData(name)
        if index < 0:
            # Not listed yet (the list is loading): shown by name until the list arrives.
            self.account.addItem(name, name)
            index = self.account.count() - 1
        self.account.setCurrentIndex(index)

    async def _reload_accounts(self) -> None:
        try:
            accounts = await self.workspace.accounts()
        except CallReviewError as exc:
            self.summary.setText(str(exc))
            return
        current = self.account.currentData()
        self.account.clear()
        for account in accounts:
            self.account.addItem(account_label(account), account.name)
        if current:
            self.account.setCurrentIndex(max(0, self.account.findData(current)))
        self.account.setPlaceholderText("" if accounts else "no accounts yet")
        if not accounts and not self.summary.text():
            # Only when there is nothing else to say (IDs read from a file say how many).
            self.summary.setText(NO_ACCOUNTS)

    def choose_file(self) -> str:
        """Patchable in tests."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Call IDs", "", "Text files (*.txt *.csv);;All files (*)"
        )
        return path

    def _on_from_file_clicked(self) -> None:
        path = self.choose_file()
        if not path:
            return
        self.summary.setText(f"Reading {Path(path).name}…")
        self.runner.run("load-ids", self._load_ids(Path(path)))

    async def _load_ids(self, path: Path) -> None:
        try:
            ids = await self.workspace.ids_from_file(path)
        except OSError as exc:
            self.summary.setText(f"Could not read {path}: {exc.strerror or exc}.")
            return
        except ValueError as exc:
            self.summary.setText(str(exc))
            return
        self.fill_ids(ids, path.name)

    def fill_ids(self, ids: list[str], source: str) -> None:
        """Put call IDs read from a file (named `source`) in the box, ready to fetch."""
        self.ids.setPlainText("\n".join(ids))
        self.summary.setText(f"{len(ids)} call ID(s) from {source}.")

    # running ----------------------------------------------------------------------------

    def start_fetch(
        self, account_name: str, ids: list[str], download: bool = True
    ) -> asyncio.Task[None] | None:
        """Fill the form and start (also used by "Browse recent calls" and "Refresh")."""
        self.reload_accounts(select=account_name)
        self.ids.setPlainText("\n".join(ids))
        self.download.setChecked(download)
        return self._start()

    def _on_start_clicked(self) -> None:
        self._start()

    def _start(self) -> asyncio.Task[None] | None:
        ids = parse_ids(self.ids.toPlainText())
        name = self.account.currentData()
        if not ids or not name:
            self.summary.setText("Choose an account and enter at least one call ID.")
            return None
        self.model.removeRows(0, self.model.rowCount())
        self.rows = {}
        for call_id in ids:
            self.rows[call_id] = self.model.rowCount()
            self.model.appendRow(
                [QStandardItem(call_id), QStandardItem("waiting"), QStandardItem("")]
            )
        self.results = []
        self._set_running(True)
        self.summary.setText(f"Fetching {len(ids)} call(s)…")
        return self.runner.run(TASK, self._fetch(str(name), ids, self.download.isChecked()))

    async def _fetch(self, name: str, ids: list[str], download: bool) -> None:
        try:
            self.results = await self.workspace.fetch(
                name, ids, download=download, on_event=self.on_event
            )
        except asyncio.CancelledError:
            for row in self.rows.values():
                if self.model.item(row, 2).text() == "":
                    self.model.item(row, 1).setText("cancelled")
            self.summary.setText("Cancelled. Calls already stored stay in the library.")
            raise
        except CallReviewError as exc:
            self.summary.setText(str(exc))
            return
        except Exception:
            # A bug: the list and the summary still finish; the crash handler gets the rest.
            for row in self.rows.values():
                if self.model.item(row, 2).text() == "":
                    self.model.item(row, 1).setText("failed")
            self.summary.setText(
                "The fetch stopped because of an unexpected problem; the log has the details. "
                "Calls already stored stay in the library."
            )
            raise
        finally:
            self._set_running(False)
            self.fetched.emit()
        ok = sum(r.ok for r in self.results)
        failed = len(self.results) - ok
        self.summary.setText(
            f"Done: {ok} of {len(self.results)} fetched"
            + (f", {failed} with problems (see the list)." if failed else ".")
        )
        auth = next((r.error for r in self.results if isinstance(r.error, AuthError)), None)
        if auth is not None:
            self.auth_failed.emit(name, str(auth))

    def on_event(self, event: FetchEvent) -> None:
        row = self.rows.get(event.call_id)
        if row is None:
            return
        progress, result = self.model.item(row, 1), self.model.item(row, 2)
        if event.stage is Stage.FETCHING:
            progress.setText("fetching…")
        elif event.stage is Stage.STORED:
            progress.setText("stored")
        elif event.stage is Stage.DOWNLOADING:
            total = event.total_bytes
            done = event.done_bytes / 2**20
            progress.setText(
                f"recording {done:.1f}/{total / 2**20:.1f} MiB"
                if total
                else f"recording {done:.1f} MiB"
            )
        elif event.stage is Stage.DONE:
            progress.setText("done")
            result.setText("OK")
        elif event.stage is Stage.FAILED:
            progress.setText("stored" if event.stored else "failed")
            result.setText(str(event.error))
            result.setToolTip(
                plain_tooltip(str(event.error))
            )  # the column cuts long messages short

    def _set_running(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.cancel.setEnabled(running)
        self.ids.setReadOnly(running)
        self.account.setEnabled(not running)

    def _on_cancel_clicked(self) -> None:
        self.runner.cancel(TASK)
