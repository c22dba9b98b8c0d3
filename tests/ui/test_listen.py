"""The listen panel: injected positions on a fake player, then the real player offscreen."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSlider, QApplication
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
from callreview.ui.listen import NO_RECORDING, ListenPanel
from tests.library.helpers import open_library
from tests.ui.fakes import FakePlayer

STARTS = [0, 3200, 6000, 9100, 15000]


def stored_call(starts: list[int] = STARTS, offset: int = 0, n_text: int = 1) -> StoredCall:
    segments = tuple(
        Segment(
            i,
            Role.AGENT if i % 2 == 0 else Role.USER,
            "agent",
            f"line {i} " * n_text,
            s,
            starts[i + 1] if i + 1 < len(starts) else s + 3000,
        )
        for i, s in enumerate(starts)
    )
    call = Call(
        provider="ringyo",
        call_id="c1",
        status=CallStatus.ENDED,
        status_raw="completed",
        segments=segments,
        duration_ms=starts[-1] + 3000,
        timing=Timing(None, "provider_offsets", True),
    )
    return StoredCall(call, "acme", datetime.now(UTC), Review(sync_offset_ms=offset))


@pytest.fixture
def panel(qtbot: QtBot) -> tuple[ListenPanel, FakePlayer]:
    player = FakePlayer()
    widget = ListenPanel(player)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    return widget, player


def test_highlight_follows_positions(panel: tuple[ListenPanel, FakePlayer]) -> None:
    widget, player = panel
    widget.set_call(stored_call())
    player.tick(6500)
    assert widget.model.current == 2
    assert widget.model.index(2, 0).data(Qt.ItemDataRole.UserRole + 2) is True
    player.tick(9100)
    assert widget.model.current == 3


def test_click_on_a_line_seeks_to_its_start(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot
) -> None:
    widget, player = panel
    widget.set_call(stored_call(offset=-200))
    rect = widget.view.visualRect(widget.model.index(3, 0))
    qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert player.seeks[-1] == 9100 - 200
    assert widget.model.current == 3
    widget.view.setCurrentIndex(widget.model.index(1, 0))
    qtbot.keyClick(widget.view, Qt.Key.Key_Return)
    assert player.seeks[-1] == 3200 - 200


def test_manual_scroll_pauses_following(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot
) -> None:
    widget, player = panel
    widget.set_call(stored_call(starts=[i * 2000 for i in range(200)], n_text=8))
    player.tick(100_000)
    bar = widget.view.verticalScrollBar()
    assert widget.view.following and bar.value() > 0  # followed line 50 down the list
    wheel = QWheelEvent(
        QPointF(10, 10),
        QPointF(10, 10),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget.view.viewport(), wheel)
    assert not widget.view.following and widget.follow.isVisibleTo(widget)
    parked = bar.value()
    player.tick(300_000)
    assert widget.model.current == 150 and bar.value() == parked  # no jump while reading
    widget.follow.click()
    assert widget.view.following and bar.value() != parked
    bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)  # the person drags
    assert not widget.view.following


def test_search_next_previous(panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot) -> None:
    widget, _ = panel
    widget.set_call(stored_call())
    widget.search.setText("line 3")
    assert widget.match_label.text() == "1 of 1"
    widget.search.setText("line")
    assert widget.match_label.text() == "1 of 5"
    widget.step_match(1)
    widget.step_match(-1)
    widget.step_match(-1)
    assert widget.match_label.text() == "5 of 5"
    assert widget.view.currentIndex().row() == 4


def test_nudge_offset_emits_and_moves_highlight(
    panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot
) -> None:
    widget, player = panel
    widget.set_call(stored_call())
    player.tick(3250)
    assert widget.model.current == 1
    with qtbot.waitSignal(widget.offset_changed, check_params_cb=lambda v: v == 100):
        widget.nudge(100)
    assert widget.model.current == 0 and widget.offset_label.text() == "+100 ms"


def test_no_recording_and_no_timing_messages(
    panel: tuple[ListenPanel, FakePlayer], tmp_path: Path
) -> None:
    widget, _ = panel
    stored = stored_call()
    widget.set_call(stored)
    assert widget.message.text() == NO_RECORDING
    untimed = StoredCall(
        Call(**{**_fields(stored.call), "timing": Timing(None, "none", False)}),  # type: ignore[arg-type]
        "acme",
        datetime.now(UTC),
        recording=RecordingFile(tmp_path / "a.ogg", 1, "x", "audio/ogg"),
    )
    widget.set_call(untimed)
    assert "no timing information" in widget.message.text()
    assert widget.model.rowCount() == 5


def _fields(call: Call) -> dict[str, Any]:
    return {f: getattr(call, f) for f in call.__dataclass_fields__}


def test_go_to_a_typed_time(panel: tuple[ListenPanel, FakePlayer], qtbot: QtBot) -> None:
    widget, player = panel
    widget.set_call(stored_call())
    widget.goto.setEnabled(True)
    for text, seek in (("0:05", 5000), ("83", 60_000), ("1:02:03", 60_000)):
        widget.goto.setText(text)
        qtbot.keyClick(widget.goto, Qt.Key.Key_Return)
        assert player.seeks[-1] == seek and widget.goto.text() == ""
    assert widget.last_hint == "The recording is 1:00 long."
    seeks = len(player.seeks)
    widget.goto.setText("soon")
    qtbot.keyClick(widget.goto, Qt.Key.Key_Return)
    assert len(player.seeks) == seeks and widget.goto.text() == "soon"
    assert "1:23" in widget.last_hint


# the real player ---------------------------------------------------------------------------

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


def test_position_advances_and_highlight_changes_on_time(
    real_panel: ListenPanel, qtbot: QtBot
) -> None:
    player = real_panel.player
    starts = [s.start_ms for s in real_panel.model.segments]
    changes: list[tuple[int, int]] = []
    real_panel.sync.current_segment_changed.connect(
        lambda row: changes.append((row, player._player.position()))  # type: ignore[attr-defined]
    )
    player.play()
    qtbot.waitUntil(lambda: player.position() > 500, timeout=5000)
    # Jump to just before each of the next lines and let it play across the boundary.
    for row in range(1, 5):
        player.seek(starts[row] - 400)
        qtbot.waitUntil(lambda row=row: real_panel.model.current == row, timeout=3000)
    lags = []
    for row in range(1, 5):
        heard = [pos for r, pos in changes if r == row]
        assert heard, (row, changes)
        lags.append(heard[-1] - starts[row])
    print("highlight lag after each line start (ms):", lags)
    assert all(-60 <= lag <= 150 for lag in lags), lags
    assert player.is_playing()


def test_click_on_the_fourth_line_moves_playback_there(
    real_panel: ListenPanel, qtbot: QtBot
) -> None:
    player = real_panel.player
    start = real_panel.model.segments[3].start_ms
    player.play()
    qtbot.waitUntil(lambda: player.position() > 200, timeout=5000)
    rect = real_panel.view.visualRect(real_panel.model.index(3, 0))
    qtbot.mouseClick(real_panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: start <= player._player.position() < start + 1500, timeout=3000)  # type: ignore[attr-defined]
    assert real_panel.model.current == 3
