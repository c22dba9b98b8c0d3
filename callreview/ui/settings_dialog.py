"""Settings: the reviewer's name on notes and the time limits of recording downloads."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import CallReviewError
from callreview.workspace import DownloadLimits, Workspace

log = logging.getLogger(__name__)

REVIEWER_KEY = "review/reviewer"
DEADLINE_KEY = "downloads/deadline_s"
STALL_KEY = "downloads/stall_timeout_s"


def apply_saved_settings(workspace: Workspace, settings: QSettings) -> None:
    """Give the Workspace what the settings file says; a value it refuses is left out (and
    logged), so a hand-edited file never keeps the window from opening."""
    reviewer = settings.value(REVIEWER_KEY, "")
    if isinstance(reviewer, str) and reviewer:
        try:
            workspace.reviewer = reviewer
        except CallReviewError as exc:
            log.warning("reviewer name in the settings ignored: %s", exc)
    defaults = DownloadLimits()
    try:
        deadline = float(str(settings.value(DEADLINE_KEY, defaults.deadline_s)))
        stall = float(str(settings.value(STALL_KEY, defaults.stall_timeout_s)))
        workspace.download_limits = DownloadLimits(deadline, stall)
    except (TypeError, ValueError, CallReviewError) as exc:
        log.warning("download limits in the settings ignored: %s", exc)


class SettingsDialog(QDialog):
    """Edits the settings; OK hands them to the Workspace (which checks them) and saves."""

    def __init__(
        self, workspace: Workspace, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self.setWindowTitle("Settings")
        limits = workspace.download_limits

        self.reviewer = QLineEdit(workspace.reviewer)
        self.reviewer.setObjectName("reviewer")
        self.reviewer.setMaxLength(100)
        self.reviewer.setToolTip("Shown beside every note you write, and carried in bundles.")
        self.deadline = QSpinBox()
        self.deadline.setObjectName("deadline")
        self.deadline.setRange(1, 24 * 60)
        self.deadline.setSuffix(" min")
        self.deadline.setValue(max(1, round(limits.deadline_s / 60)))
        self.deadline.setToolTip(
            "A recording download that takes longer than this in all (retries included) "
            "stops; what arrived is kept and the next try resumes."
        )
        self.stall = QSpinBox()
        self.stall.setObjectName("stall")
        self.stall.setRange(1, 3600)
        self.stall.setSuffix(" s")
        self.stall.setValue(round(limits.stall_timeout_s))
        self.stall.setToolTip("A download that receives nothing for this long counts as stalled.")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # it may quote what was typed
        self.error.setStyleSheet("color: palette(highlight);")
        self.error.hide()

        form = QFormLayout()
        form.addRow("Reviewer &name:", self.reviewer)
        form.addRow("Download &deadline:", self.deadline)
        form.addRow("&Stall timeout:", self.stall)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            limits = DownloadLimits(self.deadline.value() * 60.0, float(self.stall.value()))
            self.workspace.reviewer = self.reviewer.text()
        except CallReviewError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.reviewer.setFocus()
            return
        self.workspace.download_limits = limits
        self.settings.setValue(REVIEWER_KEY, self.workspace.reviewer)
        self.settings.setValue(DEADLINE_KEY, limits.deadline_s)
        self.settings.setValue(STALL_KEY, limits.stall_timeout_s)
        self.settings.sync()
        super().accept()
