"""Fetch calls by ID: pasted or from a file, with per-call progress, errors and cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import AuthError, CallReviewError
from callreview.ui.accounts_dialog import AccountsDialog, account_label, fit_on_screen
from callreview.ui.plain import plain_tooltip
from callreview.ui.tasks import TaskRunner
from callreview.workspace import FetchEvent, FetchResult, Stage, Workspace
from callreview.workspace.ids import parse_ids

TASK = "fetch"
NO_ACCOUNTS = "No account yet: press “Add account…” to add the account to fetch from."


class FetchDialog(QDialog):
    """The window's fetch: one account, many IDs, progress per call."""

    fetched = Signal()
    auth_failed = Signal(str, str)  # account name, message
    accounts_changed = Signal()  # an account was added or changed from this dialog

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
        fit_on_screen(self, 720, 520)
        self._setup_ui()
        self.reload_accounts()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Account:"))
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        top.addWidget(self.account, 1)
        self.add_account = QPushButton("Add account…")
        self.add_account.clicked.connect(self._on_add_account_clicked)
        top.addWidget(self.add_account)
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
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # A failure's row is as tall as its wrapped message, also after the columns move.
        header.sectionResized.connect(lambda *_: self._fit_failed_rows())
        self._failed_rows: set[int] = set()
        self.copy_action = QAction("Copy", self.table)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_selected)
        self.table.addAction(self.copy_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        buttons = QHBoxLayout()
        self.from_file = QPushButton("Load IDs from file…")
        self.start = QPushButton("Fetch")
        self.start.setDefault(True)
        self.start.setEnabled(False)  # until there is an account to fetch from
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
        self._update_start()

    def _update_start(self) -> None:
        running = self.runner.is_running(TASK)
        self.start.setEnabled(not running and self.account.count() > 0)

    def open_accounts(self) -> AccountsDialog:
        """The accounts dialog, over this one; the account list follows what it saves."""
        dialog = AccountsDialog(self.workspace, self.runner, self)
        dialog.accounts_changed.connect(self._on_accounts_dialog_changed)
        dialog.finished.connect(lambda *_: self.reload_accounts())
        dialog.show()
        dialog.raise_()
        return dialog

    def _on_add_account_clicked(self) -> None:
        self.open_accounts()

    def _on_accounts_dialog_changed(self) -> None:
        if self.summary.text() == NO_ACCOUNTS:
            self.summary.clear()
        self.reload_accounts()
        self.accounts_changed.emit()

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
        self._update_start()
        if not accounts and not self.summary.text():
            # Only when there is nothing else to say (IDs read from a file say how many).
            self.summary.setText(NO_ACCOUNTS)
        elif accounts and self.summary.text() == NO_ACCOUNTS:
            self.summary.clear()

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
        self._failed_rows.clear()
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
            # Wrapped in the row, and whole in the tooltip (plain text: a provider wrote it).
            result.setToolTip(plain_tooltip(str(event.error)))
            self._failed_rows.add(row)
            self.table.resizeRowToContents(row)

    def _fit_failed_rows(self) -> None:
        for row in self._failed_rows:
            self.table.resizeRowToContents(row)

    def selected_text(self) -> str:
        """The selected rows as tab-separated lines (all three columns), for the clipboard."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        columns = range(self.model.columnCount())
        return "\n".join("\t".join(self.model.item(r, c).text() for c in columns) for r in rows)

    def copy_selected(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def _on_table_context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        menu = QMenu(self)
        error = self.model.item(index.row(), 2).text() if index.isValid() else ""
        if error and error != "OK":
            copy_error = menu.addAction("Copy error")
            copy_error.triggered.connect(lambda: QGuiApplication.clipboard().setText(error))
        menu.addAction(self.copy_action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _set_running(self, running: bool) -> None:
        self.start.setEnabled(not running and self.account.count() > 0)
        self.cancel.setEnabled(running)
        self.ids.setReadOnly(running)
        self.account.setEnabled(not running)
        self.add_account.setEnabled(not running)

    def _on_cancel_clicked(self) -> None:
        self.runner.cancel(TASK)
