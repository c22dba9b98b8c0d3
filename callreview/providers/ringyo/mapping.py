"""Ringyo call JSON → domain.Call (both documented status vocabularies, bare or enveloped)."""

from __future__ import annotations

from typing import Any

from callreview.domain import (
    Analysis,
    Call,
    CallStatus,
    Direction,
    Recording,
    Role,
    SchemaError,
    Segment,
    Timing,
)
from callreview.domain.timeline import finish_segments, offset_ms, seconds_to_ms
from callreview.providers.base import presigned_expiry
from callreview.providers.ringyo import SPEC
from callreview.providers.ringyo.schema import RingyoCall
from callreview.providers.wire import as_json_mapping, norm_word, parse_time, unmapped, validate

LABEL = SPEC.label
PROVIDER = SPEC.name

# The API reference and the "Call Lifecycle" concept page use different words; both map here.
STATUS_MAP: dict[str, CallStatus] = {
    "queued": CallStatus.QUEUED,
    "initiated": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING,
    "answered": CallStatus.IN_PROGRESS,
    "in_progress": CallStatus.IN_PROGRESS,
    "completed": CallStatus.ENDED,
    "transferred": CallStatus.TRANSFERRED,
    "failed": CallStatus.FAILED,
    "no_answer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
}

ROLE_MAP: dict[str, Role] = {"agent": Role.AGENT, "user": Role.USER, "system": Role.SYSTEM}

_CONSUMED = (
    "id",
    "status",
    "phone_number",
    "from_number",
    "agent_id",
    "duration",
    "transcript",
    "recording_url",
    "analysis",
    "metadata",
    "created_at",
    "ended_at",
)
_SEGMENT_CONSUMED = ("role", "content", "timestamp")


def unwrap(raw: Any) -> Any:
    """Ringyo documents both a bare call and a `{data, meta}` envelope: accept both."""
    if isinstance(raw, dict) and isinstance(raw.get("data"), dict) and set(raw) <= {"data", "meta"}:
        return raw["data"]
    return raw


def _analysis(raw: dict[str, Any] | None) -> Analysis | None:
    if raw is None:
        return None

    def text(*keys: str) -> str | None:
        for key in keys:
            value = raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None

    success: bool | None = None
    for key in ("successful", "success", "call_successful", "is_successful"):
        if isinstance(raw.get(key), bool):
            success = raw[key]
            break
    structured = raw.get("extracted_data")
    if not isinstance(structured, dict):
        structured = raw
    return Analysis(
        summary=text("summary", "call_summary"),
        outcome=text("outcome", "result", "disposition"),
        sentiment=text("sentiment", "user_sentiment"),
        success=success,
        structured=as_json_mapping(structured),
    )


def map_call(raw: Any, included: frozenset[str] = frozenset()) -> Call:
    """Map one Ringyo call document; raises SchemaError (and nothing else) for bad input."""
    raw = unwrap(raw)
    wire = validate(RingyoCall, raw, LABEL, "a call")
    if not wire.id.strip():
        raise SchemaError("Ringyo sent a call with an empty id.", provider=LABEL)
    status_raw = wire.status
    status = STATUS_MAP.get(norm_word(status_raw), CallStatus.UNKNOWN)
    created = parse_time(wire.created_at, "created_at", LABEL)
    ended = parse_time(wire.ended_at, "ended_at", LABEL)

    duration_ms: int | None = None
    duration_source: str | None = None
    try:
        if wire.duration is not None:
            if wire.duration < 0:
                raise ValueError("negative duration")
            duration_ms = seconds_to_ms(wire.duration)
            duration_source = "provider"
        elif created and ended and ended >= created:
            # No started_at in Ringyo's API: this includes queue and ring time.
            duration_ms = offset_ms(ended, created)
            duration_source = "approx_created_to_ended"
    except (ValueError, OverflowError) as exc:
        raise SchemaError(
            f"Ringyo sent an invalid duration: {wire.duration!r}.", provider=LABEL
        ) from exc

    segments: list[Segment] = []
    unmapped_fields = unmapped(raw, _CONSUMED)
    timed = True
    for index, item in enumerate(wire.transcript or []):
        role_raw = item.role or ""
        start = 0
        flags: tuple[str, ...] = ()
        if item.timestamp is None:
            timed = False
            start = segments[-1].start_ms if segments else 0
            flags = ("no_time",)
        else:
            try:
                start = seconds_to_ms(item.timestamp)
            except (ValueError, OverflowError) as exc:
                raise SchemaError(
                    f"Ringyo sent an invalid transcript timestamp: {item.timestamp!r}.",
                    provider=LABEL,
                ) from exc
        segments.append(
            Segment(
                index=index,
                role=ROLE_MAP.get(norm_word(role_raw), Role.OTHER),
                role_raw=role_raw,
                text=item.content or "",
                start_ms=start,
                flags=flags,
            )
        )
        unmapped_fields.extend(
            unmapped(item.model_dump(exclude_unset=True), _SEGMENT_CONSUMED, "transcript[].")
        )
    finished, timing_flags = finish_segments(segments, duration_ms, sort=timed)
    has_positions = bool(finished) and timed

    recording = None
    if wire.recording_url:
        expiry = presigned_expiry(wire.recording_url)
        recording = Recording(
            url=wire.recording_url, expires_at=expiry, presigned=expiry is not None
        )

    return Call(
        provider=PROVIDER,
        call_id=wire.id,
        status=status,
        status_raw=status_raw,
        direction=Direction.UNKNOWN,
        from_number=wire.from_number,
        to_number=wire.phone_number,
        agent_id=wire.agent_id,
        created_at=created,
        started_at=None,
        ended_at=ended,
        duration_ms=duration_ms,
        duration_source=duration_source,
        metadata=as_json_mapping(wire.metadata),
        segments=finished,
        analysis=_analysis(wire.analysis),
        recording=recording,
        timing=Timing(
            anchor=None,
            anchor_source="provider_offsets" if has_positions else "none",
            has_positions=has_positions,
            flags=timing_flags,
        ),
        included=included,
        raw=raw,
        unmapped_fields=tuple(dict.fromkeys(unmapped_fields)),
    )
