"""TranscriptSync and the listen panel with injected positions (no audio involved)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSlider, QApplication
from pytestqt.qtbot import QtBot

from callreview.domain import Call, CallStatus, Role, Segment, Timing
from callreview.library import Review, StoredCall
from callreview.player import TranscriptSync
from callreview.ui.listen import ListenPanel, parse_time
from tests.player.fakes import FakePlayer

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


def test_right_line_at_every_boundary(qtbot: QtBot) -> None:
    sync = TranscriptSync()
    sync.set_starts(STARTS)
    for index, start in enumerate(STARTS):
        for position, expected in ((start - 1, index - 1), (start, index), (start + 1, index)):
            sync.update(position)
            assert sync.current == expected, (position, expected)


def test_emits_only_when_the_line_changes(qtbot: QtBot) -> None:
    sync = TranscriptSync()
    sync.set_starts(STARTS)
    sync.update(100)
    with qtbot.assertNotEmitted(sync.current_segment_changed):
        for position in range(100, 3200, 50):  # positions arrive at any rate
            sync.update(position)
    with qtbot.waitSignal(sync.current_segment_changed, check_params_cb=lambda i: i == 1):
        sync.update(3200)
    with qtbot.assertNotEmitted(sync.current_segment_changed):
        sync.update(3250)
        sync.update(3210)


def test_offset_shifts_the_lines(qtbot: QtBot) -> None:
    sync = TranscriptSync()
    sync.set_starts(STARTS)
    sync.set_offset(500)  # lines are heard 500 ms later than their transcript time
    sync.update(3300)
    assert sync.current == 0
    sync.update(3700)
    assert sync.current == 1
    assert sync.position_of(1) == 3700


def test_no_timing_means_no_current_line(qtbot: QtBot) -> None:
    sync = TranscriptSync()
    sync.set_starts([])
    sync.update(5000)
    assert sync.current == -1


@given(
    starts=st.lists(st.integers(0, 10**6), max_size=100).map(sorted),
    positions=st.lists(st.integers(-(10**3), 10**6 + 10**3), min_size=1, max_size=30),
    offset=st.integers(-5000, 5000),
)
def test_sync_matches_brute_force(starts: list[int], positions: list[int], offset: int) -> None:
    sync = TranscriptSync()
    sync.set_starts(starts)
    sync.set_offset(offset)
    for position in positions:
        sync.update(position)
        brute = max((i for i, s in enumerate(starts) if s <= position - offset), default=-1)
        assert sync.current == brute


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


def test_no_recording_and_no_timing_messages(panel: tuple[ListenPanel, FakePlayer]) -> None:
    widget, _ = panel
    stored = stored_call()
    widget.set_call(stored)
    assert "no recording" in widget.message.text()
    untimed = StoredCall(
        Call(**{**_fields(stored.call), "timing": Timing(None, "none", False)}),  # type: ignore[arg-type]
        "acme",
        datetime.now(UTC),
    )
    widget.set_call(untimed)
    assert "no timing information" in widget.message.text()
    assert widget.model.rowCount() == 5


def _fields(call: Call) -> dict[str, Any]:
    return {f: getattr(call, f) for f in call.__dataclass_fields__}


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1:23", 83_000),
        ("83", 83_000),
        ("0:01:23", 83_000),
        ("1:02.5", 62_500),
        ("abc", None),
        ("", None),
    ],
)
def test_parse_time(text: str, ms: int | None) -> None:
    assert parse_time(text) == ms


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
