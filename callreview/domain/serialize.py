"""The normalized call as plain JSON: the stable contract of `--json` output and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callreview.domain.model import Analysis, Call, JSONValue


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def analysis_to_dict(analysis: Analysis | None) -> dict[str, JSONValue] | None:
    if analysis is None:
        return None
    return {
        "summary": analysis.summary,
        "outcome": analysis.outcome,
        "sentiment": analysis.sentiment,
        "success": analysis.success,
        "structured": dict(analysis.structured),
        "items": [
            {
                "key": item.key,
                "question": item.question,
                "question_type": item.question_type,
                "answered": item.answered,
                "value": item.value,
                "value_text": item.value_text,
            }
            for item in analysis.items
        ],
    }


def call_to_dict(call: Call) -> dict[str, Any]:
    """Normalized call as JSON-ready data. Never includes a recording URL (it is a credential)."""
    recording = call.recording
    return {
        "provider": call.provider,
        "call_id": call.call_id,
        "status": call.status.value,
        "status_raw": call.status_raw,
        "direction": call.direction.value,
        "call_type": call.call_type,
        "from_number": call.from_number,
        "to_number": call.to_number,
        "agent_id": call.agent_id,
        "created_at": _iso(call.created_at),
        "started_at": _iso(call.started_at),
        "ended_at": _iso(call.ended_at),
        "duration_ms": call.duration_ms,
        "duration_source": call.duration_source,
        "transferred_ms": call.transferred_ms,
        "cost": (
            {
                "amount": str(call.cost.amount),
                "currency": call.cost.currency,
                "unit": call.cost.unit,
            }
            if call.cost
            else None
        ),
        "answered_by": call.answered_by,
        "metadata": dict(call.metadata),
        "segments": [
            {
                "index": seg.index,
                "role": seg.role.value,
                "role_raw": seg.role_raw,
                "text": seg.text,
                "start_ms": seg.start_ms,
                "end_ms": seg.end_ms,
                "flags": list(seg.flags),
            }
            for seg in call.segments
        ],
        "transcript_text": call.transcript_text,
        "variables": [
            {"name": v.name, "type": v.type, "value": v.value, "at": _iso(v.at), "at_ms": v.at_ms}
            for v in call.variables
        ],
        "analysis": analysis_to_dict(call.analysis),
        "recording": {
            "available": recording is not None and recording.url is not None,
            "expires_at": _iso(recording.expires_at) if recording else None,
            "presigned": recording.presigned if recording else False,
        },
        "timing": {
            "anchor": _iso(call.timing.anchor),
            "anchor_source": call.timing.anchor_source,
            "has_positions": call.timing.has_positions,
            "flags": list(call.timing.flags),
        },
        "missing_parts": sorted(call.missing_parts),
        "unmapped_fields": list(call.unmapped_fields),
    }
