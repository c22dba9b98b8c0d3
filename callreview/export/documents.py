"""JSON, SRT, WebVTT and Markdown exports."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callreview.domain import StoredCall
from callreview.domain.serialize import call_to_dict
from callreview.export.options import ExportOptions
from callreview.export.summary import summarize
from callreview.export.text import (
    atomic_output,
    clock,
    decimal_text,
    iso,
    mask_text,
    mmss,
    plain_numbers,
    speaker,
)
from callreview.redaction import scrub_presigned

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
    data["missing_parts"] = sorted(stored.missing_parts)
    if stored.call.cost is not None:
        data["cost"]["amount"] = decimal_text(stored.call.cost.amount)
    data["review"] = {
        "reviewed": stored.review.reviewed,
        "flagged": stored.review.flagged,
        "sync_offset_ms": stored.review.sync_offset_ms,
        "notes": [{"text": n.text, "position_ms": n.position_ms} for n in stored.review.notes],
    }
    if not options.transcript:
        data.pop("segments")
        data.pop("transcript_text")
    # 5, not 5.0: numbers read the same here as in the CSV and the PDF.
    document: dict[str, Any] = plain_numbers(scrub_presigned(data))
    return _mask_json(document) if options.mask else document


def write_json(calls: Sequence[StoredCall], path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        json.dump([call_document(s, options) for s in calls], out, indent=2, ensure_ascii=False)
        out.write("\n")


# Subtitles --------------------------------------------------------------------------------

# "-->" separates a cue's times: in the text it could start a new cue. Longer arrows too.
_ARROW = re.compile(r"-+>")
# A number alone on a line, signed too: SRT readers (the `srt` module) take "-0" for a cue index.
_DIGITS = re.compile(r"[-+]?[0-9]+")


def _lines(text: str) -> list[str]:
    """The text's lines, trimmed, blank ones left out."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def _cues(stored: StoredCall, options: ExportOptions) -> list[tuple[int, int, str, list[str]]]:
    cues = []
    for seg in stored.call.segments:
        end = (
            seg.end_ms
            if seg.end_ms is not None and seg.end_ms > seg.start_ms
            else (seg.start_ms + DEFAULT_CUE_MS)
        )
        text = mask_text(seg.text) if options.mask else seg.text
        cues.append((seg.start_ms, end, " ".join(speaker(seg).split()), _lines(text)))
    return cues


def srt_text(who: str, lines: list[str]) -> str:
    """One SRT cue's text: `Speaker: ` first; no "-->", no line of digits alone."""
    out = [f"{who}:"]
    for n, line in enumerate(lines):
        line = _ARROW.sub("->", line)
        if n == 0:
            out[0] += f" {line}"
        elif _DIGITS.fullmatch(line):
            # A line of digits alone (signed too) reads as the next cue's number to some players.
            out[-1] += f" {line}"
        else:
            out.append(line)
    return "\n".join(out)


def _vtt_escape(text: str) -> str:
    # With ">" escaped, no "-->" can be left in the text either.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_srt(stored: StoredCall, path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        for n, (start, end, who, lines) in enumerate(_cues(stored, options), 1):
            out.write(f"{n}\n{clock(start, ',')} --> {clock(end, ',')}\n{srt_text(who, lines)}\n\n")


def write_vtt(stored: StoredCall, path: Path, options: ExportOptions) -> None:
    call = stored.call
    title = _ARROW.sub("->", " ".join(f"{call.provider} call {call.call_id}".split()))
    with atomic_output(path) as out:
        out.write(f"WEBVTT - {title}\n\n")
        for n, (start, end, who, lines) in enumerate(_cues(stored, options), 1):
            text = "\n".join(_vtt_escape(line) for line in lines)
            out.write(
                f"{n}\n{clock(start, '.')} --> {clock(end, '.')}\n<v {_vtt_escape(who)}>{text}\n\n"
            )


