"""Before a bundle is imported: what it holds and what the library already has; Import or Cancel."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import CallReviewError
from callreview.domain.display import format_ms, format_start
from callreview.ui.accounts_dialog import provider_label
from callreview.ui.plain import plain_tooltip
from callreview.ui.tasks import TaskRunner
from callreview.workspace import BundleSummary, ImportReport, Workspace

COLUMNS = ("Call", "Started", "From", "To", "Duration", "Recording", "Notes", "In the library")
_ids = itertools.count(1)


def describe_import(report: ImportReport) -> str:
    """What an import did, in a sentence."""
    parts = [f"{report.added} new call(s)"]
    if report.merged:
        parts.append(f"{report.merged} already in the library (merged)")
    parts.append(f"{report.recordings} recording(s)")
    return "Imported " + ", ".join(parts) + "."


class BundleDialog(QDialog):
    """Shows a bundle's calls (validated exactly as the import will) and imports on request.

    Reading and importing run off the GUI thread; a refused bundle shows why, in plain text,
    and nothing is imported.
    """

    imported = Signal(object)  # ImportReport

    def __init__(
        self, workspace: Workspace, runner: TaskRunner, path: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self.path = path
        self.summary: BundleSummary | None = None
        self.report: ImportReport | None = None
        self._name = f"bundle-{next(_ids)}"
        runner.bind(self, self._name)
        self.setWindowTitle(f"Open bundle: {path.name}")
        self.resize(1040, 460)
        self.import_task: asyncio.Task[None] | None = None
        self._setup_ui()
        self.inspect_task = self.runner.run(f"{self._name}-inspect", self._inspect())

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        self.info = QLabel(f"Reading {self.path.name}…")
        # Bundle contents and error messages quote text from the file: never rich text.
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Calls in the bundle")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.import_button = QPushButton("Import")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

    # reading ----------------------------------------------------------------------------

    async def _inspect(self) -> None:
        try:
            summary, present = await self.workspace.inspect_bundle(self.path)
        except CallReviewError as exc:
            self.info.setText(f"{self.path.name} can't be imported.")
            self.status.setText(str(exc))
            self.table.hide()
            return
        self.summary = summary
        for call in summary.calls:
            ref = call.ref
            cells = [
                f"{provider_label(call.provider)} {call.call_id}",
                format_start(call.started_at),
                call.from_number or "",
                call.to_number or "",
                format_ms(call.duration_ms),
                "yes" if call.has_recording else "",
                str(call.note_count) if call.note_count else "",
                "already there" if ref in present else "new",
            ]
            items = [QStandardItem(text) for text in cells]
            for item in items:
                item.setToolTip(plain_tooltip(item.text()))
            self.model.appendRow(items)
        # WORKAROUND (Qt 6.11.3; no upstream report found): ResizeToContents alone leaves
        # the columns as they were sized while the table was empty.
        self.table.resizeColumnsToContents()
        n = len(summary.calls)
        made = ""
        if summary.app_version or summary.created_at:
            made = " Made" + (
                f" with CallReview {summary.app_version}" if summary.app_version else ""
            )
            made += f" on {format_start(summary.created_at)}." if summary.created_at else "."
        self.info.setText(
            f"{self.path.name} holds {n} call(s), {summary.recordings} recording(s) and "
            f"{summary.notes} note(s).{made}"
        )
        if present:
            self.status.setText(
                f"{len(present)} of these call(s) are already in the library: they keep their "
                "data; the bundle adds its notes, its reviewed and flagged marks, and a "
                "recording where the library has none."
            )
        self.import_button.setEnabled(n > 0)
        if not n:
            self.status.setText("There is nothing to import.")

    # importing --------------------------------------------------------------------------

    def _on_import_button_clicked(self) -> None:
        self.start_import()

    def start_import(self) -> asyncio.Task[None] | None:
        if self.summary is None or self.import_task is not None:
            return None
        self.import_button.setEnabled(False)
        self.cancel_button.setEnabled(False)  # an import in a worker thread can't be stopped
        self.status.setText("Importing…")
        self.import_task = self.runner.run(f"{self._name}-import", self._import())
        return self.import_task

    async def _import(self) -> None:
        try:
            report = await self.workspace.import_bundle(self.path)
        except CallReviewError as exc:
            # Validated again on import: the file may have changed since it was shown.
            self.status.setText(str(exc))
            self.cancel_button.setEnabled(True)
            return
        self.report = report
        self.status.setText(describe_import(report))
        self.imported.emit(report)
        self.accept()

    # closing ----------------------------------------------------------------------------

    def importing(self) -> bool:
        return self.import_task is not None and not self.import_task.done()

    def reject(self) -> None:
        if self.importing():
            return  # Esc during an import: it finishes (it can't be stopped half-way)
        self.runner.cancel(f"{self._name}-inspect")
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.importing():
            event.ignore()
            return
        self.runner.cancel(f"{self._name}-inspect")
        super().closeEvent(event)
