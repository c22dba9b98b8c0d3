"""Settings: the reviewer name and the download time limits, from the window to the Workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from callreview.secrets import MemorySecretStore
from callreview.ui.main_window import MainWindow
from callreview.ui.settings_dialog import DEADLINE_KEY, REVIEWER_KEY, STALL_KEY, SettingsDialog
from callreview.workspace import DownloadLimits, Workspace, build_workspace
from tests.ui.conftest import close_workspace


def window_on(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    return window


def test_settings_reach_the_workspace_and_survive_a_restart(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    window = window_on(qtbot, workspace)
    dialog = window.open_settings_dialog()
    assert isinstance(dialog, SettingsDialog)
    assert dialog.reviewer.text() == workspace.reviewer  # the OS user until changed
    assert dialog.deadline.value() == round(DownloadLimits().deadline_s / 60)
    dialog.reviewer.setText("  Dana QA ")
    dialog.deadline.setValue(5)
    dialog.stall.setValue(20)
    dialog.accept()
    assert workspace.reviewer == "Dana QA"
    assert workspace.download_limits == DownloadLimits(300.0, 20.0)
    window.close()

    # A new window on the same data folder starts with them.
    again = build_workspace(workspace.data_dir, secrets=MemorySecretStore())
    try:
        window_on(qtbot, again)
        assert again.reviewer == "Dana QA"
        assert again.download_limits == DownloadLimits(300.0, 20.0)
    finally:
        close_workspace(qtbot, again)


@pytest.mark.parametrize("name", ["", "   ", "two\nlines", "x" * 101])
def test_a_name_that_cannot_be_shown_keeps_the_dialog_open_and_says_why(
    qtbot: QtBot, workspace: Workspace, name: str
) -> None:
    before = workspace.reviewer
    window = window_on(qtbot, workspace)
    dialog = window.open_settings_dialog()
    dialog.reviewer.setMaxLength(1000)
    dialog.reviewer.setText(name)
    dialog.deadline.setValue(7)
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.error.isVisible() and "reviewer name" in dialog.error.text()
    assert workspace.reviewer == before
    assert workspace.download_limits == DownloadLimits()  # nothing half-applied
    dialog.reject()


def test_hand_edited_settings_are_ignored_not_fatal(qtbot: QtBot, workspace: Workspace) -> None:
    settings = QSettings(str(workspace.data_dir / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue(REVIEWER_KEY, "bad\x07name")
    settings.setValue(DEADLINE_KEY, "soon")
    settings.setValue(STALL_KEY, -4)
    settings.sync()
    before = workspace.reviewer
    window_on(qtbot, workspace)
    assert workspace.reviewer == before
    assert workspace.download_limits == DownloadLimits()
