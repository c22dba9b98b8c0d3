"""The window's time and duration formats, shared with the exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from callreview.domain.display import (
    format_duration,
    format_ms,
    format_start,
    format_when,
    parse_position,
)


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (None, ""),
        (0, "0:00"),
        (999, "0:00"),
        (5_000, "0:05"),
        (65_432, "1:05"),
        (599_999, "9:59"),
        (600_000, "10:00"),
        (3_599_999, "59:59"),
        (3_600_000, "1:00:00"),
        (3_725_000, "1:02:05"),
        (36_000_000, "10:00:00"),
        (-1_500, "0:00"),  # a position a little before the recording's start
    ],
)
def test_format_ms(ms: int | None, expected: str) -> None:
    assert format_ms(ms) == expected


def test_format_duration_marks_lengths_not_from_the_provider() -> None:
    assert format_duration(217_400, "provider") == "3:37"
    assert format_duration(217_400, None) == "3:37"
    assert format_duration(217_400, "segments") == "3:37 (approx.)"
    assert format_duration(None, "segments") == ""


def test_format_start_is_utc_to_the_second() -> None:
    moment = datetime(2026, 11, 20, 10, 5, 44, 900_000, tzinfo=UTC)
    assert format_start(moment) == "2026-11-20 10:05:44 UTC"
    berlin = moment.astimezone(timezone(timedelta(hours=1)))
    assert format_start(berlin) == "2026-11-20 10:05:44 UTC"
    assert format_start(moment.replace(tzinfo=None)) == "2026-11-20 10:05:44 UTC"
    assert format_start(None) == ""


def test_format_when_prefers_the_position() -> None:
    moment = datetime(2026, 11, 20, 10, 5, 44, tzinfo=timezone(timedelta(hours=-5)))
    assert format_when(65_000, moment) == "1:05"
    assert format_when(None, moment) == "15:05:44"
    assert format_when(None, None) == ""


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1:23", 83_000),
        ("83", 83_000),
        ("0:01:23", 83_000),
        ("1:02.5", 62_500),
        ("abc", None),
        ("", None),
        ("0:01.005", 1005),
        ("9" * 400, None),
    ],
)
def test_parse_position(text: str, ms: int | None) -> None:
    assert parse_position(text) == ms
