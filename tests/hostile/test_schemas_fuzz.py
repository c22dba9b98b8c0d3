"""Issue 13 item 4: property-based fuzzing of every wire schema (through the providers' mappers)
with arbitrary JSON, nested and oversized values included.

Whatever a provider sends, mapping it either raises one of our errors (ProviderError, or
ConfigError for an unknown provider) or gives a Call the library can save and read back.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callreview.domain import ConfigError, ProviderError
from callreview.library import SqliteLibrary
from callreview.providers.registry import map_raw_call
from callreview.redaction import scrub_presigned
from tests.standin import seed

BUDGET = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

HOSTILE_TEXT = st.sampled_from(["\ud800", "a\udfffb", "\x00", "", " ", "x" * 10_000, "é" * 50])
TEXT = st.one_of(st.text(max_size=20), HOSTILE_TEXT)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=2**62, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**62)),
    st.floats(allow_nan=False),  # what json.loads gives: 1e400 is inf, NaN is refused
    st.sampled_from([1e300, -1e300, 2.0**53, 9007199254740.992, 1e-300, -0.0]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=25,
)


def deep(depth: int, leaf: Any) -> Any:
    for n in range(depth):
        leaf = [leaf] if n % 2 else {"k": leaf}
    return leaf


DEEP = st.builds(deep, st.integers(min_value=0, max_value=1200), SCALARS)
# The values the issue names, drawn often: a bounded budget must still meet them.
HOSTILE = st.one_of(
    st.sampled_from([2**63, 2**70, -(2**64), 1e300, -1e300, float("inf"), 1e20, "\ud800"]),
    st.builds(lambda v: [{"timestamp": v, "content": "\udfff"}], NUMBERS),
    st.builds(deep, st.integers(min_value=300, max_value=800), SCALARS),
)
VALUES = st.one_of(HOSTILE, JSON, DEEP)

TIMES = st.one_of(
    st.sampled_from(["2023-06-15T14:30:00Z", "2023-06-15T14:30:04.5+02:00", "0001-01-01T00:00:00"]),
    st.datetimes().map(lambda d: d.isoformat()),
    TEXT,
)
OBJECTS = st.one_of(st.dictionaries(TEXT, VALUES, max_size=4), st.builds(lambda v: {"k": v}, DEEP))


def typed(kind: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the documented type (so validation passes and storage is reached),
    sometimes anything at all."""
    return st.one_of(kind, kind, kind, VALUES)


def records(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    one = st.fixed_dictionaries({}, optional={k: typed(v) for k, v in fields.items()})
    return st.lists(one, max_size=4)


RINGYO_SEGMENT = {"role": TEXT, "content": TEXT, "timestamp": NUMBERS}
ROUNDED_SEGMENT = {"role": TEXT, "content": TEXT, "start_time": TIMES}
RINGYO_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": TEXT,
    "status": TEXT,
    "phone_number": TEXT,
    "from_number": TEXT,
    "agent_id": TEXT,
    "duration": NUMBERS,
    "transcript": records(RINGYO_SEGMENT),
    "recording_url": TEXT,
    "analysis": OBJECTS,
    "metadata": OBJECTS,
    "created_at": TIMES,
    "ended_at": TIMES,
}
ROUNDED_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": TEXT,
    "status": TEXT,
    "from_number": TEXT,
    "to_number": TEXT,
    "direction": TEXT,
    "type": TEXT,
    "agent_id": TEXT,
    "metadata": OBJECTS,
    "start_time": TIMES,
    "end_time": TIMES,
    "duration_seconds": NUMBERS,
    "redirect_duration_seconds": NUMBERS,
    "cost": NUMBERS,
    "transcript_string": TEXT,
    "transcript": records(ROUNDED_SEGMENT),
    "variable_values": records({"name": TEXT, "type": TEXT, "value": VALUES, "timestamp": TIMES}),
    "answer_type": TEXT,
    "recording_url": TEXT,
    "secure_recording_url": st.booleans(),
    "post_call_answers": records(
        {
            "id": TEXT,
            "has_answer": st.booleans(),
            "answer_text": TEXT,
            "answer_number": NUMBERS,
            "answer_boolean": st.booleans(),
            "question": st.fixed_dictionaries(
                {"question_type": st.sampled_from(["number", "text", "boolean", "select"])},
                optional={"name": TEXT, "description": TEXT},
            ),
            "selected_options": records({"option": st.fixed_dictionaries({"value": VALUES})}),
        }
    ),
}


def base_call(provider: str) -> dict[str, Any]:
    if provider == "ringyo":
        return seed.make_ringyo_call(7)
    return seed.rounded_doc_example_with_answers()


