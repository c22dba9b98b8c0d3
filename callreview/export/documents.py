"""JSON, SRT, WebVTT and Markdown exports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callreview.domain.serialize import call_to_dict
from callreview.domain.timeline import spoken_lines, talk_split
from callreview.export.options import ExportOptions
from callreview.export.text import atomic_output, clock, iso, mask_text, mmss, speaker
from callreview.library import StoredCall
from callreview.providers.redact import scrub_presigned

DEFAULT_CUE_MS = 3000


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return mask_text(value) if isinstance(value, str) else value


def call_document(stored: StoredCall, options: ExportOptions) -> dict[str, Any]:
    data = call_to_dict(stored.call)
    data["account"] = stored.account
    data["recording"]["downloaded"] = stored.recording is not None
    data["review"] = {
        "reviewed": stored.review.reviewed,
        "flagged": stored.review.flagged,
        "sync_offset_ms": stored.review.sync_offset_ms,
        "notes": [{"text": n.text, "position_ms": n.position_ms} for n in stored.review.notes],
    }
    if not options.transcript:
        data.pop("segments")
        data.pop("transcript_text")
    data = scrub_presigned(data)  # type: ignore[assignment]
    return _mask_json(data) if options.mask else data


def write_json(calls: Sequence[StoredCall], path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        json.dump([call_document(s, options) for s in calls], out, indent=2, ensure_ascii=False)
        out.write("\n")


def _cues(stored: StoredCall, options: ExportOptions) -> list[tuple[int, int, str, str]]:
    cues = []
    for seg in stored.call.segments:
        end = (
            seg.end_ms
            if seg.end_ms is not None and seg.end_ms > seg.start_ms
            else (seg.start_ms + DEFAULT_CUE_MS)
        )
        text = mask_text(seg.text) if options.mask else seg.text
        cues.append((seg.start_ms, end, speaker(seg), text.replace("\r", " ")))
    return cues


def write_srt(stored: StoredCall, path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        for n, (start, end, who, text) in enumerate(_cues(stored, options), 1):
            out.write(f"{n}\n{clock(start, ',')} --> {clock(end, ',')}\n{who}: {text}\n\n")


def write_vtt(stored: StoredCall, path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        out.write(f"WEBVTT - {stored.call.provider} call {stored.call.call_id}\n\n")
        for n, (start, end, who, text) in enumerate(_cues(stored, options), 1):
            # "-->" can't appear in a cue's text; "<" and "&" must be escaped in WebVTT.
            safe = text.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "->")
            out.write(f"{n}\n{clock(start, '.')} --> {clock(end, '.')}\n<v {who}>{safe}\n\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(stored: StoredCall, options: ExportOptions) -> str:
    call = stored.call
    m = mask_text if options.mask else (lambda t: t)
    lines = [f"## {call.provider.capitalize()} call {call.call_id}", ""]
    facts = [
        ("From", m(call.from_number or "")),
        ("To", m(call.to_number or "")),
        ("Direction", call.direction.value),
        ("Agent", call.agent_id or ""),
        ("Status", f"{call.status.label} ({call.status_raw or '-'})"),
        ("Start", iso(call.started_at or call.created_at)),
        ("Duration", mmss(call.duration_ms)),
        ("Cost", str(call.cost) if call.cost else ""),
        ("Reviewed", "yes" if stored.review.reviewed else "no"),
        ("Flagged", "yes" if stored.review.flagged else "no"),
    ]
    lines += ["| | |", "|---|---|", *(f"| {k} | {_md(v)} |" for k, v in facts), ""]
    analysis = call.analysis
    if analysis is not None and not analysis.is_empty:
        lines += ["### Analysis", ""]
        for label, value in (
            ("Summary", analysis.summary),
            ("Outcome", analysis.outcome),
            ("Sentiment", analysis.sentiment),
        ):
            if value:
                lines.append(f"- **{label}:** {m(value)}")
        if analysis.success is not None:
            lines.append(f"- **Success:** {'yes' if analysis.success else 'no'}")
        if analysis.items:
            lines += ["", "| Question | Answer |", "|---|---|"]
            lines += [f"| {_md(i.question)} | {_md(m(i.value_text))} |" for i in analysis.items]
        lines.append("")
    shares = talk_split(spoken_lines(call))
    if shares is not None:
        lines += [f"**Talk time:** agent {shares[0]}%, caller {shares[1]}%", ""]
    if stored.review.notes:
        lines += ["### Notes", ""]
        lines += [
            f"- {'[' + mmss(n.position_ms) + '] ' if n.position_ms is not None else ''}{m(n.text)}"
            for n in stored.review.notes
        ]
        lines.append("")
    if options.transcript and call.segments:
        lines += ["### Transcript", ""]
        for seg in call.segments:
            when = f"[{mmss(seg.start_ms)}] " if options.timestamps else ""
            lines.append(f"{when}**{speaker(seg)}:** {m(seg.text)}  ")
        lines.append("")
    return "\n".join(lines)


def write_markdown(calls: Sequence[StoredCall], path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        out.write("# Call summaries\n\n")
        out.write("\n\n".join(markdown(s, options) for s in calls))
