"""Time parsing: ISO 8601 from providers and the go-to box's typed times; any text, no crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from callreview.domain.display import format_ms
from callreview.domain.display import parse_position as parse_time
from callreview.domain.timeline import parse_iso

# -- parse_iso ------------------------------------------------------------------------------

# Whole minutes, as ISO 8601 and RFC 3339 write offsets (CPython 3.11's fromisoformat drops
# an offset of microseconds only, which no provider sends).
zones = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Years 2..9998: at the very ends of the calendar an offset moves the moment out of range,
# which has a test of its own below (ValueError, not OverflowError).
inner_datetimes = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31))
iso_like = st.from_regex(
    r"\A\s?[0-9]{4}-?[0-9]{2}-?[0-9]{2}([T t][0-9]{2}(:?[0-9]{2}(:?[0-9]{2}([.,][0-9]{1,9})?)?)?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\s?\Z"
).filter(lambda s: not s.strip().startswith(("0000", "0001", "9999")))


def is_utc(value: datetime) -> bool:
    return value.utcoffset() == timedelta(0)


@given(st.one_of(st.text(), iso_like))
@example("2024-01-15T10:30:00Z")
@example("2024-01-15T25:00Z")
@example("2024-02-30")
@example(" \u2003 ")
def test_any_text_is_an_aware_utc_datetime_or_a_value_error(text: str) -> None:
    try:
        parsed = parse_iso(text)
    except ValueError:
        return
    assert is_utc(parsed)


@given(inner_datetimes, zones)
def test_an_aware_datetime_round_trips_as_the_same_moment_in_utc(
    moment: datetime, tz: timezone
) -> None:
    aware = moment.replace(tzinfo=tz)
    parsed = parse_iso(aware.isoformat())
    assert parsed == aware and is_utc(parsed)


@given(inner_datetimes, st.sampled_from(["Z", "z", "+00:00", ""]), st.sampled_from(["T", " "]))
def test_utc_and_naive_forms_round_trip_as_utc(moment: datetime, zone: str, sep: str) -> None:
    parsed = parse_iso(f" {moment.isoformat(sep)}{zone}\n")
    assert parsed == moment.replace(tzinfo=UTC) and is_utc(parsed)


@settings(report_multiple_bugs=False)
@given(st.datetimes(), zones)
@example(datetime(1, 1, 1), timezone(timedelta(hours=1)))
@example(datetime(9999, 12, 31, 23), timezone(timedelta(hours=-2)))
def test_any_aware_datetime_round_trips_or_is_a_value_error(moment: datetime, tz: timezone) -> None:
    aware = moment.replace(tzinfo=tz)
    try:
        parsed = parse_iso(aware.isoformat())
    except ValueError:
        return  # not representable in UTC: refusing it is right
    assert parsed == aware and is_utc(parsed)


# -- the listen panel's go-to box -----------------------------------------------------------

MAX_POSITION_MS = 2**63 - 1  # QMediaPlayer positions are qint64


@given(st.text(max_size=15))
@example("1:23")
@example("\u0663:\u0660\u0665")  # Arabic-Indic digits: \d and float() both read them
@example("1:2:3:4")
@example("-5")
@example("1e3")
def test_any_short_text_is_a_position_or_none(text: str) -> None:
    ms = parse_time(text)
    assert ms is None or (isinstance(ms, int) and 0 <= ms <= MAX_POSITION_MS)


@given(st.integers(min_value=0, max_value=1000 * 3600 * 10_000))
def test_a_shown_position_reads_back_to_the_second(ms: int) -> None:
    assert parse_time(format_ms(ms)) == ms // 1000 * 1000


@given(st.integers(min_value=0, max_value=59), st.integers(min_value=0, max_value=59))
def test_minutes_and_seconds_with_or_without_hours(minutes: int, seconds: int) -> None:
    expected = (minutes * 60 + seconds) * 1000
    assert parse_time(f"{minutes}:{seconds:02d}") == expected
    assert parse_time(f"0:{minutes:02d}:{seconds:02d}") == expected
    assert parse_time(str(minutes * 60 + seconds)) == expected


@settings(report_multiple_bugs=False)
@given(st.integers(min_value=0, max_value=1000 * 3600 * 10_000))
@example(1005)
def test_typed_milliseconds_are_kept(ms: int) -> None:
    seconds, millis = divmod(ms, 1000)
    assert parse_time(f"{seconds}.{millis:03d}") == ms


@settings(report_multiple_bugs=False)
@given(st.text(st.sampled_from("0123456789:."), max_size=500))
@example("9" * 400)
@example("1" * 20)
def test_any_typed_digits_are_a_position_or_none(text: str) -> None:
    ms = parse_time(text)
    assert ms is None or 0 <= ms <= MAX_POSITION_MS
