"""The listen panel in a reviewer's day (issue 14): click to play, find, narrow panes, no audio."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from callreview.domain import (
    Call,
    CallRef,
    CallStatus,
    RecordingFile,
    Review,
    Role,
    Segment,
    StoredCall,
    Timing,
)
from callreview.library.sample import import_sample
from callreview.player import Player
from callreview.ui.listen import NO_AUDIO_DEVICE, NO_RECORDING, SILENCE_COLOR, ListenPanel
from callreview.ui.transcript import (
    CURRENT_MATCH_HUE,
    CURRENT_MATCH_ROLE,
    MATCH_HUE,
    MATCH_ROLE,
    ROLE_HUE,
)
from tests.library.helpers import open_library
from tests.ui.fakes import FakePlayer


def make_call(
    n: int = 5,
    step: int = 3000,
    text: str = "line {i} ",
    repeat: int = 1,
    recording: Path | None = None,
    segments: bool = True,
) -> StoredCall:
    segs = tuple(
        Segment(
            i,
            Role.AGENT if i % 2 == 0 else Role.USER,
            "agent" if i % 2 == 0 else "caller",
            text.format(i=i) * repeat,
            i * step,
            (i + 1) * step - 200,
        )
        for i in range(n)
    )
    call = Call(
        provider="ringyo",
        call_id="c1" if recording else "c2",
        status=CallStatus.ENDED,
        status_raw="completed",
        segments=segs if segments else (),
        duration_ms=n * step,
        timing=Timing(None, "provider_offsets", True),
    )
    file = RecordingFile(recording, 1, "x", "audio/ogg") if recording else None
    return StoredCall(call, "acme", datetime.now(UTC), Review(), file)


@pytest.fixture
def panel(qtbot: QtBot) -> tuple[ListenPanel, FakePlayer]:
    player = FakePlayer()
    widget = ListenPanel(player)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, player


def click_row(qtbot: QtBot, widget: ListenPanel, row: int) -> None:
    rect = widget.view.visualRect(widget.model.index(row, 0))
    qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# item 4: click or Enter plays from the line, and the list stays put ------------------------


def test_click_or_enter_plays_from_the_line_in_every_state(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot, tmp_path: Path
) -> None:
    widget, player = panel
    widget.set_call(make_call(recording=tmp_path / "a.ogg"))
    assert not player.is_playing()  # loaded, stopped at 0:00
    click_row(qtbot, widget, 3)
    assert player.seeks[-1] == 9000 and player.is_playing()
    click_row(qtbot, widget, 1)  # while playing
    assert player.seeks[-1] == 3000 and player.is_playing()
    player.pause()
    widget.view.setCurrentIndex(widget.model.index(2, 0))
    qtbot.keyClick(widget.view, Qt.Key.Key_Return)  # while paused
    assert player.seeks[-1] == 6000 and player.is_playing()
    assert widget.model.current == 2


def test_the_clicked_line_does_not_move_under_the_pointer(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot, tmp_path: Path
) -> None:
    widget, player = panel
    widget.set_call(make_call(n=120, repeat=6, recording=tmp_path / "a.ogg"))
    player.play()
    player.tick(60 * 3000 + 10)
    view = widget.view
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    # A line half below the bottom edge: Qt would scroll it up on the press, and following
    # would centre it once it plays.
    row = 70
    rect = view.visualRect(widget.model.index(row, 0))
    bar.setValue(bar.value() + rect.top() - view.viewport().height() + rect.height() // 2)
    assert view.visualRect(widget.model.index(row, 0)).bottom() > view.viewport().height()
    before = bar.value()
    rect = view.visualRect(widget.model.index(row, 0))
    pos = rect.topLeft() + (rect.topRight() - rect.topLeft()) / 2
    pos.setY(rect.top() + 5)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert player.seeks[-1] == row * 3000 and widget.model.current == row
    assert bar.value() == before  # the line stayed under the pointer
    assert view.following
    player.tick((row + 1) * 3000 + 10)  # the next line: following goes on as before
    assert widget.model.current == row + 1 and bar.value() != before


# item 5: find ---------------------------------------------------------------------------


def pixels(image: QImage, top: int, bottom: int) -> set[tuple[int, int, int]]:
    found = set()
    for y in range(max(0, top), min(image.height(), bottom)):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            found.add((c.red(), c.green(), c.blue()))
    return found


def rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


def test_the_current_match_has_its_own_look_and_the_words_are_marked(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot, tmp_path: Path
) -> None:
    widget, player = panel
    widget.set_call(make_call(text="line {i} router ", recording=tmp_path / "a.ogg"))
    player.tick(100)  # line 0 is playing
    widget.search.setText("line 2")
    widget.search.setText("ROUTER")  # all five lines
    widget.step_match(1)  # on line 1
    model = widget.model
    assert [model.index(r, 0).data(CURRENT_MATCH_ROLE) for r in range(5)] == [
        False,
        True,
        False,
        False,
        False,
    ]
    assert all(model.index(r, 0).data(MATCH_ROLE) for r in range(5))
    image = widget.view.viewport().grab().toImage()

    def row_pixels(row: int) -> set[tuple[int, int, int]]:
        rect = widget.view.visualRect(model.index(row, 0))
        return pixels(image, rect.top() + 2, rect.bottom() - 2)

    playing = widget.palette().color(widget.palette().ColorRole.Highlight)
    current, other = row_pixels(1), row_pixels(3)
    assert rgb(playing) in row_pixels(0) and rgb(playing) not in current
    assert rgb(CURRENT_MATCH_HUE) in current  # the word, marked strongly
    assert rgb(MATCH_HUE) in other and rgb(CURRENT_MATCH_HUE) not in other
    assert rgb(MATCH_HUE) in row_pixels(0)  # marked on the playing line too
    widget.search.setText("nowhere")
    image = widget.view.viewport().grab().toImage()
    assert rgb(MATCH_HUE) not in row_pixels(3)


def test_next_keeps_the_match_in_the_middle(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot
) -> None:
    widget, _ = panel
    call = make_call(n=200, repeat=6)
    segs = tuple(
        s if s.index % 25 else Segment(s.index, s.role, s.speaker, s.text + " needle", s.start_ms)
        for s in call.call.segments
    )
    widget.set_call(
        StoredCall(Call(**{**_fields(call.call), "segments": segs}), "acme", call.fetched_at)
    )
    widget.search.setText("needle")
    view = widget.view
    middle = view.viewport().height() / 2
    for expected in (25, 50, 75):
        widget.step_match(1)
        rect = view.visualRect(widget.model.index(expected, 0))
        assert abs(rect.center().y() - middle) <= rect.height() / 2 + 2, (expected, rect)
    widget.step_match(-1)
    rect = view.visualRect(widget.model.index(50, 0))
    assert abs(rect.center().y() - middle) <= rect.height() / 2 + 2


def _fields(call: Call) -> dict[str, object]:
    return {f: getattr(call, f) for f in call.__dataclass_fields__}


def test_start_find_fills_the_field_and_shows_the_first_match(
    panel: tuple[ListenPanel, FakePlayer],
) -> None:
    widget, player = panel
    widget.set_call(make_call(text="line {i} ", n=12))
    widget.start_find("  line 1 ")
    assert widget.search.text() == "line 1"
    assert widget.match_label.text() == "1 of 3"  # lines 1, 10, 11
    assert widget.model.current_match == 1 and not widget.search.hasFocus()
    assert player.seeks == []
    widget.start_find("")
    assert widget.match_label.text() == "" and widget.model.current_match == -1


# item 7: a narrow pane ---------------------------------------------------------------------


@pytest.mark.parametrize("width", [606, 480])
def test_narrow_pane_keeps_a_wide_seek_bar_and_whole_phrases(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot, tmp_path: Path, width: int
) -> None:
    widget, _ = panel
    call = make_call(n=40, step=4000, recording=tmp_path / "a.ogg")
    widget.set_call(call)
    widget.resize(width, 407)  # the detail pane of a 1024x700 window
    qtbot.waitUntil(lambda: widget.width() == width)
    # The spare width (it was 106 px of 606, and ~20 px in a narrower pane).
    assert widget.slider.width() >= (0.35 * width if width > 600 else 130)
    assert widget.slider.width() >= widget.volume.width()
    stats = widget.stats
    assert stats.width() >= 0.9 * width  # a line of its own
    phrases = stats.text().split("\u00a0· ")
    assert len(phrases) >= 2 and all(" " not in p for p in phrases)  # breaks between phrases
    for control in widget.findChildren(QWidget):
        if isinstance(control, QAbstractButton | QComboBox) and control.isVisible():
            hint = control.minimumSizeHint()
            assert control.width() >= hint.width(), (control.text(), control.width(), hint)


# item 9: no recording ---------------------------------------------------------------------


def test_a_call_without_recording_resets_and_disables_the_player(
    panel: tuple[ListenPanel, FakePlayer], tmp_path: Path
) -> None:
    widget, player = panel
    widget.set_call(make_call(recording=tmp_path / "a.ogg"))
    player.tick(42_000)
    assert widget.elapsed.text() == "0:42 / 1:00"
    widget.set_call(make_call())
    assert widget.elapsed.text() == "0:00 / 0:00"
    assert widget.slider.value() == 0 and widget.slider.maximum() == 0
    assert widget.message.text() == NO_RECORDING
    for control in (
        widget.play_button,
        widget.slider,
        widget.speed,
        widget.goto,
        widget.jump_silence,
        widget.jump_latency,
        widget.timeline,
        *widget.jump_buttons,
    ):
        assert not control.isEnabled(), control.accessibleName()
    widget.set_call(make_call(segments=False))
    assert widget.message.text() == "This call has no recording and no transcript."
    widget.set_call(make_call(recording=tmp_path / "a.ogg"))
    assert widget.play_button.isEnabled() and widget.jump_buttons[0].isEnabled()
    assert not widget.message.isVisibleTo(widget)


# item 13: no sound device; the timeline's legend -----------------------------------------


def test_playing_without_a_sound_device_says_so_once(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot, tmp_path: Path
) -> None:
    widget, player = panel
    widget.set_call(make_call(recording=tmp_path / "a.ogg"))
    player.audio_output = False
    notices: list[str] = []
    widget.notice.connect(notices.append)
    player.play()
    player.pause()
    player.play()
    assert notices == [NO_AUDIO_DEVICE]
    player.audio_output = True
    player.pause()
    player.play()
    assert notices == [NO_AUDIO_DEVICE]


def test_the_timeline_has_a_legend_in_its_colours(
    panel: tuple[ListenPanel, FakePlayer],
) -> None:
    widget, _ = panel
    legend = widget.legend
    assert [text for text, _ in legend.entries] == ["Agent", "Caller", "Tool call", "Silence"]
    colours = dict(legend.entries)
    assert colours["Agent"] == ROLE_HUE[Role.AGENT]
    assert colours["Caller"] == ROLE_HUE[Role.USER]
    assert colours["Tool call"] == ROLE_HUE[Role.TOOL_CALL]
    assert colours["Silence"].red() > colours["Silence"].green()  # the red wash, composited
    assert SILENCE_COLOR.alpha() < 255
    assert legend.isVisible() and legend.geometry().top() >= widget.timeline.geometry().bottom()


# the real player --------------------------------------------------------------------------

CALL = CallRef("ringyo", "call_7f3a9c21")


@pytest.fixture
def real_panel(qtbot: QtBot, tmp_path: Path, qloop: object) -> ListenPanel:
    library = open_library(tmp_path)
    import_sample(library)
    stored = library.get(CALL)
    assert stored is not None and stored.recording is not None
    player = Player()
    widget = ListenPanel(player)
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    with qtbot.waitSignal(
        player.state_changed, timeout=5000, check_params_cb=lambda s: s == "paused"
    ):
        widget.set_call(stored)
    library.close()
    return widget


def test_a_click_after_the_end_plays_from_the_line(real_panel: ListenPanel, qtbot: QtBot) -> None:
    player = real_panel.player
    player.seek(player.duration() - 300)
    player.play()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5000)  # played to the end
    start = real_panel.model.segments[2].start_ms
    click_row(qtbot, real_panel, 2)
    qtbot.waitUntil(player.is_playing, timeout=3000)
    qtbot.waitUntil(lambda: start < player._player.position() < start + 1500, timeout=3000)  # type: ignore[attr-defined]
    assert real_panel.model.current == 2


def test_the_real_player_reports_a_missing_sound_device(
    real_panel: ListenPanel, qtbot: QtBot
) -> None:
    player = real_panel.player
    assert isinstance(player, Player)
    if player.has_audio_output():
        pytest.skip("this machine has a sound device")
    with qtbot.waitSignal(real_panel.notice, timeout=3000) as told:
        player.play()
    assert told.args == [NO_AUDIO_DEVICE]
    player.pause()
