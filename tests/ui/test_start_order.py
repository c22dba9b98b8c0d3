"""Issue 14 item 14: the window paints its shell first; the rest loads after the first paint."""

from __future__ import annotations

import subprocess
import sys

from pytestqt.qtbot import QtBot

from callreview.domain import CallRef
from callreview.ui.main_window import MainWindow
from callreview.workspace import Workspace
from tests.ui.conftest import run

LATER = (
    "httpx",
    "pydantic",
    "PySide6.QtMultimedia",
    "callreview.library.bundle",
    "callreview.library.downloads",
    "callreview.workspace.fetch",
    "callreview.ui.call_view",
    "callreview.ui.listen",
    "callreview.ui.accounts_dialog",
    "callreview.ui.export_dialog",
    "callreview.ui.fetch_dialog",
    "callreview.ui.browse_dialog",
    "callreview.ui.bundle_dialog",
    "callreview.player",
)


def test_the_window_module_loads_nothing_the_first_paint_does_not_need() -> None:
    code = (
        "import sys, callreview.app, callreview.ui.main_window, callreview.workspace; "
        f"later = {LATER!r}; "
        "loaded = [m for m in later if m in sys.modules]; "
        "assert not loaded, loaded; "
        "import importlib.util; "
        "missing = [m for m in later if importlib.util.find_spec(m) is None]; "
        "assert not missing, missing"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_call_view_is_built_after_the_first_paint(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    assert window._call_view is None  # the shell only, until it has painted
    with qtbot.waitSignal(window.started, timeout=5000):
        window.show()
    assert window._call_view is not None
    qtbot.waitUntil(lambda: window.selected_ref() is not None, timeout=5000)


def test_the_stored_transcript_matches_the_mapped_one(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    for ref in run(qtbot, demo_workspace.library.run(lambda: demo_workspace.library.sync.refs())):
        stored = run(qtbot, demo_workspace.call(ref))
        lines = run(qtbot, demo_workspace.transcript(ref))
        mapped = stored.call.segments
        assert [(s.role, s.text, s.start_ms, s.end_ms) for s in lines] == [
            (s.role, s.text, s.start_ms, s.end_ms) for s in mapped
        ], ref


def test_the_first_call_shows_its_stored_lines_while_it_loads(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    ref = CallRef.parse("rounded:c41d8e2b-7a9f-4e3c-b1d0-5f6a7b8c9d0e")
    lines = run(qtbot, demo_workspace.transcript(ref))
    view = window.call_view
    view.show_transcript_first(ref, lines)
    assert view.transcript_model.rowCount() == len(lines) > 0
    assert ref.call_id in view.title.text()
    stored = run(qtbot, demo_workspace.call(ref))
    view.set_call(stored)
    # Once a call is shown, a preview never replaces it (its audio and lines stay together).
    other = CallRef.parse("ringyo:call_e2c91a07")
    view.show_transcript_first(other, run(qtbot, demo_workspace.transcript(other)))
    assert view.stored is stored and ref.call_id in view.title.text()
    assert view.transcript_model.rowCount() == len(stored.call.segments)
