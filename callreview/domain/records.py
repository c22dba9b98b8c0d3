"""The flat call record (one row of the calls CSV): one field list, one builder, fed either
by a stored call or by the library's columns, so both give exactly the same record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from callreview.domain.model import JSONValue, Money
from callreview.domain.stored import StoredCall

# An analysis answer: (key, question, answered, value as JSON text).
RecordItem = tuple[str, str, bool, str]
# A variable: (name, value as JSON text, or None when the library has no value).
RecordVariable = tuple[str, str | None]
# A reviewer's note: (text, position in ms or None).
RecordNote = tuple[str, int | None]


class CallRecord(TypedDict):
    """One call, flat: the normalized columns, the review state, answers, variables, notes.

    Times are ISO 8601 in UTC to the millisecond (`iso_ms`), the library's own spelling, so a
    record read from the library's columns needs no conversion (a whole large library is
    exported this way).
    """

    provider: str
    call_id: str
    account: str | None
    status: str
    status_raw: str | None
    direction: str
    from_number: str | None
    to_number: str | None
    agent_id: str | None
    started_at: str | None  # when the call started (not its creation time)
    created_at: str | None
    ended_at: str | None
    duration_ms: int | None
    cost_amount: str | None  # exact decimal text
    cost_currency: str | None
    answered_by: str | None
    segment_count: int
    summary: str | None
    missing: tuple[str, ...]  # sorted; never "recording" once the file is stored
    metadata: dict[str, JSONValue]
    fetched_at: str
    reviewed: bool
    flagged: bool
    recording_downloaded: bool
    items: tuple[RecordItem, ...]
    variables: tuple[RecordVariable, ...]
    notes: tuple[RecordNote, ...]


# The record's scalar fields in the order `build_record` takes them, each spelled as the
# library stores it (`stored_row` spells a StoredCall the same way). The library selects its
# columns in this order; `metadata_json` is the metadata as JSON text, `missing` the parts
# comma-separated.
ROW_FIELDS = (
    "provider",
    "call_id",
    "account",
    "status",
    "status_raw",
    "direction",
    "from_number",
    "to_number",
    "agent_id",
    "started_at",
    "created_at",
    "ended_at",
    "duration_ms",
    "cost_amount",
    "cost_currency",
    "answered_by",
    "segment_count",
    "summary",
    "missing",
    "metadata_json",
    "fetched_at",
    "reviewed",
    "flagged",
    "recording_downloaded",
)


def iso_ms(moment: datetime | None) -> str | None:
    """A moment as the library stores it: ISO 8601, UTC, to the millisecond."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def json_text(value: Any) -> str:
    """A JSON value as the library stores it (UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False)


def parts_text(parts: Iterable[str]) -> str:
    """A set of call parts as the library stores it: sorted, comma-separated."""
    return ",".join(sorted(parts))


def amount_text(cost: Money | None) -> str | None:
    """A cost's exact amount as text (a float would lose cents)."""
    return str(cost.amount) if cost is not None else None


def build_record(
    row: Sequence[Any],
    items: Iterable[tuple[str, str, int | bool, str]],
    variables: Iterable[RecordVariable],
    notes: Iterable[RecordNote],
) -> CallRecord:
    """The record from its stored form: `row` in ROW_FIELDS order, then its lists."""
    (
        provider,
        call_id,
        account,
        status,
        status_raw,
        direction,
        from_number,
        to_number,
        agent_id,
        started_at,
        created_at,
        ended_at,
        duration_ms,
        cost_amount,
        cost_currency,
        answered_by,
        segment_count,
        summary,
        missing,
        metadata_json,
        fetched_at,
        reviewed,
        flagged,
        recording_downloaded,
    ) = row
    parts = set(filter(None, (missing or "").split(",")))
    if recording_downloaded:
        parts.discard("recording")  # the provider's link may be gone, but the file is here
    return {
        "provider": provider,
        "call_id": call_id,
        "account": account,
        "status": status,
        "status_raw": status_raw,
        "direction": direction,
        "from_number": from_number,
        "to_number": to_number,
        "agent_id": agent_id,
        "started_at": started_at,
        "created_at": created_at,
        "ended_at": ended_at,
        "duration_ms": duration_ms,
        "cost_amount": cost_amount,
        "cost_currency": cost_currency,
        "answered_by": answered_by,
        "segment_count": segment_count,
        "summary": summary,
        "missing": tuple(sorted(parts)),
        "metadata": json.loads(metadata_json) if metadata_json else {},
        "fetched_at": fetched_at,
        "reviewed": bool(reviewed),
        "flagged": bool(flagged),
        "recording_downloaded": bool(recording_downloaded),
        "items": tuple((k, q, bool(a), v) for k, q, a, v in items),
        "variables": tuple(variables),
        "notes": tuple(notes),
    }


def stored_row(stored: StoredCall) -> tuple[Any, ...]:
    """A stored call's scalar fields in ROW_FIELDS order, spelled as the library stores them."""
    call = stored.call
    analysis = call.analysis
    return (
        call.provider,
        call.call_id,
        stored.account,
        call.status.value,
        call.status_raw,
        call.direction.value,
        call.from_number,
        call.to_number,
        call.agent_id,
        iso_ms(call.started_at),
        iso_ms(call.created_at),
        iso_ms(call.ended_at),
        call.duration_ms,
        amount_text(call.cost),
        call.cost.currency if call.cost else None,
        call.answered_by,
        len(call.segments),
        analysis.summary if analysis else None,
        parts_text(stored.missing_parts),
        json_text(dict(call.metadata)),
        iso_ms(stored.fetched_at),
        stored.review.reviewed,
        stored.review.flagged,
        stored.recording is not None,
    )


def record_from_stored(stored: StoredCall) -> CallRecord:
    """The record of a stored call: the same one the library yields from its columns."""
    call = stored.call
    analysis = call.analysis
    return build_record(
        stored_row(stored),
        [
            (i.key, i.question, i.answered, json_text(i.value))
            for i in (analysis.items if analysis else ())
        ],
        [(v.name, json_text(v.value)) for v in call.variables],
        [(n.text, n.position_ms) for n in stored.review.notes],
    )
