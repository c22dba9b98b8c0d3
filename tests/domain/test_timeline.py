"""Time parsing, segment finishing and the bisect lookup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callreview.domain import Role, Segment, segment_at
from callreview.domain.timeline import (
    finish_segments,
    offset_ms,
    parse_iso,
    seconds_to_ms,
    talk_split,
    talk_time_ms,
)


def seg(index: int, start: int, role: Role = Role.AGENT) -> Segment:
    return Segment(
        index=index, role=role, role_raw=role.value, text=f"line {index}", start_ms=start
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T10:30:00Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00+00:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T12:30:00+02:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00.250Z", datetime(2024, 1, 15, 10, 30, 0, 250000, tzinfo=UTC)),
        ("2024-01-15T10:30:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),  # naive = UTC
    ],
)
def test_parse_iso_is_always_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_iso(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-15T25:00Z"])
def test_parse_iso_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(bad)


def test_seconds_to_ms_rounds_and_rejects_non_finite() -> None:
    assert seconds_to_ms(3.2) == 3200
    assert seconds_to_ms(0.0004) == 0
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            seconds_to_ms(bad)


def test_offset_ms_handles_negative_and_timezones() -> None:
    anchor = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    later = datetime(2024, 1, 1, 13, 0, 1, 500000, tzinfo=timezone(timedelta(hours=1)))
    assert offset_ms(later, anchor) == 1500
    assert offset_ms(anchor - timedelta(seconds=2), anchor) == -2000


def test_finish_segments_sorts_infers_ends_and_flags() -> None:
    segments = [seg(0, 5000), seg(1, -300), seg(2, 2000), seg(3, 999_999)]
    finished, flags = finish_segments(segments, duration_ms=10_000)
    assert [s.index for s in finished] == [1, 2, 0, 3]
    assert [s.start_ms for s in finished] == [0, 2000, 5000, 999_999]
    assert [s.end_ms for s in finished] == [2000, 5000, 999_999, None]
    assert "before_start" in finished[0].flags
    assert "past_end" in finished[3].flags
    assert flags == ("segments_before_start", "segments_past_end")


def test_last_segment_ends_at_duration() -> None:
    finished, flags = finish_segments([seg(0, 0), seg(1, 3200)], duration_ms=245_000)
    assert [(s.start_ms, s.end_ms) for s in finished] == [(0, 3200), (3200, 245_000)]
    assert flags == ()


def test_talk_time_by_role() -> None:
    finished, _ = finish_segments(
        [seg(0, 0, Role.AGENT), seg(1, 4000, Role.USER), seg(2, 5000, Role.AGENT)], 9000
    )
    assert talk_time_ms(finished) == {"agent": 8000, "user": 1000}


def test_talk_split_counts_only_agent_and_caller_and_adds_up_to_100() -> None:
    finished, _ = finish_segments(
        [
            seg(0, 0, Role.AGENT),
            seg(1, 2000, Role.TOOL_CALL),
            seg(2, 5000, Role.USER),
            seg(3, 6000, Role.AGENT),
        ],
        9000,
    )
    # agent 2000 + 3000 ms, caller 1000 ms; the tool call's 3000 ms is not speech
    assert talk_split(finished) == (83, 17)
    assert talk_split(finished[1:2]) is None
    assert talk_split(()) is None


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=30))
def test_talk_split_always_adds_up(lengths: list[int]) -> None:
    segments, start = [], 0
    for i, length in enumerate(lengths):
        segments.append(seg(i, start, Role.AGENT if i % 2 else Role.USER))
        start += length
    finished, _ = finish_segments(segments, start)
    shares = talk_split(finished)
    assert shares is not None and sum(shares) == 100 and min(shares) >= 0


@pytest.mark.parametrize(
    ("position", "expected"), [(-1, -1), (0, 0), (3199, 0), (3200, 1), (10_000, 2)]
)
def test_segment_at_boundaries(position: int, expected: int) -> None:
    assert segment_at([0, 3200, 6000], position) == expected


@given(
    starts=st.lists(st.integers(min_value=0, max_value=10**7), max_size=200).map(sorted),
    position=st.integers(min_value=-(10**3), max_value=10**7 + 10**3),
)
def test_segment_at_matches_brute_force(starts: list[int], position: int) -> None:
    brute = -1
    for i, start in enumerate(starts):
        if start <= position:
            brute = i
    assert segment_at(starts, position) == brute
