"""Opening files in the window: bundles shown before import, ID files, and files it can't open."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from callreview.library.sample import make_demo_dir
from callreview.secrets import MemorySecretStore
from callreview.ui.bundle_dialog import BundleDialog
from callreview.ui.main_window import MainWindow
from callreview.workspace import Workspace, build_workspace
from tests.test_app import sample_bundle
from tests.ui.conftest import close_workspace, run


def window_for(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    return window


def open_and_wait(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    """Until the runner has reported the task (a done task's callbacks run a moment later)."""
    reported: list[str] = []
    window.runner.finished.connect(reported.append)
    window.runner.failed.connect(lambda name, error: reported.append(name))
    task = window.open_file(path)
    qtbot.waitUntil(
        lambda: task.done() and any(n.startswith("open-file-") for n in reported), timeout=5000
    )


def bundle_dialog(qtbot: QtBot, window: MainWindow) -> BundleDialog:
    qtbot.waitUntil(lambda: bool(window.findChildren(BundleDialog)), timeout=5000)
    [dialog] = window.findChildren(BundleDialog)
    qtbot.waitUntil(lambda: window.runner.is_running(f"{dialog._name}-inspect") is False)
    return dialog


def _png(path: Path) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(64))
    return path


def _plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    return path


def _empty_text(path: Path) -> Path:
    path.write_text("# no IDs here\n\n")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


CANT_OPEN = {
    "missing": (lambda p: p, "there is no such file"),
    "folder": (_folder, "it is a folder"),
    "binary": (_png, "neither a CallReview bundle (.crbundle) nor a text or CSV file"),
    "zip": (_plain_zip, "neither a CallReview bundle (.crbundle) nor a text or CSV file"),
    "no IDs": (_empty_text, "holds no call IDs"),
}


@pytest.mark.parametrize("case", list(CANT_OPEN))
def test_a_file_that_cant_be_opened_is_reported(
    case: str, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    make, expected = CANT_OPEN[case]
    path = make(tmp_path / f"given-{case.replace(' ', '-')}.dat")
    window = window_for(qtbot, workspace)
    open_and_wait(qtbot, window, path)
    bar = window.message_bar
    assert bar.isVisible() and expected in bar.label.text()
    assert window.findChildren(BundleDialog) == [] and window._fetch_dialog is None
    # The window keeps working: the next file opens.
    ids = tmp_path / "ids.txt"
    ids.write_text("call_1\ncall_2\n")
    open_and_wait(qtbot, window, ids)
    assert window._fetch_dialog is not None
    assert window._fetch_dialog.ids.toPlainText() == "call_1\ncall_2"
    assert "2 call ID(s) from ids.txt" in window._fetch_dialog.summary.text()


def test_a_bundle_is_recognised_by_content_and_cancel_imports_nothing(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    renamed = tmp_path / "calls.zip"
    shutil.copyfile(sample_bundle(tmp_path), renamed)
    window = window_for(qtbot, workspace)
    open_and_wait(qtbot, window, renamed)
    dialog = bundle_dialog(qtbot, window)
    assert dialog.model.rowCount() == 3 and dialog.import_button.isEnabled()
    assert {dialog.model.item(r, 7).text() for r in range(3)} == {"new"}
    dialog.cancel_button.click()
    assert not dialog.isVisible() and dialog.import_task is None
    assert not window.runner.is_running(f"{dialog._name}-inspect")
    assert run(qtbot, workspace.count()) == 0


def test_open_bundle_action(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = sample_bundle(tmp_path)
    window = window_for(qtbot, workspace)
    assert window.act_open.shortcut().toString() == "Ctrl+O"
    assert window.act_open in window.menuBar().actions()[0].menu().actions()
    monkeypatch.setattr(window, "choose_file", lambda: str(bundle))
    window.act_open.trigger()
    dialog = bundle_dialog(qtbot, window)
    task = dialog.start_import()
    assert task is not None and not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(task.done, timeout=10_000)
    assert run(qtbot, workspace.count()) == 3
    qtbot.waitUntil(lambda: window.model.total == 3, timeout=5000)
    assert "Imported 3 new call(s)" in window.message_bar.label.text()
    assert dialog.report is not None and dialog.report.recordings == 2
    # Nothing chosen: nothing happens (no file is opened, so no task starts either).
    monkeypatch.setattr(window, "choose_file", lambda: "")
    opened = window._opened
    window.act_open.trigger()
    assert window._opened == opened and len(window.findChildren(BundleDialog)) == 1


def test_a_refused_bundle_shows_why_in_plain_text(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    bundle = sample_bundle(tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(files["manifest.json"])
    manifest["calls"][0]["provider"] = "<b>evil</b>"
    files["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.crbundle"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    window = window_for(qtbot, workspace)
    open_and_wait(qtbot, window, bad)
    dialog = bundle_dialog(qtbot, window)
    assert "unknown provider '<b>evil</b>'" in dialog.status.text()
    assert dialog.status.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.import_button.isEnabled() and dialog.start_import() is None
    assert run(qtbot, workspace.count()) == 0


def test_a_file_named_crbundle_that_is_not_a_zip(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.crbundle"
    junk.write_text("call_1\n")
    window = window_for(qtbot, workspace)
    open_and_wait(qtbot, window, junk)
    dialog = bundle_dialog(qtbot, window)
    assert "not a zip file" in dialog.status.text()
    assert not dialog.import_button.isEnabled()


def test_ids_are_not_swapped_in_under_a_running_fetch(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("call_new\n")
    window = window_for(qtbot, workspace)
    fetch = window.open_fetch_dialog()
    fetch.ids.setPlainText("call_running")
    monkeypatch.setattr(window.runner, "is_running", lambda name: name == "fetch")
    open_and_wait(qtbot, window, ids)
    assert fetch.ids.toPlainText() == "call_running"
    assert "A fetch is running" in window.message_bar.label.text()


def test_closing_after_the_data_folder_is_gone_does_not_recreate_it(
    qtbot: QtBot, qloop: object, tmp_path: Path
) -> None:
    # The demo's copy removed before its window closed once left a folder holding only
    # window.ini behind (the window wrote its settings into it on closing).
    demo = make_demo_dir(tmp_path)
    workspace = build_workspace(demo, secrets=MemorySecretStore())
    window = window_for(qtbot, workspace)
    # As it is soon after start: the library open and listed, the speed written on start-up.
    qtbot.waitUntil(lambda: window.model.total == 6, timeout=5000)
    window.settings.sync()
    try:
        shutil.rmtree(demo)
        with qtbot.waitSignal(window.shut_down, timeout=10_000):
            window.close()
    finally:
        close_workspace(qtbot, workspace)
    assert not demo.exists()


def test_a_call_imported_with_its_recording_is_not_called_incomplete(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    from tests.ui.test_main_window import open_call

    window = window_for(qtbot, workspace)
    open_and_wait(qtbot, window, sample_bundle(tmp_path))
    task = bundle_dialog(qtbot, window).start_import()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10_000)
    qtbot.waitUntil(lambda: window.model.total == 3, timeout=5000)
    # The bundle strips the recording URL from the provider's JSON but carries the file.
    open_call(qtbot, window, "ringyo:call_7f3a9c21")
    assert window.call_view.stored is not None
    assert window.call_view.stored.recording is not None
    assert "recording" not in window.call_view.notice.text()
