"""File → Export: format, options, destination; runs in the background with progress."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import CallRef, CallReviewError
from callreview.export import FORMATS, ExportOptions, ExportResult
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace

_ids = itertools.count(1)

# Where the dialog remembers the last export's choices (the window's settings file).
FOLDER_KEY = "export/folder"
FORMAT_KEY = "export/format"


class ExportDialog(QDialog):
    """The selected calls, one format from the format table, its options and a destination.

    The table gives the choices, their labels and which boxes mean something; where the files
    go (one file or one per call, and their names) is the export's own decision. The last
    folder and format are remembered in `settings` (by default the parent window's).
    """

    def __init__(
        self,
        workspace: Workspace,
        runner: TaskRunner,
        refs: list[CallRef],
        parent: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        if settings is None:
            window_settings = getattr(parent, "settings", None)
            settings = window_settings if isinstance(window_settings, QSettings) else None
        self.settings = settings
        self.workspace = workspace
        self.runner = runner
        self._name = f"export-{next(_ids)}"
        runner.bind(self, self._name)
        self._runs = itertools.count(1)
        self.refs = refs
        self.written: list[Path] = []
        self.export_result: ExportResult | None = None
        self.setWindowTitle(f"Export {len(refs)} call(s)")
        self.setMinimumWidth(520)
        self._running = False
        self._setup_ui()
        self._restore_choices()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.format = QComboBox()
        self.format.setAccessibleName("Export format")
        for spec in FORMATS.values():
            self.format.addItem(spec.label, spec.name)
        self.transcript = QCheckBox("Include the transcript")
        self.transcript.setChecked(True)
        self.timestamps = QCheckBox("Timestamps on transcript lines")
        self.timestamps.setChecked(True)
        self.mask_box = QCheckBox("Mask phone numbers and e-mail addresses")
        self.bom = QCheckBox("Byte-order mark (for spreadsheet programs)")
        self.per_call = QCheckBox("One file per call")
        self.destination = QLineEdit(str(Path.home()))
        self.destination.setAccessibleName("Destination")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.destination, 1)
        row.addWidget(browse)
        form.addRow("Format:", self.format)
        for box in (self.transcript, self.timestamps, self.mask_box, self.bom, self.per_call):
            form.addRow("", box)
        form.addRow("Save to:", row)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setRange(0, len(self.refs))
        self.progress.setValue(0)
        self.progress.hide()  # shown when an export starts, not as a 0 % bar before
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.show_folder = QPushButton("Show in folder")
        self.show_folder.hide()
        self.show_folder.clicked.connect(self._on_show_folder_clicked)
        self.export = QPushButton("Export")
        self.export.setDefault(True)
        self.export.clicked.connect(self._on_export_clicked)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.show_folder)
        buttons.addStretch(1)
        buttons.addWidget(self.export)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._boxes = {
            "transcript": self.transcript,
            "timestamps": self.timestamps,
            "mask": self.mask_box,
            "bom": self.bom,
            "one_file_per_call": self.per_call,
        }
        # What the person ticked, restored when a box means something again.
        self._wanted = {name: box.isChecked() for name, box in self._boxes.items()}
        for name, box in self._boxes.items():
            box.toggled.connect(functools.partial(self._on_box_toggled, name))
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self._on_format_changed()
        # A changed choice makes the last export's result old news.
        self.format.currentIndexChanged.connect(self._on_choice_changed)
        for box in self._boxes.values():
            box.toggled.connect(self._on_choice_changed)
        self.destination.textEdited.connect(self._on_choice_changed)

    def _restore_choices(self) -> None:
        if self.settings is None:
            return
        fmt = self.settings.value(FORMAT_KEY)
        index = self.format.findData(fmt) if isinstance(fmt, str) else -1
        if index >= 0:
            self.format.setCurrentIndex(index)
        folder = self.settings.value(FOLDER_KEY)
        if isinstance(folder, str) and folder and Path(folder).expanduser().is_dir():
            self.destination.setText(folder)

    def _remember_choices(self, fmt: str, output: Path) -> None:
        if self.settings is None:
            return
        # The folder, also when the destination named a file (a.csv): next time starts there.
        folder = output if output.is_dir() or not output.suffix else output.parent
        self.settings.setValue(FORMAT_KEY, fmt)
        self.settings.setValue(FOLDER_KEY, str(folder))
        self.settings.sync()

    def _fmt(self) -> str:
        return str(self.format.currentData())

    def _on_box_toggled(self, name: str, on: bool) -> None:
        if self._boxes[name].isEnabled():
            self._wanted[name] = on
        if name == "transcript":
            self._on_format_changed()

    def _on_format_changed(self, *_: object) -> None:
        meaningful = set(FORMATS[self._fmt()].options)
        if len(self.refs) < 2:
            meaningful.discard("one_file_per_call")
        if "transcript" in meaningful and not self._wanted["transcript"]:
            meaningful.discard("timestamps")  # no transcript lines to put times on
        for name, box in self._boxes.items():
            # A box that means nothing for this format is off, so it never claims an effect
            # (a ticked box that cannot be changed reads as "this will happen").
            on = self._wanted[name] if name in meaningful else False
            box.blockSignals(True)
            box.setEnabled(name in meaningful)
            box.setChecked(on)
            box.blockSignals(False)

    def _on_choice_changed(self, *_: object) -> None:
        if self._running:
            return
        self.status.clear()
        self.show_folder.hide()
        self.progress.hide()

    def choose_destination(self) -> str:
        """Patchable in tests."""
        return QFileDialog.getExistingDirectory(self, "Export to folder", self.destination.text())

    def _on_browse_clicked(self) -> None:
        folder = self.choose_destination()
        if folder:
            self.destination.setText(folder)
            self._on_choice_changed()

    def output_path(self) -> Path:
        """A file, or a folder (the export names the files in it after the calls)."""
        return Path(self.destination.text()).expanduser()

    def options(self) -> ExportOptions:
        """The ticked boxes; a greyed-out box keeps its default (the format ignores it)."""
        return dataclasses.replace(
            ExportOptions(),
            **{name: box.isChecked() for name, box in self._boxes.items() if box.isEnabled()},
        )

    def _on_export_clicked(self) -> None:
        self.start()

    def start(self) -> asyncio.Task[None]:
        self.export.setEnabled(False)
        self.show_folder.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Exporting…")
        self._running = True
        fmt, output = self._fmt(), self.output_path()
        self._remember_choices(fmt, output)
        # Each export is a task of its own: a second one (another dialog) never cancels it.
        return self.runner.run(
            f"{self._name}-{next(self._runs)}", self._export(fmt, output, self.options())
        )

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)

    async def _export(self, fmt: str, output: Path, options: ExportOptions) -> None:
        try:
            self.export_result = await self.workspace.export(
                self.refs, fmt, output, options, self._on_progress
            )
        except CallReviewError as exc:
            self.status.setText(str(exc))
            self.progress.hide()
            return
        finally:
            self._running = False
            self.export.setEnabled(True)
        self.written = self.export_result.paths
        self.progress.setValue(len(self.refs))
        where = self.written[0].parent if self.written else output
        wrote = (
            f"Wrote {len(self.written)} file(s) to {where}."
            if len(self.written) > 1
            else f"Wrote {self.written[0]}."
        )
        # The status is plain text: call IDs come from providers.
        self.status.setText(
            f"{wrote}\n{skipped_text(self.export_result.skipped)}"
            if self.export_result.skipped
            else wrote
        )
        self.show_folder.show()

    def _on_show_folder_clicked(self) -> None:
        if self.written:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written[0].parent)))


def skipped_text(skipped: list[tuple[CallRef, str]], limit: int = 10) -> str:
    """The calls an export left out, one per line with the reason; long lists cut short."""
    lines = [f"{ref}: {why}" for ref, why in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"and {len(skipped) - limit} more")
    return f"Skipped {len(skipped)} call(s) with nothing to write:\n" + "\n".join(lines)
