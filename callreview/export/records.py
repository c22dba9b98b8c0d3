"""Flat records for tabular exports, from stored calls or straight from the library."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from callreview.library import StoredCall


def record_from_stored(stored: StoredCall) -> dict[str, Any]:
    """The same record `Library.iter_records` yields, built from a StoredCall."""
    call = stored.call
    analysis = call.analysis
    return {
        "provider": call.provider,
        "call_id": call.call_id,
        "account": stored.account,
        "status": call.status.value,
        "status_raw": call.status_raw,
        "direction": call.direction.value,
        "from_number": call.from_number,
        "to_number": call.to_number,
        "agent_id": call.agent_id,
        # When the call started, as in the JSON export: not its creation time, which is
        # a column of its own (Ringyo gives only that, Rounded only the start).
        "started_at": call.started_at.isoformat() if call.started_at else None,
        "created_at": call.created_at.isoformat() if call.created_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "duration_ms": call.duration_ms,
        "cost_amount": str(call.cost.amount) if call.cost else None,
        "cost_currency": call.cost.currency if call.cost else None,
        "answered_by": call.answered_by,
        "segment_count": len(call.segments),
        "summary": analysis.summary if analysis else None,
        "missing": ",".join(sorted(stored.missing_parts)),
        "metadata": dict(call.metadata),
        "fetched_at": stored.fetched_at.isoformat(),
        "reviewed": stored.review.reviewed,
        "flagged": stored.review.flagged,
        "recording_downloaded": stored.recording is not None,
        "items": [
            (i.key, i.question, int(i.answered), json.dumps(i.value, ensure_ascii=False))
            for i in (analysis.items if analysis else ())
        ],
        "variables": [(v.name, json.dumps(v.value, ensure_ascii=False)) for v in call.variables],
        "notes": [(n.text, n.position_ms) for n in stored.review.notes],
    }


def records(stored_calls: Iterable[StoredCall]) -> Iterator[dict[str, Any]]:
    return (record_from_stored(s) for s in stored_calls)