# Markdown ---------------------------------------------------------------------------------

# Characters that mean something anywhere in a CommonMark line (emphasis, code, links,
# images, raw HTML, entities, headings' closing #) or in GFM (tables, strikethrough).
# CommonMark lets a backslash stand before any ASCII punctuation, making it plain text.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<>&|~#!])")
# ...and what opens a block at the start of a line: a list item, a setext underline, a rule.
_MD_BULLET = re.compile(r"^([-+=])")
_MD_ORDERED = re.compile(r"^([0-9]+)([.)])")


def _md_escape(line: str) -> str:
    return _MD_ANYWHERE.sub(r"\\\1", line)


def md_text(text: str, indent: str = "") -> str:
    """Provider or reviewer text as literal Markdown: every character that could be markup
    escaped; a line break kept as a hard break; blank lines and edge spaces dropped."""
    lines = (
        _MD_ORDERED.sub(r"\1\\\2", _MD_BULLET.sub(r"\\\1", _md_escape(ln))) for ln in _lines(text)
    )
    return ("\\\n" + indent).join(lines)


def md_cell(text: str) -> str:
    """Text for a table cell: a cell is one line, so line breaks become " / "."""
    return " / ".join(_md_escape(line) for line in _lines(text))


def markdown(stored: StoredCall, options: ExportOptions) -> str:
    """One call's section of the Markdown export: the summary's facts, analysis, talk time,
    notes and transcript (metadata and variables are left to the PDF, JSON and CSV)."""
    summary = summarize(stored, options)
    f = summary.facts
    lines = [f"## {f.provider.capitalize()} call {md_cell(f.call_id)}", ""]
    facts = [
        ("From", f.from_number or ""),
        ("To", f.to_number or ""),
        ("Direction", f.direction),
        ("Agent", f.agent_id or ""),
        ("Status", f"{f.status} ({f.status_raw or '-'})"),
        ("Start", iso(f.start)),
        ("Duration", mmss(f.duration_ms)),
        ("Cost", str(f.cost) if f.cost else ""),
        ("Reviewed", "yes" if summary.reviewed else "no"),
        ("Flagged", "yes" if summary.flagged else "no"),
    ]
    lines += ["| | |", "|---|---|", *(f"| {k} | {md_cell(v)} |" for k, v in facts), ""]
    analysis = summary.analysis
    if analysis is not None:
        lines += ["### Analysis", ""]
        lines += [f"- **{label}:** {md_text(value, '  ')}" for label, value in analysis.lines]
        if analysis.items:
            lines += ["", "| Question | Answer |", "|---|---|"]
            lines += [f"| {md_cell(i.question)} | {md_cell(i.text)} |" for i in analysis.items]
        lines.append("")
    if summary.talk is not None:
        lines += [f"**Talk time:** {summary.talk.split}", ""]
    if summary.notes:
        lines += ["### Notes", ""]
        lines += [
            f"- {'[' + mmss(n.position_ms) + '] ' if n.position_ms is not None else ''}"
            + md_text(n.text, "  ")
            for n in summary.notes
        ]
        lines.append("")
    transcript = summary.transcript
    if transcript is not None and transcript.lines:
        lines += ["### Transcript", ""]
        # One paragraph, one line per segment, separated by hard breaks (none after the
        # last: a backslash ending a paragraph would show).
        lines.append(
            "\\\n".join(
                (f"[{mmss(line.start_ms)}] " if transcript.timestamps else "")
                + f"**{md_text(line.speaker)}:** {md_text(line.text)}"
                for line in transcript.lines
            )
        )
        lines.append("")
    return "\n".join(lines)


def write_markdown(calls: Sequence[StoredCall], path: Path, options: ExportOptions) -> None:
    with atomic_output(path) as out:
        out.write("# Call summaries\n\n")
        out.write("\n\n".join(markdown(s, options) for s in calls))
