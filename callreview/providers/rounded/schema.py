"""Rounded's documented wire shapes (v1 envelope, phone call, post-call answers, errors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from callreview.providers.wire import Wire


class RoundedSegment(Wire):
    role: str | None = None
    start_time: str | None = None
    content: str | None = None


class RoundedVariable(Wire):
    name: str | None = None
    type: str | None = None
    value: Any = None
    timestamp: str | None = None


class RoundedQuestion(Wire):
    id: str | None = None
    name: str | None = None
    description: str | None = None
    question_type: str | None = None
    is_optional: bool | None = None
    question_origin: str | None = None


class RoundedOption(Wire):
    id: str | None = None
    value: Any = None


class RoundedSelectedOption(Wire):
    option: RoundedOption | None = None


class RoundedAnswer(Wire):
    id: str | None = None
    question: RoundedQuestion | None = None
    has_answer: bool | None = None
    answer_text: str | None = None
    answer_number: float | None = None
    answer_boolean: bool | None = None
    selected_options: list[RoundedSelectedOption] | None = None


class RoundedCall(Wire):
    id: str
    status: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    direction: str | None = None
    organization_id: str | None = None
    type: str | None = None
    agent_id: str | None = None
    metadata: dict[str, Any] | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: float | None = None
    redirect_duration_seconds: float | None = None
    cost: Decimal | None = None
    transcript_string: str | None = None
    transcript: list[RoundedSegment] | None = None
    variable_values: list[RoundedVariable] | None = None
    answer_type: str | None = None
    recording_url: str | None = None
    secure_recording_url: bool | None = None
    post_call_answers: list[RoundedAnswer] | None = None


class RoundedEnvelope(Wire):
    """`{data, message, error, status}`; success is decided by the HTTP status, not `error`."""

    data: Any = None
    message: str | None = None
    error: Any = None
    status: int | None = None
    next_cursor: str | None = None
    current_page: int | None = None
    total_pages: int | None = None
    total_items: int | None = None


class RoundedErrorDetail(Wire):
    details: Any = None
    message: str | None = None
    status: int | None = None
    type: str | None = None
