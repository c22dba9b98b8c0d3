"""CSV exports: a calls table and a segments table, spreadsheet-safe, round-trippable."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from callreview.domain import StoredCall
from callreview.domain.records import CallRecord
from callreview.export.options import ExportOptions
from callreview.export.text import (
    atomic_output,
    decimal_text,
    iso,
    mask_text,
    mmss,
    safe_cell,
    speaker,
    value_text,
)

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
    "created_at",
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
_TIMES = ("started_at", "ended_at", "fetched_at", "created_at")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _cell(value: Any) -> tuple[str, bool]:
    """The cell text, and whether it is a number (written as is, never prefixed)."""
    return value_text(value), _is_number(value)


def _time(text: str | None) -> str:
    """An ISO time spelled as in the JSON export (`…Z`), whichever way it was stored."""
    if not text:
        return ""
    try:
        return iso(datetime.fromisoformat(text))
    except ValueError:
        return text


def _amount(text: str | None) -> tuple[str, bool]:
    if text is None:
        return "", True
    try:
        return decimal_text(Decimal(text)), True
    except InvalidOperation:
        return text, False


def _flatten(prefix: str, value: Any, out: dict[str, tuple[str, bool]]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = _cell(value)


def _row(record: CallRecord, options: ExportOptions) -> dict[str, str]:
    fields: Mapping[str, object] = record
    cells = {column: _cell(fields.get(column)) for column in CALL_COLUMNS}
    for column in _TIMES:
        moment = fields.get(column)
        cells[column] = (_time(moment if isinstance(moment, str) else None), False)
    duration = record["duration_ms"]
    cells["duration_seconds"] = (f"{duration / 1000:.3f}" if duration is not None else "", True)
    cells["cost_amount"] = _amount(record["cost_amount"])
    notes = " | ".join(
        (f"[{mmss(pos)}] " if pos is not None else "") + text for text, pos in record["notes"]
    )
    cells["notes"] = (notes, False)
    cells["missing_parts"] = ("; ".join(record["missing"]), False)
    for key, _question, answered, value_json in record["items"]:
        cells[f"answer:{key}"] = _cell(json.loads(value_json)) if answered else ("", False)
    for name, variable_json in record["variables"]:
        cells[f"variable:{name}"] = _cell(json.loads(variable_json) if variable_json else None)
    flat: dict[str, tuple[str, bool]] = {}
    _flatten("", record["metadata"], flat)
    for key, cell in flat.items():
        cells[f"metadata:{key}"] = cell
    row = {}
    for key, (text, number) in cells.items():
        if options.mask and (
            key in _MASKED or key.startswith(("variable:", "metadata:", "answer:"))
        ):
            text = mask_text(text)
        # Numbers are data a spreadsheet reads as numbers (-5 stays -5); text is what could
        # run as a formula, so only text gets the ' prefix.
        row[key] = text if number else safe_cell(text)
    return row


def write_calls_csv(records: Iterable[CallRecord], path: Path, options: ExportOptions) -> int:
    """One row per call; every normalized field plus flattened answers, variables, metadata."""
    rows = [_row(record, options) for record in records]
    extra = sorted({key for row in rows for key in row} - set(CALL_COLUMNS))
    with atomic_output(path, encoding="utf-8-sig" if options.bom else "utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[*CALL_COLUMNS, *extra], restval="")
        writer.writeheader()
        writer.writerows(rows)
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
                        value_text(v) if _is_number(v) else safe_cell(value_text(v))
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
