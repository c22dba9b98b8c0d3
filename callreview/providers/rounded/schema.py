"""Rounded's documented wire shapes (v1 envelope, phone call, post-call answers, errors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from callreview.providers.wire import Int64, Number, Seconds, Text, Wire

# A call's cost: a finite decimal of sane size (the library keeps it as text and sorts by it).
Cost = Annotated[Decimal, Field(ge=-(10**15), le=10**15, allow_inf_nan=False)]


class RoundedSegment(Wire):
    role: Text | None = None
    start_time: Text | None = None
    content: Text | None = None


class RoundedVariable(Wire):
    name: Text | None = None
    type: Text | None = None
    value: Any = None
    timestamp: Text | None = None


class RoundedQuestion(Wire):
    id: Text | None = None
    name: Text | None = None
    description: Text | None = None
    question_type: Text | None = None
    is_optional: bool | None = None
    question_origin: Text | None = None


class RoundedOption(Wire):
    id: Text | None = None
    value: Any = None


class RoundedSelectedOption(Wire):
    option: RoundedOption | None = None


class RoundedAnswer(Wire):
    id: Text | None = None
    question: RoundedQuestion | None = None
    has_answer: bool | None = None
    answer_text: Text | None = None
    answer_number: Number | None = None
    answer_boolean: bool | None = None
    selected_options: list[RoundedSelectedOption] | None = None


class RoundedCall(Wire):
    id: Text
    status: Text | None = None
    from_number: Text | None = None
    to_number: Text | None = None
    direction: Text | None = None
    organization_id: Text | None = None
    type: Text | None = None
    agent_id: Text | None = None
    metadata: dict[str, Any] | None = None
    start_time: Text | None = None
    end_time: Text | None = None
    duration_seconds: Seconds | None = None
    redirect_duration_seconds: Seconds | None = None
    cost: Cost | None = None
    transcript_string: Text | None = None
    transcript: list[RoundedSegment] | None = None
    variable_values: list[RoundedVariable] | None = None
    answer_type: Text | None = None
    recording_url: Text | None = None
    secure_recording_url: bool | None = None
    post_call_answers: list[RoundedAnswer] | None = None


class RoundedEnvelope(Wire):
    """`{data, message, error, status}`; success is decided by the HTTP status, not `error`."""

    data: Any = None
    message: Text | None = None
    error: Any = None
    status: Int64 | None = None
    next_cursor: Text | None = None
    current_page: Int64 | None = None
    total_pages: Int64 | None = None
    total_items: Int64 | None = None


class RoundedErrorDetail(Wire):
    details: Any = None
    message: Text | None = None
    status: Int64 | None = None
    type: Text | None = None