@st.composite
def mutated(draw: st.DrawFn, provider: str) -> Any:
    """A documented call with some fields replaced, mostly by values of their documented
    type (huge, tiny, non-finite, deep or not valid Unicode), sometimes by anything; now and
    then arbitrary JSON through and through."""
    if draw(st.integers(0, 9)) == 0:
        return draw(VALUES)
    call = base_call(provider)
    fields = RINGYO_FIELDS if provider == "ringyo" else ROUNDED_FIELDS
    for key in draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=4)):
        call[key] = draw(typed(fields[key]))
    if draw(st.booleans()):
        call[draw(TEXT)] = draw(VALUES)  # an unknown field: kept, listed, never fatal
    if provider == "ringyo" and draw(st.integers(0, 4)) == 0:
        return {"data": call, "meta": {}}
    return call


@pytest.fixture(scope="module")
def library() -> Iterator[SqliteLibrary]:
    with tempfile.TemporaryDirectory() as folder:
        lib = SqliteLibrary(Path(folder), mapper=map_raw_call)
        yield lib
        lib.close()


def map_and_save(library: SqliteLibrary, provider: str, raw: Any) -> None:
    try:
        call = map_raw_call(provider, raw)
    except (ProviderError, ConfigError) as exc:
        text = str(exc)
        assert text and "internal error" not in text.lower()
        return
    stored = library.save_call(call, None)  # anything it raises fails the property
    assert stored.call.call_id == call.call_id
    assert stored.call.duration_ms == call.duration_ms
    assert [s.start_ms for s in stored.call.segments] == [s.start_ms for s in call.segments]


@BUDGET
@given(raw=mutated("ringyo"))
def test_ringyo_any_json_maps_to_an_error_or_a_storable_call(
    library: SqliteLibrary, raw: Any
) -> None:
    map_and_save(library, "ringyo", raw)


@BUDGET
@given(raw=mutated("rounded"))
def test_rounded_any_json_maps_to_an_error_or_a_storable_call(
    library: SqliteLibrary, raw: Any
) -> None:
    map_and_save(library, "rounded", raw)


@pytest.mark.parametrize("provider", ["ringyo", "rounded"])
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("metadata", deep(600, "x"), "nested too deep"),
        ("agent_id", "agent\ud800", "not valid Unicode"),
        ("metadata", {"n": 2**70}, "too large to store"),
        ("metadata", {"\udc00": 1}, "not valid Unicode"),
        ("metadata", {"f": float("inf")}, "not finite"),
    ],
)
def test_the_documented_hostile_values_are_refused_in_words(
    provider: str, field: str, value: Any, words: str
) -> None:
    raw = base_call(provider)
    raw[field] = value
    with pytest.raises(ProviderError, match=words):
        map_raw_call(provider, raw)


@pytest.mark.parametrize(
    ("provider", "field", "value"),
    [
        ("ringyo", "duration", 1e300),
        ("ringyo", "duration", 2**70),
        ("rounded", "duration_seconds", 1e300),
        ("rounded", "redirect_duration_seconds", 2.0**70),
        ("rounded", "cost", 10**30),
    ],
)
def test_numbers_the_library_cannot_store_are_refused(
    provider: str, field: str, value: Any
) -> None:
    raw = base_call(provider)
    raw[field] = value
    with pytest.raises(ProviderError, match=r"Ringyo|Rounded"):
        map_raw_call(provider, raw)


def test_the_depth_limit_is_checked_without_recursion() -> None:
    from callreview.providers.wire import MAX_DEPTH, check_json

    value = deep(200_000, "x")
    with pytest.raises(ProviderError, match=f"more than {MAX_DEPTH} levels"):
        check_json(value, "Ringyo", "a call")
    check_json(deep(MAX_DEPTH - 1, "x"), "Ringyo", "a call")


def test_scrub_presigned_handles_any_depth() -> None:
    url = "https://bucket.example/rec.wav?X-Amz-Signature=abc"
    value = deep(100_000, url)
    scrubbed = scrub_presigned(value)
    for _ in range(100_000):
        scrubbed = scrubbed[0] if isinstance(scrubbed, list) else scrubbed["k"]
    assert scrubbed == "https://bucket.example/rec.wav"
    assert scrub_presigned({"a": [url, {"b": url}], "c": 1}) == {
        "a": ["https://bucket.example/rec.wav", {"b": "https://bucket.example/rec.wav"}],
        "c": 1,
    }
    assert json.dumps(scrub_presigned([1, "x", None])) == '[1, "x", null]'
