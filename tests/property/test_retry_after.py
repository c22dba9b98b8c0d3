"""Retry-After and X-RateLimit-Reset: any value gives None or a finite, non-negative delay."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from callreview.providers.http import parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
HEADERS = ("retry-after", "x-ratelimit-reset")

# What a server (or a proxy in front of it) might send: numbers of every shape, HTTP dates,
# and any text at all.
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
http_dates = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
).map(lambda d: format_datetime(d, usegmt=True))
values = st.one_of(numbers, http_dates, st.text(max_size=40))


def is_delay(result: float | None) -> bool:
    return result is None or (math.isfinite(result) and result >= 0)


def _as_float(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        return 0.0


# "Infinity" and its spellings have a test of their own below; everything else holds.
finite_values = values.filter(lambda v: not math.isinf(_as_float(v)))


@given(st.sampled_from(HEADERS), finite_values)
@example("retry-after", "-5")
@example("retry-after", "nan")
@example("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")  # in the past: no wait
@example("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")
@example("retry-after", "Mon, 32 Foo 2015 99:99:99 GMT")
@example("x-ratelimit-reset", "1e308")
@example("retry-after", "\u0661\u0662\u0663")  # Arabic-Indic digits: float() reads them
def test_any_single_header_gives_none_or_a_finite_delay(name: str, value: str) -> None:
    assert is_delay(parse_retry_after({name: value}, now=NOW))


def wire(retry: bytes, reset: bytes) -> httpx.Headers:
    """Headers as a response carries them: bytes, decoded by httpx (ASCII, UTF-8 or Latin-1)."""
    return httpx.Headers([(b"Retry-After", retry), (b"X-RateLimit-Reset", reset)])


@given(finite_values, finite_values)
def test_both_headers_together_give_none_or_a_finite_delay(retry: str, reset: str) -> None:
    headers = wire(retry.encode("utf-8", "surrogatepass"), reset.encode("utf-8", "surrogatepass"))
    assert is_delay(parse_retry_after(headers, now=NOW))


@given(st.binary(max_size=40), st.binary(max_size=40))
@example(b"\xff\xfe120", b"\x00")
def test_any_bytes_on_the_wire_give_none_or_a_finite_delay(retry: bytes, reset: bytes) -> None:
    assume(not any(math.isinf(_as_float(v.decode("latin-1"))) for v in (retry, reset)))
    assert is_delay(parse_retry_after(wire(retry, reset), now=NOW))


@settings(report_multiple_bugs=False)
@given(st.sampled_from(HEADERS), values)
@example("retry-after", "inf")
@example("x-ratelimit-reset", "1e400")
def test_any_header_value_gives_none_or_a_finite_delay(name: str, value: str) -> None:
    assert is_delay(parse_retry_after({name: value}, now=NOW))


@given(st.integers(min_value=0, max_value=1_000_000_000))
def test_whole_seconds_round_trip(seconds: int) -> None:
    assert parse_retry_after({"retry-after": str(seconds)}, now=NOW) == seconds
    assert parse_retry_after(wire(f" {seconds} ".encode(), b""), now=NOW) == seconds


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_fractional_seconds_round_trip(seconds: float) -> None:
    assert parse_retry_after({"retry-after": repr(seconds)}, now=NOW) == seconds


@given(st.integers(min_value=0, max_value=10 * 365 * 86_400))
def test_an_http_date_is_the_seconds_until_then(seconds: int) -> None:
    when = datetime.fromtimestamp(NOW, UTC) + timedelta(seconds=seconds)
    header = format_datetime(when, usegmt=True)
    assert parse_retry_after({"retry-after": header}, now=NOW) == seconds


@given(st.integers(min_value=1, max_value=10 * 365 * 86_400))
def test_an_epoch_reset_is_the_seconds_until_then(seconds: int) -> None:
    reset = str(int(NOW) + seconds)
    assert parse_retry_after({"x-ratelimit-reset": reset}, now=int(NOW)) == seconds


@given(st.integers(min_value=0, max_value=1_000_000_000))
def test_a_small_reset_is_a_delay_in_seconds(seconds: int) -> None:
    assert parse_retry_after({"x-ratelimit-reset": str(seconds)}, now=NOW) == seconds


@given(st.text(max_size=40))
def test_garbage_retry_after_falls_back_to_the_reset_header(garbage: str) -> None:
    assume(parse_retry_after({"retry-after": garbage}, now=NOW) is None)
    headers = {"retry-after": garbage, "x-ratelimit-reset": "30"}
    assert parse_retry_after(headers, now=NOW) == 30
