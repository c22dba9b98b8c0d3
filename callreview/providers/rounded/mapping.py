"""Rounded call JSON → domain.Call: wall-clock transcript times become offsets from start_time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callreview.domain import (
    Analysis,
    AnswerItem,
    Call,
    CallStatus,
    Direction,
    JSONValue,
    Money,
    Recording,
    Role,
    SchemaError,
    Segment,
    Timing,
    Variable,
)
from callreview.domain.timeline import finish_segments, offset_ms, seconds_to_ms
from callreview.providers.base import presigned_expiry
from callreview.providers.rounded import SPEC
from callreview.providers.rounded.schema import RoundedAnswer, RoundedCall
from callreview.providers.wire import as_json_mapping, norm_word, parse_time, unmapped, validate

LABEL = SPEC.label
PROVIDER = SPEC.name

# Only "created" and "completed" are documented; the rest are the likely words, and anything
# else maps to unknown with the raw word kept.
STATUS_MAP: dict[str, CallStatus] = {
    "created": CallStatus.QUEUED,
    "queued": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING,
    "in_progress": CallStatus.IN_PROGRESS,
    "ongoing": CallStatus.IN_PROGRESS,
    "completed": CallStatus.ENDED,
    "ended": CallStatus.ENDED,
    "transferred": CallStatus.TRANSFERRED,
    "failed": CallStatus.FAILED,
    "error": CallStatus.FAILED,
    "no_answer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "voicemail": CallStatus.VOICEMAIL,
    "canceled": CallStatus.CANCELED,
    "cancelled": CallStatus.CANCELED,
}

ROLE_MAP: dict[str, Role] = {
    "agent": Role.AGENT,
    "assistant": Role.AGENT,
    "user": Role.USER,
    "system": Role.SYSTEM,
    "tool": Role.TOOL_CALL,
    "tool_call": Role.TOOL_CALL,
    "tool_invocation": Role.TOOL_CALL,
    "function_call": Role.TOOL_CALL,
    "tool_response": Role.TOOL_RESULT,
    "tool_result": Role.TOOL_RESULT,
    "function_result": Role.TOOL_RESULT,
}

DIRECTION_MAP = {"inbound": Direction.INBOUND, "outbound": Direction.OUTBOUND}

_CONSUMED = (
    "id",
    "status",
    "from_number",
    "to_number",
    "direction",
    "type",
    "agent_id",
    "metadata",
    "start_time",
    "end_time",
    "duration_seconds",
    "redirect_duration_seconds",
    "cost",
    "transcript_string",
    "transcript",
    "variable_values",
    "answer_type",
    "recording_url",
    "secure_recording_url",
    "post_call_answers",
)
_SEGMENT_CONSUMED = ("role", "start_time", "content")


def _seconds(value: float | None, field: str) -> int | None:
    if value is None:
        return None
    try:
        if value < 0:
            raise ValueError("negative")
        return seconds_to_ms(value)
    except (ValueError, OverflowError) as exc:
        raise SchemaError(f"Rounded sent an invalid {field}: {value!r}.", provider=LABEL) from exc


def _answer_value(answer: RoundedAnswer, qtype: str) -> JSONValue:
    options = [
        sel.option.value
        for sel in answer.selected_options or []
        if sel.option is not None and sel.option.value is not None
    ]
    by_type: dict[str, JSONValue] = {
        "boolean": answer.answer_boolean,
        "number": answer.answer_number,
        "numeric": answer.answer_number,
        "text": answer.answer_text,
        "string": answer.answer_text,
    }
    if qtype in by_type and by_type[qtype] is not None:
        return by_type[qtype]
    if options or qtype in ("select", "single_select", "multi_select", "multiple_choice"):
        return [o if isinstance(o, str | int | float | bool) else str(o) for o in options]
    for candidate in (answer.answer_boolean, answer.answer_number, answer.answer_text):
        if candidate is not None:
            return candidate
    return None


def _answers(answers: list[RoundedAnswer] | None) -> Analysis | None:
    if answers is None:
        return None
    items: list[AnswerItem] = []
    for pos, answer in enumerate(answers):
        question = answer.question
        qtype = norm_word(question.question_type if question else None) or "unknown"
        value = _answer_value(answer, qtype)
        answered = answer.has_answer if answer.has_answer is not None else value is not None
        key = (question.name or question.id if question else None) or answer.id or f"q{pos + 1}"
        items.append(
            AnswerItem(
                key=key,
                question=(question.description or question.name or key) if question else key,
                question_type=qtype,
                answered=bool(answered),
                value=value if answered else None,
                description=question.description if question else None,
                optional=question.is_optional if question else None,
            )
        )
    return Analysis(items=tuple(items))


def map_call(raw: Any, included: frozenset[str] = frozenset()) -> Call:
    """Map one Rounded call (the envelope's `data`); raises SchemaError for bad input."""
    wire = validate(RoundedCall, raw, LABEL, "a call")
    if not wire.id.strip():
        raise SchemaError("Rounded sent a call with an empty id.", provider=LABEL)
    started = parse_time(wire.start_time, "start_time", LABEL)
    ended = parse_time(wire.end_time, "end_time", LABEL)
    duration_ms = _seconds(wire.duration_seconds, "duration_seconds")
    duration_source = "provider" if duration_ms is not None else None
    if duration_ms is None and started and ended and ended >= started:
        duration_ms = offset_ms(ended, started)
        duration_source = "computed_start_to_end"

    # Transcript lines carry wall-clock times: convert once, against a recorded anchor.
    times: list[datetime | None] = [
        parse_time(seg.start_time, f"transcript[{i}].start_time", LABEL)
        for i, seg in enumerate(wire.transcript or [])
    ]
    anchor: datetime | None = started
    anchor_source = "start_time"
    if anchor is None:
        anchor = next((t for t in times if t is not None), None)
        anchor_source = "first_segment" if anchor else "none"

    unmapped_fields = unmapped(raw, _CONSUMED)
    segments: list[Segment] = []
    timed = anchor is not None
    for index, (seg, moment) in enumerate(zip(wire.transcript or [], times, strict=True)):
        flags: tuple[str, ...] = ()
        if moment is None or anchor is None:
            timed = False
            start = segments[-1].start_ms if segments else 0
            flags = ("no_time",)
        else:
            start = offset_ms(moment, anchor)
        role_raw = seg.role or ""
        segments.append(
            Segment(
                index=index,
                role=ROLE_MAP.get(norm_word(role_raw), Role.OTHER),
                role_raw=role_raw,
                text=seg.content or "",
                start_ms=start,
                flags=flags,
            )
        )
        unmapped_fields.extend(
            unmapped(seg.model_dump(exclude_unset=True), _SEGMENT_CONSUMED, "transcript[].")
        )
    finished, timing_flags = finish_segments(segments, duration_ms, sort=timed)

    variables = []
    for pos, var in enumerate(wire.variable_values or []):
        at = parse_time(var.timestamp, f"variable_values[{pos}].timestamp", LABEL)
        variables.append(
            Variable(
                name=var.name or f"variable {pos + 1}",
                type=var.type,
                value=var.value,
                at=at,
                at_ms=offset_ms(at, anchor) if at and anchor else None,
            )
        )

    recording = None
    if wire.recording_url:
        expiry = presigned_expiry(wire.recording_url)
        recording = Recording(
            url=wire.recording_url,
            expires_at=expiry,
            presigned=expiry is not None,
            secure=wire.secure_recording_url,
        )

    direction_word = norm_word(wire.direction)
    direction = DIRECTION_MAP.get(direction_word, Direction.UNKNOWN)
    if direction is Direction.UNKNOWN and norm_word(wire.type) == "web_call":
        direction = Direction.WEB
    cost = None
    if wire.cost is not None:
        if not wire.cost.is_finite():
            raise SchemaError(f"Rounded sent an invalid cost: {wire.cost!r}.", provider=LABEL)
        cost = Money(amount=wire.cost, currency=None, unit="unstated")

    return Call(
        provider=PROVIDER,
        call_id=wire.id,
        status=STATUS_MAP.get(norm_word(wire.status), CallStatus.UNKNOWN),
        status_raw=wire.status,
        direction=direction,
        direction_raw=wire.direction,
        call_type=wire.type,
        from_number=wire.from_number,
        to_number=wire.to_number,
        agent_id=wire.agent_id,
        created_at=None,
        started_at=started,
        ended_at=ended,
        duration_ms=duration_ms,
        duration_source=duration_source,
        transferred_ms=_seconds(wire.redirect_duration_seconds, "redirect_duration_seconds"),
        cost=cost,
        answered_by=wire.answer_type,
        metadata=as_json_mapping(wire.metadata),
        segments=finished,
        transcript_text=wire.transcript_string,
        variables=tuple(variables),
        analysis=_answers(wire.post_call_answers),
        recording=recording,
        timing=Timing(
            anchor=anchor,
            anchor_source=anchor_source,
            has_positions=bool(finished) and timed,
            flags=timing_flags,
        ),
        included=included,
        raw=raw,
        unmapped_fields=tuple(dict.fromkeys(unmapped_fields)),
    )
