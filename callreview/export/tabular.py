"""CSV exports: a calls table and a segments table, spreadsheet-safe, round-trippable."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from callreview.export.options import ExportOptions
from callreview.export.text import atomic_output, mask_text, mmss, safe_cell, speaker
from callreview.library import StoredCall

# Stable, documented column names (docs/exports.md). Dynamic columns follow, sorted:
# "answer:<key>", "variable:<name>", "metadata:<path>".
CALL_COLUMNS = (
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
    "ended_at",
    "duration_ms",
    "duration_seconds",
    "cost_amount",
    "cost_currency",
    "answered_by",
    "segment_count",
    "summary",
    "recording_downloaded",
    "reviewed",
    "flagged",
    "notes",
    "missing_parts",
    "fetched_at",
)
SEGMENT_COLUMNS = (
    "provider",
    "call_id",
    "index",
    "role",
    "role_raw",
    "speaker",
    "start_ms",
    "end_ms",
    "start",
    "text",
)
_MASKED = ("from_number", "to_number", "summary", "notes")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = _text(value)


def _row(record: dict[str, Any], options: ExportOptions) -> dict[str, str]:
    row = {column: _text(record.get(column)) for column in CALL_COLUMNS}
    duration = record.get("duration_ms")
    row["duration_seconds"] = f"{duration / 1000:.3f}" if duration is not None else ""
    row["notes"] = " | ".join(
        (f"[{mmss(pos)}] " if pos is not None else "") + text for text, pos in record["notes"]
    )
    row["missing_parts"] = (record.get("missing") or "").replace(",", "; ")
    for key, _question, answered, value_json in record["items"]:
        row[f"answer:{key}"] = _text(json.loads(value_json)) if answered else ""
    for name, value_json in record["variables"]:
        row[f"variable:{name}"] = _text(json.loads(value_json) if value_json else None)
    flat: dict[str, str] = {}
    _flatten("", record.get("metadata") or {}, flat)
    for key, value in flat.items():
        row[f"metadata:{key}"] = value
    if options.mask:
        for key in row:
            if key in _MASKED or key.startswith(("variable:", "metadata:", "answer:")):
                row[key] = mask_text(row[key])
    return row


def write_calls_csv(records: Iterable[dict[str, Any]], path: Path, options: ExportOptions) -> int:
    """One row per call; every normalized field plus flattened answers, variables, metadata."""
    rows = [_row(record, options) for record in records]
    extra = sorted({key for row in rows for key in row} - set(CALL_COLUMNS))
    with atomic_output(path, encoding="utf-8-sig" if options.bom else "utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[*CALL_COLUMNS, *extra], restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return len(rows)


def write_segments_csv(
    stored_calls: Iterable[StoredCall], path: Path, options: ExportOptions
) -> int:
    """One row per transcript line of every call."""
    count = 0
    with atomic_output(path, encoding="utf-8-sig" if options.bom else "utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SEGMENT_COLUMNS)
        for stored in stored_calls:
            call = stored.call
            for seg in call.segments:
                text = mask_text(seg.text) if options.mask else seg.text
                writer.writerow(
                    [
                        safe_cell(_text(v))
                        for v in (
                            call.provider,
                            call.call_id,
                            seg.index,
                            seg.role.value,
                            seg.role_raw,
                            speaker(seg),
                            seg.start_ms,
                            seg.end_ms,
                            mmss(seg.start_ms),
                            text,
                        )
                    ]
                )
                count += 1
    return count
