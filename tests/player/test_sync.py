"""TranscriptSync with injected positions (no audio involved); the panel is in tests/ui."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from callreview.player import TranscriptSync

STARTS = [0, 3200, 6000, 9100, 15000]


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
