"""The call summary as a document model: built once from a stored call and the options, then
rendered to HTML for the PDF (pdf.py) and to Markdown (documents.py).

Everything a summary says is decided here: which sections a call has, what the analysis
says, the answers spelled as in the CSV and JSON exports, masking. The renderers only choose
markup and how each medium spells a time or an empty value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callreview.domain import Money, Segment, StoredCall
from callreview.domain.display import format_when
from callreview.domain.timeline import silences, spoken_lines, talk_split
from callreview.export.options import ExportOptions
from callreview.export.text import mask_text, speaker, value_text

# A gap between lines longer than this is a silence worth naming.
SILENCE_MS = 2000
NO_ANSWER = "(no answer)"


@dataclass(frozen=True, slots=True)
class Facts:
    """Who called whom, when, how long, at what cost (numbers masked if asked)."""

    provider: str
    call_id: str
    from_number: str | None
    to_number: str | None
    direction: str
    agent_id: str | None
    status: str  # CallReview's label
    status_raw: str | None  # the provider's own word
    start: datetime | None  # when the call started, else when it was created
    duration_ms: int | None
    duration_source: str | None
    cost: Money | None
    answered_by: str | None

    @property
    def title(self) -> str:
        return f"{self.provider.capitalize()} call {self.call_id}"


@dataclass(frozen=True, slots=True)
class Answer:
    """A question-and-answer item, its answer spelled two ways: `data` as the CSV and JSON
    exports write values (true, 5, a; b), `text` as the window shows it (Yes, 5, a, b)."""

    question: str
    data: str
    text: str


@dataclass(frozen=True, slots=True)
class AnalysisSection:
    """The provider's analysis: labelled lines, question-and-answer items, structured data."""

    lines: tuple[tuple[str, str], ...]  # ("Summary", text), ..., ("Success", "Yes")
    items: tuple[Answer, ...]
    structured: tuple[tuple[str, str], ...]  # (dotted field, value)


@dataclass(frozen=True, slots=True)
class TalkTime:
    """Each side's share of the speaking time and the longest silences."""

    agent_pct: int
    caller_pct: int
    longest_silences: tuple[tuple[int, int], ...]  # (start ms, length ms), longest first

    @property
    def split(self) -> str:
        return f"agent {self.agent_pct}%, caller {self.caller_pct}%"


@dataclass(frozen=True, slots=True)
class NoteLine:
    position_ms: int | None
    text: str


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    start_ms: int
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """The transcript's lines, or one block of text when the provider gave no lines."""

    lines: tuple[TranscriptLine, ...]
    text: str | None
    timestamps: bool


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything one call's summary shows, section by section; absent sections are None
    or empty."""

    facts: Facts
    analysis: AnalysisSection | None
    talk: TalkTime | None
    metadata: tuple[tuple[str, str], ...]  # (dotted key, value)
    variables: tuple[tuple[str, str, str], ...]  # (name, value, when)
    reviewed: bool
    flagged: bool
    notes: tuple[NoteLine, ...]
    transcript: Transcript | None  # None when the options leave it out


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Nested objects as dotted keys (`customer.tier`), every value in its JSON spelling."""
    if isinstance(value, Mapping) and value:
        for key, inner in value.items():
            yield from flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif prefix:
        yield prefix, value_text(dict(value) if isinstance(value, Mapping) else value)


def summarize(
    stored: StoredCall, options: ExportOptions, spoken: Sequence[Segment] | None = None
) -> Summary:
    """The summary of one call. `spoken` (the lines with speech ends) is worked out here
    unless the caller already has it (the PDF draws its timeline from the same lines)."""
    call = stored.call

    def m(text: str) -> str:
        return mask_text(text) if options.mask else text

    facts = Facts(
        provider=call.provider,
        call_id=call.call_id,
        from_number=m(call.from_number) if call.from_number else None,
        to_number=m(call.to_number) if call.to_number else None,
        direction=call.direction.value,
        agent_id=call.agent_id,
        status=call.status.label,
        status_raw=call.status_raw,
        start=call.started_at or call.created_at,
        duration_ms=call.duration_ms,
        duration_source=call.duration_source,
        cost=call.cost,
        answered_by=call.answered_by,
    )
    analysis = None
    if call.analysis is not None and not call.analysis.is_empty:
        a = call.analysis
        lines = [
            (label, m(value))
            for label, value in (
                ("Summary", a.summary),
                ("Outcome", a.outcome),
                ("Sentiment", a.sentiment),
            )
            if value
        ]
        if a.success is not None:
            lines.append(("Success", "Yes" if a.success else "No"))
        analysis = AnalysisSection(
            lines=tuple(lines),
            items=tuple(
                Answer(
                    i.question,
                    m(value_text(i.value)) if i.answered else NO_ANSWER,
                    m(i.value_text),
                )
                for i in a.items
            ),
            structured=tuple((k, m(v)) for k, v in flatten(a.structured)),
        )
    spoken = spoken_lines(call) if spoken is None else spoken
    shares = talk_split(spoken)
    talk = None
    if shares is not None:
        gaps = sorted(silences(spoken, SILENCE_MS), key=lambda g: -g[2])[:3]
        talk = TalkTime(shares[0], shares[1], tuple((g[1], g[2]) for g in gaps))
    transcript = None
    if options.transcript:
        transcript = Transcript(
            lines=tuple(
                TranscriptLine(seg.start_ms, speaker(seg), m(seg.text)) for seg in call.segments
            ),
            # Masked line by line, as the lines are shown (a number never spans two).
            text="\n".join(m(line) for line in call.transcript_text.splitlines())
            if call.transcript_text
            else None,
            timestamps=options.timestamps,
        )
    review = stored.review
    return Summary(
        facts=facts,
        analysis=analysis,
        talk=talk,
        metadata=tuple((k, m(v)) for k, v in flatten(call.metadata)),
        variables=tuple(
            (v.name, m(value_text(v.value)), format_when(v.at_ms, v.at)) for v in call.variables
        ),
        reviewed=review.reviewed,
        flagged=review.flagged,
        notes=tuple(NoteLine(n.position_ms, m(n.text)) for n in review.notes),
        transcript=transcript,
    )
