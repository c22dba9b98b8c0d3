"""Rounded's documented payloads map to the normalized model; anything else is a SchemaError."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callreview.domain import CallStatus, Direction, Role, SchemaError
from callreview.providers.rounded import map_call
from tests.providers.test_ringyo_mapping import json_values
from tests.standin import seed


def test_doc_example_maps_to_the_right_values() -> None:
    call = map_call(seed.rounded_doc_example())
    assert call.provider == "rounded" and call.call_id == "<string>"
    assert call.status is CallStatus.QUEUED and call.status_raw == "created"
    assert call.direction is Direction.INBOUND and call.call_type == "phone_call"
    assert call.started_at == datetime(2023, 6, 15, 14, 30, tzinfo=UTC)
    assert call.ended_at == datetime(2023, 6, 15, 14, 35, tzinfo=UTC)
    assert call.duration_ms == 300_000 and call.transferred_ms == 5000
    assert call.cost is not None and call.cost.amount == Decimal("0.15")
    assert call.cost.currency is None  # Rounded does not state a currency: never guess
    assert call.answered_by == "human"
    assert call.transcript_text is not None and call.transcript_text.startswith("Agent: Hello")
    assert call.metadata == {"source": "marketing_campaign", "utm_medium": "email"}
    [variable] = call.variables
    assert variable.value == "John Doe" and variable.at_ms == 192_000
    assert call.recording is not None and call.recording.secure is True
    assert call.recording.presigned
    assert call.recording.expires_at == datetime(2025, 4, 1, 17, 38, 38, tzinfo=UTC)
    # The doc's transcript time is months away from the call: kept, flagged, not crashed on.
    assert call.timing.anchor == call.started_at and call.timing.anchor_source == "start_time"
    assert "segments_past_end" in call.timing.flags
    assert call.segments[0].role is Role.USER and "past_end" in call.segments[0].flags
    assert call.unmapped_fields == ("organization_id",)


def test_post_call_answers_become_typed_analysis_items() -> None:
    call = map_call(seed.rounded_doc_example_with_answers())
    assert call.analysis is not None
    items = call.analysis.items
    assert len(items) >= 4
    by_type = {item.question_type: item for item in items if item.answered}
    assert by_type["boolean"].value is True and by_type["boolean"].value_text == "Yes"
    assert any(isinstance(item.value, list) and item.value for item in items)
    assert any(isinstance(item.value, str) and item.value for item in items)
    assert any(not item.answered and item.value_text == "(no answer)" for item in items)
    # Realistic lines sit inside the call window, so nothing is flagged.
    assert call.timing.flags == ()
    assert call.segments[0].start_ms >= 0


def test_transcript_offsets_against_start_time() -> None:
    doc = seed.rounded_doc_example()
    doc["transcript"] = [
        {"role": "agent", "start_time": "2023-06-15T14:30:01Z", "content": "Hi"},
        {"role": "user", "start_time": "2023-06-15T14:30:04.500Z", "content": "Hello"},
        {"role": "agent", "start_time": "2023-06-15T14:29:59Z", "content": "early"},
        {"role": "tool_invocation", "start_time": "2023-06-15T14:30:06Z", "content": "{}"},
    ]
    call = map_call(doc)
    assert [(s.text, s.start_ms) for s in call.segments] == [
        ("early", 0),
        ("Hi", 1000),
        ("Hello", 4500),
        ("{}", 6000),
    ]
    assert "before_start" in call.segments[0].flags
    assert call.timing.flags == ("segments_before_start",)
    assert call.segments[-1].role is Role.TOOL_CALL
    assert call.segments[-1].end_ms == 300_000


def test_no_start_time_anchors_on_first_line() -> None:
    doc = seed.rounded_doc_example()
    doc.pop("start_time")
    doc["transcript"] = [
        {"role": "agent", "start_time": "2023-06-15T14:30:10Z", "content": "a"},
        {"role": "user", "start_time": "2023-06-15T14:30:12Z", "content": "b"},
    ]
    call = map_call(doc)
    assert call.timing.anchor_source == "first_segment"
    assert [s.start_ms for s in call.segments] == [0, 2000]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("created", CallStatus.QUEUED),
        ("completed", CallStatus.ENDED),
        ("weird", CallStatus.UNKNOWN),
    ],
)
def test_status(raw: str, status: CallStatus) -> None:
    doc = seed.rounded_doc_example()
    doc["status"] = raw
    assert map_call(doc).status is status


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"data": None},
        {"id": None},
        {"id": "x", "cost": "lots"},
        {"id": "x", "cost": "NaN"},
        {"id": "x", "transcript": [{"start_time": "noon"}]},
        {"id": "x", "post_call_answers": {"a": 1}},
        {"id": "x", "duration_seconds": -1},
    ],
)
def test_malformed_payloads_raise_schema_error(bad: Any) -> None:
    with pytest.raises(SchemaError):
        map_call(bad)


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
            key: json_values
            for key in (
                "status",
                "start_time",
                "end_time",
                "duration_seconds",
                "cost",
                "variable_values",
                "post_call_answers",
                "recording_url",
                "direction",
            )
        }
        | {
            "transcript": st.lists(
                st.dictionaries(st.sampled_from(["role", "start_time", "content"]), json_values)
            )
        },
    )
)
def test_fuzz_call_shaped_documents(value: dict[str, Any]) -> None:
    try:
        map_call(value)
    except SchemaError:
        pass
