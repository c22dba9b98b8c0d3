"""Filled-in scorecards as stored (answers, comments, evidence, score) and how to filter them."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from callreview.domain.refs import CallRef
from callreview.domain.scorecard import (
    FIXED_COLUMNS,
    NA,
    AnswerValue,
    Criterion,
    CriterionKind,
    Template,
)


@dataclass(frozen=True, slots=True)
class StoredScore:
    """One scorecard filled in for a call by one reviewer (`author`), as the library keeps it.

    `score` is the unrounded percentage (None without a weighted answer), `shown` the score
    as displayed (one decimal, half up, or "n/a"); `replaced` is True for a card a newer one of
    the same call, scorecard and reviewer replaced (history). `agent` is the call's agent id.
    """

    id: int
    ref: CallRef
    scorecard: str
    version: int
    author: str
    answers: dict[str, AnswerValue]
    comments: dict[str, str]
    evidence: dict[str, tuple[int, ...]]
    score: float | None
    shown: str
    result: str
    draft: bool
    scored_at: datetime
    replaced: bool
    agent: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ScoreFilter:
    """Which submitted cards to list: dates are the call's start (UTC), `until` exclusive."""

    scorecard: str | None = None
    agent: str | None = None
    reviewer: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def shown_score(score: float | None) -> str:
    """The stored (unrounded) score as shown: one decimal, rounded half up, or "n/a".

    The score is stored as the double nearest the exact value, whose shortest repr is the
    exact decimal whenever that decimal is short (80.05 stays "80.05"), so half up holds.
    """
    if score is None:
        return "n/a"
    return str(Decimal(repr(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def answer_to_json(answer: AnswerValue) -> Any:
    """An answer in the library's JSON: yes/no as true/false, N/A as "na"."""
    return "na" if answer is NA else answer


def answer_from_json(criterion: Criterion | None, value: Any) -> AnswerValue:
    """Read an answer back; a text criterion's "na" is the text "na", not N/A."""
    if value == "na" and (criterion is None or criterion.kind is not CriterionKind.TEXT):
        return NA
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def answer_text(answer: AnswerValue | None) -> str:
    """An answer as a person (and the scores CSV) writes it: yes, no, na, 4, Resolved, text."""
    if answer is None:
        return ""
    if answer is NA:
        return "na"
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return str(answer)


# -- the scores export (docs/exports.md, "Scores CSV") -------------------------------------


def export_columns(templates: Iterable[Template]) -> list[str]:
    """The fixed columns, then every criterion id of the templates, first seen first."""
    columns = list(FIXED_COLUMNS)
    seen = set(columns)
    for template in templates:
        for criterion in template.criteria:
            if criterion.id not in seen:
                seen.add(criterion.id)
                columns.append(criterion.id)
    return columns


def score_number(score: StoredScore) -> float | None:
    """The score as shown, as a number (83.3), or None when there is no weighted answer."""
    return None if score.score is None else float(score.shown)


def export_row(score: StoredScore) -> dict[str, Any]:
    """One card's fixed columns (as JSON values) and its answers as text by criterion id."""
    row: dict[str, Any] = {
        "call_ref": str(score.ref),
        "provider": score.ref.provider,
        "agent": score.agent,
        "reviewer": score.author,
        # Spelled as the calls CSV and JSON spell times: ISO 8601, UTC, `Z`.
        "scored_at": score.scored_at.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "scorecard": score.scorecard,
        "version": score.version,
        "score": score_number(score),
        "result": score.result,
    }
    row.update({cid: answer_text(answer) for cid, answer in score.answers.items()})
    return row


def write_scores_csv(
    handle: IO[str],
    scores: Sequence[StoredScore],
    templates: Iterable[Template],
    safe: Callable[[str], str] = str,
) -> int:
    """Write the scores CSV (header, one row per card) to an open text file; returns the rows.

    An empty cell is "not answered" (or no agent / no score). `safe` neutralises text cells a
    spreadsheet would run as formulas (the export's `safe_cell`); numbers (version, score, a
    scale's answer, even a negative one) are written as they are.
    """
    writer = csv.DictWriter(handle, export_columns(templates), lineterminator="\r\n")
    writer.writeheader()
    for score in scores:
        row: dict[str, str] = {}
        for key, value in export_row(score).items():
            number = key in ("version", "score") or _is_number(score.answers.get(key))
            text = "" if value is None else str(value)
            row[key] = text if number else safe(text)
        writer.writerow(row)
    return len(scores)


def _is_number(answer: AnswerValue | None) -> bool:
    return isinstance(answer, int) and not isinstance(answer, bool)
