"""Notes beside the transcript: the panel in the Listen view, markers, authors, empty state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSplitter
from pytestqt.qtbot import QtBot

from callreview.domain import Note, RecordingFile, Review, StoredCall
from callreview.ui.call_view import CallView
from callreview.ui.listen import ListenPanel
from callreview.ui.notes_panel import NOTE_AUTHOR_ROLE
from callreview.ui.transcript import NOTE_HUE, NOTE_ROLE
from callreview.workspace import Workspace
from tests.ui.conftest import window_for
from tests.ui.fakes import FakePlayer
from tests.ui.test_listen import stored_call
from tests.ui.test_main_window import open_call, stored

WHEN = datetime(2026, 11, 29, 15, 20, tzinfo=UTC)


def with_notes(notes: tuple[Note, ...], offset: int = 0, audio: bool = True) -> StoredCall:
    call = stored_call(offset=offset)
    recording = RecordingFile(Path("/nonexistent.wav"), 1, "0" * 64, "audio/wav") if audio else None
    return replace(call, review=Review(sync_offset_ms=offset, notes=notes), recording=recording)


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[tuple[CallView, FakePlayer]]:
    player = FakePlayer()
    listen = ListenPanel(player)  # type: ignore[arg-type]
    widget = CallView(listen)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    yield widget, player


def test_the_notes_sit_beside_the_transcript_in_the_listen_tab(
    view: tuple[CallView, FakePlayer],
) -> None:
    widget, _ = view
    widget.set_call(with_notes(()))
    assert widget.tabs.currentWidget() is widget.listen
    assert widget.notes.isVisible() and widget.listen.view.isVisible()
    # The notes are the first tab of the side area (the scorecard is the second).
    assert widget.side_tabs.currentWidget() is widget.notes
    splitter = widget.side_tabs.parentWidget()
    assert isinstance(splitter, QSplitter) and splitter.orientation() == Qt.Orientation.Horizontal
    assert splitter.indexOf(widget.listen.view) == 0 and splitter.indexOf(widget.side_tabs) == 1
    # Side by side: the panel is right of the transcript, at the same height.
    transcript = widget.listen.view.geometry()
    assert widget.side_tabs.geometry().left() >= transcript.right()
    assert widget.notes.width() >= 200
    # No separate Notes tab to switch to any more; review state is beside the notes too.
    tabs = [widget.tabs.tabText(i) for i in range(widget.tabs.count())]
    assert "Notes" not in tabs
    assert widget.notes.isAncestorOf(widget.reviewed)


def test_empty_state_and_delete_without_a_selection(
    view: tuple[CallView, FakePlayer], qtbot: QtBot
) -> None:
    widget, _ = view
    widget.set_call(with_notes(()))
    panel = widget.notes
    assert panel.model.rowCount() == 0
    assert not panel.delete.isEnabled()
    assert not panel.add.isEnabled() and not panel.add_now.isEnabled()  # nothing typed yet
    # The empty list says what to do: its viewport holds text, not just the background.
    image = panel.view.viewport().grab().toImage()
    base = panel.view.palette().color(panel.view.viewport().backgroundRole())
    inked = sum(
        1
        for x in range(0, image.width(), 2)
        for y in range(0, min(image.height(), 120), 2)
        if image.pixelColor(x, y) != base
    )
    assert inked > 50
    widget.set_call(with_notes((Note(1, "Greeting OK", 6500, WHEN, "Dana Reyes"),)))
    assert not panel.delete.isEnabled()  # notes, but none selected
    panel.view.setCurrentIndex(panel.model.index(0, 0))
    assert panel.delete.isEnabled()
    with qtbot.waitSignal(widget.note_deleted, check_params_cb=lambda i: i == 1):
        panel.delete.click()
    widget.set_call(with_notes(()))
    assert not panel.delete.isEnabled()


def test_a_timed_note_is_marked_on_the_timeline_and_its_line(
    view: tuple[CallView, FakePlayer], qtbot: QtBot
) -> None:
    widget, _ = view
    notes = (Note(1, "Asks for the order number", 6500, WHEN, "Dana Reyes"),)
    widget.set_call(with_notes(notes))
    model = widget.transcript_model
    assert widget.listen.timeline.notes == (6500,)
    assert [model.index(r, 0).data(NOTE_ROLE) for r in range(model.rowCount())] == [
        False,
        False,
        True,  # the line from 6.0 s to 9.1 s is being spoken at 6.5 s
        False,
        False,
    ]
    # The timeline paints a flag in the notes' colour where the note is.
    strip = widget.listen.timeline
    image = strip.grab().toImage()
    x = int(6500 / 18_000 * strip.width())
    assert QColor(image.pixelColor(x + 1, strip.height() - 2)) == NOTE_HUE
    # The transcript row paints its corner in the same colour.
    rect = widget.listen.view.visualRect(model.index(2, 0))
    shot = widget.listen.view.viewport().grab().toImage()
    assert QColor(shot.pixelColor(rect.right() - 1, rect.top() + 1)) == NOTE_HUE
    # The sync offset moves lines, not notes: with the transcript 1 s late the note falls
    # on the line that starts at 3.2 s.
    widget.set_call(with_notes(notes, offset=1000))
    assert [model.index(r, 0).data(NOTE_ROLE) for r in range(model.rowCount())][1:3] == [
        True,
        False,
    ]
    widget.set_call(with_notes(()))
    assert widget.listen.timeline.notes == ()
    assert not any(model.index(r, 0).data(NOTE_ROLE) for r in range(model.rowCount()))


def test_note_at_current_time_and_ctrl_enter(
    view: tuple[CallView, FakePlayer], qtbot: QtBot
) -> None:
    widget, player = view
    widget.set_call(with_notes(()))
    panel = widget.notes
    player.tick(9100)
    panel.text.setPlainText("Caller repeats the question")
    assert panel.add_now.isEnabled()
    with qtbot.waitSignal(
        widget.note_added,
        check_params_cb=lambda t, p: (t, p) == ("Caller repeats the question", 9100),
    ):
        panel.add_now.click()
    assert panel.text.toPlainText() == ""
    player.tick(15_200)
    panel.text.setPlainText("Agent ends the call politely")
    with qtbot.waitSignal(widget.note_added, check_params_cb=lambda t, p: p == 15_200):
        qtbot.keyClick(panel.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # Without a recording there is no current time: the note goes in untimed.
    widget.set_call(with_notes((), audio=False))
    panel.text.setPlainText("No audio to time this against")
    assert not panel.add_now.isEnabled() and panel.add.isEnabled()
    with qtbot.waitSignal(widget.note_added, check_params_cb=lambda t, p: p is None):
        qtbot.keyClick(panel.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_authors_are_shown_as_plain_text_and_a_click_seeks(
    view: tuple[CallView, FakePlayer], qtbot: QtBot
) -> None:
    widget, player = view
    notes = (
        Note(1, "<b>not bold</b>", 6500, WHEN, "Dana <i>Reyes</i>"),
        Note(2, "written before authors", None, WHEN, None),
    )
    widget.set_call(with_notes(notes))
    panel = widget.notes
    first, second = panel.model.index(0, 0), panel.model.index(1, 0)
    assert first.data() == "[0:06] <b>not bold</b>\n— Dana <i>Reyes</i>, 2026-11-29 15:20 UTC"
    assert first.data(NOTE_AUTHOR_ROLE) == "Dana <i>Reyes</i>"
    assert "&lt;b&gt;" in first.data(Qt.ItemDataRole.ToolTipRole)  # a tooltip is rich text
    assert "unknown author" in second.data()
    assert panel.title.text() == "Notes (2)"
    player.seeks.clear()
    panel.view.clicked.emit(first)
    assert player.seeks == [6500]
    panel.view.clicked.emit(second)  # untimed: nothing to seek to
    assert player.seeks == [6500]


def test_a_note_from_the_window_carries_the_reviewer(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    demo_workspace.reviewer = "Dana Reyes"
    window = window_for(qtbot, demo_workspace)
    view, player = window.call_view, window.player
    open_call(qtbot, window, "ringyo:call_7f3a9c21")
    qtbot.waitUntil(lambda: player.state.value == "paused", timeout=5000)
    assert view.tabs.currentWidget() is view.listen and view.notes.isVisible()
    player.seek(12_000)
    qtbot.waitUntil(lambda: abs(player.position() - 12_000) < 300, timeout=3000)
    view.note_text.setPlainText("Agent confirms the time")
    view.add_note_now.click()
    qtbot.waitUntil(lambda: view.notes_model.rowCount() == 1, timeout=3000)
    saved = stored(qtbot, demo_workspace, "ringyo:call_7f3a9c21")
    note = saved.review.notes[0]
    assert note.author == "Dana Reyes" and abs(note.position_ms - 12_000) < 300
    assert "Dana Reyes" in view.notes_model.index(0, 0).data()
    assert view.listen.timeline.notes == (note.position_ms,)
    model = view.transcript_model
    assert any(model.index(r, 0).data(NOTE_ROLE) for r in range(model.rowCount()))
    player.release()
