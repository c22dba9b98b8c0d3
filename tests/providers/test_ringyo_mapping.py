"""Ringyo's documented payloads map to the normalized model; anything else is a SchemaError."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callreview.domain import CallStatus, Role, SchemaError
from callreview.providers.ringyo import map_call
from tests.standin import seed

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def test_doc_example_maps_to_the_right_values() -> None:
    call = map_call(seed.ringyo_doc_example())
    assert call.provider == "ringyo"
    assert call.call_id == "call_xyz789"
    assert call.status is CallStatus.ENDED and call.status_raw == "completed"
    assert call.to_number == "+14155551234" and call.from_number == "+18005551234"
    assert call.agent_id == "agent_abc123"
    assert call.duration_ms == 245_000 and call.duration_source == "provider"
    assert [(s.start_ms, s.end_ms) for s in call.segments] == [(0, 3200), (3200, 245_000)]
    assert [s.role for s in call.segments] == [Role.AGENT, Role.USER]
    assert call.segments[0].text.startswith("Hello! This is Sarah")
    assert call.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert call.ended_at == datetime(2024, 1, 15, 10, 34, 5, tzinfo=UTC)
    assert call.started_at is None  # Ringyo has no started_at; created_at is not it
    assert call.metadata == {"customer_id": "cust_456", "campaign": "follow_up"}
    assert call.recording is not None and call.recording.expires_at is None
    assert call.raw == seed.ringyo_doc_example()
    assert call.unmapped_fields == ()
    assert call.timing.has_positions and call.timing.anchor_source == "provider_offsets"


def test_data_meta_envelope_is_unwrapped() -> None:
    wrapped = {"data": seed.ringyo_doc_example(), "meta": {"request_id": "req_abc123"}}
    assert map_call(wrapped).call_id == "call_xyz789"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("queued", CallStatus.QUEUED),
        ("initiated", CallStatus.QUEUED),
        ("ringing", CallStatus.RINGING),
        ("answered", CallStatus.IN_PROGRESS),
        ("in_progress", CallStatus.IN_PROGRESS),
        ("completed", CallStatus.ENDED),
        ("transferred", CallStatus.TRANSFERRED),
        ("failed", CallStatus.FAILED),
        ("no_answer", CallStatus.NO_ANSWER),
        ("busy", CallStatus.BUSY),
        ("Completed", CallStatus.ENDED),
        ("teleported", CallStatus.UNKNOWN),
        (None, CallStatus.UNKNOWN),
    ],
)
def test_both_status_vocabularies_and_unknown(raw: str | None, status: CallStatus) -> None:
    doc = seed.ringyo_doc_example()
    doc["status"] = raw
    call = map_call(doc)
    assert call.status is status
    assert call.status_raw == raw


def test_in_progress_call_without_duration_or_transcript() -> None:
    doc = seed.ringyo_doc_example()
    doc.update(status="in_progress", ended_at=None)
    for key in ("duration", "transcript", "recording_url"):
        doc.pop(key)
    call = map_call(doc)
    assert call.duration_ms is None and call.segments == ()
    assert not call.timing.has_positions
    assert call.missing_parts == frozenset()  # not finished: nothing is "missing" yet


def test_completed_call_lacking_late_artefacts_is_marked() -> None:
    doc = seed.ringyo_doc_example()
    doc.pop("transcript")
    doc.pop("recording_url")
    assert map_call(doc).missing_parts == {"transcript", "recording", "analysis"}


def test_duration_absent_is_approximated_from_created_and_ended() -> None:
    doc = seed.ringyo_doc_example()
    doc.pop("duration")
    call = map_call(doc)
    assert call.duration_ms == 245_000
    assert call.duration_source == "approx_created_to_ended"


def test_unknown_fields_are_listed_and_kept() -> None:
    doc = seed.ringyo_doc_example()
    doc["sentiment_v2"] = {"x": 1}
    doc["transcript"][0]["confidence"] = 0.9
    call = map_call(doc)
    assert call.unmapped_fields == ("sentiment_v2", "transcript[].confidence")
    assert call.raw["sentiment_v2"] == {"x": 1}


def test_analysis_is_read_by_well_known_keys_and_kept_whole() -> None:
    doc = seed.ringyo_doc_example()
    doc["analysis"] = {
        "summary": "Customer confirmed the appointment.",
        "outcome": "appointment_confirmed",
        "sentiment": "positive",
        "successful": True,
        "extracted_data": {"appointment_date": "2024-01-20"},
    }
    analysis = map_call(doc).analysis
    assert analysis is not None
    assert analysis.summary == "Customer confirmed the appointment."
    assert analysis.outcome == "appointment_confirmed"
    assert analysis.sentiment == "positive" and analysis.success is True
    assert analysis.structured == {"appointment_date": "2024-01-20"}


def test_unsorted_and_untimed_lines() -> None:
    doc = seed.ringyo_doc_example()
    doc["transcript"] = [
        {"role": "user", "content": "second", "timestamp": 5.0},
        {"role": "agent", "content": "first", "timestamp": 1.0},
        {"role": "tool", "content": "no time"},
    ]
    call = map_call(doc)
    # A line without a time means times can't order the lines: the provider's order is kept.
    assert [s.text for s in call.segments] == ["second", "first", "no time"]
    assert call.segments[2].role is Role.OTHER and call.segments[2].role_raw == "tool"
    assert not call.timing.has_positions


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "call",
        {},
        {"id": 5},
        {"id": ""},
        {"id": "c1", "transcript": "hello"},
        {"id": "c1", "transcript": [{"timestamp": "soon"}]},
        {"id": "c1", "duration": -5},
        {"id": "c1", "duration": 1e308},
        {"id": "c1", "created_at": "last tuesday"},
        {"id": "c1", "metadata": ["a"]},
    ],
)
def test_malformed_payloads_raise_schema_error(bad: Any) -> None:
    with pytest.raises(SchemaError) as info:
        map_call(bad)
    assert "Ringyo" in str(info.value)


@given(json_values)
def test_fuzz_any_json_maps_or_raises_schema_error(value: Any) -> None:
    try:
        map_call(value)
    except SchemaError:
        pass


@given(
    st.fixed_dictionaries(
        {"id": st.text(min_size=1)},
        optional={
            "status": json_values,
            "duration": json_values,
            "transcript": st.lists(
                st.dictionaries(st.sampled_from(["role", "content", "timestamp", "x"]), json_values)
            ),
            "created_at": json_values,
            "ended_at": json_values,
            "analysis": json_values,
            "metadata": json_values,
            "recording_url": json_values,
        },
    )
)
def test_fuzz_call_shaped_documents(value: dict[str, Any]) -> None:
    try:
        call = map_call(value)
    except SchemaError:
        return
    starts = [s.start_ms for s in call.segments]
    assert all(s >= 0 for s in starts)
    if call.timing.has_positions:
        assert starts == sorted(starts)
