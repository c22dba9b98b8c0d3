"""Reports over submitted scorecards: per agent, per ISO week (UTC) and per criterion."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Final, Literal, get_args

from callreview.domain.errors import ConfigError
from callreview.domain.scorecard import (
    NA,
    AnswerValue,
    Criterion,
    CriterionKind,
    Template,
    agrees_with_provider,
)
from callreview.domain.scores import shown_score

Grouping = Literal["agent", "week", "criterion"]
GROUPINGS: Final[tuple[str, ...]] = get_args(Grouping)
NO_AGENT: Final = "(no agent)"
NO_DATE: Final = "(no date)"
_DIGITS: Final = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Which cards a report covers: current, submitted cards of `scorecard` (all without it)
    whose call started in [since, until) (UTC), grouped `by`."""

    by: Grouping
    scorecard: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.by not in GROUPINGS:
            raise ConfigError(f"A report is by {', '.join(GROUPINGS)}, not {self.by!r}.")
        if self.by == "criterion" and not self.scorecard:
            raise ConfigError(
                "A report by criterion is about one scorecard: name it (--scorecard NAME)."
            )


@dataclass(frozen=True, slots=True)
class ReportCard:
    """One current, submitted card as a report reads it.

    `call` tells calls apart (two reviewers may score the same call); `started` is the call's
    start (its creation time when the provider gave no start), UTC; `provider` holds the
    provider's analysis values by field name, for the criteria that name a `provider_field`.
    """

    call: int
    agent: str | None
    started: datetime | None
    scorecard: str
    version: int
    score: float | None
    result: str
    answers: Mapping[str, AnswerValue]
    provider: Mapping[str, object] = field(default_factory=dict)
    agent_name: str | None = None


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` out of `total`; `value` is None when there is nothing to count."""

    count: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One group of a report.

    Agent and week rows: `calls` scored, `cards` (a call scored by two reviewers counts
    twice), the average of the cards' unrounded scores, `passed` among the cards with a
    result (n/a left out), `agreement` with the provider over comparable answers, and each
    criterion's `failures` (answers with fraction 0 among its answered, non-N/A answers).
    Criterion rows: the same over the cards that answered that criterion; `average_score`
    is 100 × the mean fraction, `passed` is None, `na` counts its N/A answers.
    """

    key: str
    label: str
    calls: int
    cards: int
    average_score: float | None
    passed: Rate | None
    agreement: Rate
    failures: Mapping[str, Rate]
    na: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    """Rows in display order; `criteria` are (id, question) of the scored criteria (text
    criteria left out) in template order, newest version first; `total` is every card
    together (None for a report by criterion); `cards` counts every card read."""

    query: ReportQuery
    criteria: tuple[tuple[str, str], ...]
    rows: tuple[ReportRow, ...]
    total: ReportRow | None
    cards: int = 0  # every card the report read


def iso_week(moment: datetime) -> str:
    """The ISO 8601 week of a moment in UTC, as `2026-W48` (a naive moment is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(key: str) -> date:
    """The Monday an ISO week key (`2026-W48`) starts on."""
    year, week = key.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def answer_fraction(criterion: Criterion, answer: AnswerValue) -> float | None:
    """An answer's fraction in [0, 1] by the scoring rule; None for N/A, text or a value that
    does not fit (a stored card was validated when it was saved)."""
    if answer is NA:
        return None
    kind = criterion.kind
    if kind is CriterionKind.YES_NO:
        return (1.0 if answer else 0.0) if isinstance(answer, bool) else None
    if kind is CriterionKind.SCALE:
        if isinstance(answer, int) and not isinstance(answer, bool):
            low, high = criterion.min, criterion.max
            if low is not None and high is not None and high > low:
                return (answer - low) / (high - low)
        return None
    if kind is CriterionKind.CHOICE and isinstance(answer, str):
        option = criterion.option(answer)
        return None if option is None else option.points
    return None


class _Tally:
    """Running sums for one group."""

    __slots__ = (
        "agreed",
        "calls",
        "cards",
        "compared",
        "failed",
        "fails",
        "na",
        "passed",
        "scored",
        "sum",
    )

    def __init__(self) -> None:
        self.calls: set[int] = set()
        self.cards = 0
        self.sum = 0.0  # of scores (agent, week) or fractions (criterion)
        self.fails: dict[str, list[int]] = {}  # criterion id → [failed, answered]
        self.passed = 0
        self.failed = 0
        self.na = 0
        self.compared = 0
        self.agreed = 0
        self.scored = 0  # cards with a score (agent, week) or answers (criterion)

    def row(self, key: str, label: str, criteria: Sequence[str], scale: float) -> ReportRow:
        return ReportRow(
            key=key,
            label=label,
            calls=len(self.calls),
            cards=self.cards,
            average_score=scale * self.sum / self.scored if self.scored else None,
            passed=Rate(self.passed, self.passed + self.failed) if scale == 1 else None,
            agreement=Rate(self.agreed, self.compared),
            failures={
                cid: Rate(*self.fails[cid]) if cid in self.fails else Rate() for cid in criteria
            },
            na=self.na,
        )


def build_report(
    query: ReportQuery,
    cards: Iterable[ReportCard],
    templates: Mapping[tuple[str, int], Template],
) -> Report:
    """Aggregate cards into a report; `templates` holds every (name, version) the cards use.

    Rates count only what can be counted: a criterion's failure rate is over its answered,
    non-N/A, scored answers (text never counts); the pass rate over cards whose result is
    pass or fail; the agreement rate over answers `agrees_with_provider` can compare.
    """
    order: dict[str, str] = {}
    for (_name, _version), template in sorted(
        templates.items(), key=lambda item: (item[0][0], -item[0][1])
    ):
        if query.scorecard and template.name != query.scorecard:
            continue
        for criterion in template.criteria:
            if criterion.kind is not CriterionKind.TEXT and criterion.id not in order:
                order[criterion.id] = criterion.question
    criteria = tuple(order)

    groups: dict[str, _Tally] = {}
    labels: dict[str, str] = {}
    total = _Tally()
    # Criteria by template, only those that score, with their provider comparison flag.
    scored: dict[tuple[str, int], list[Criterion]] = {
        key: [c for c in t.criteria if c.kind is not CriterionKind.TEXT]
        for key, t in templates.items()
    }
    by = query.by
    read = 0
    for card in cards:
        read += 1
        template_criteria = scored.get((card.scorecard, card.version))
        if template_criteria is None:
            raise ConfigError(
                f"Scorecard {card.scorecard!r} version {card.version} is not in the library."
            )
        if by == "criterion":
            for criterion in template_criteria:
                answer = card.answers.get(criterion.id)
                if answer is None:
                    continue
                tally = groups.get(criterion.id)
                if tally is None:
                    tally = groups[criterion.id] = _Tally()
                if answer is NA:
                    tally.na += 1
                    continue
                fraction = answer_fraction(criterion, answer)
                if fraction is None:
                    continue
                tally.calls.add(card.call)
                tally.cards += 1
                tally.sum += fraction
                tally.scored += 1
                counts = tally.fails.setdefault(criterion.id, [0, 0])
                counts[0] += fraction == 0
                counts[1] += 1
                _compare(tally, criterion, answer, card.provider)
            continue

        if by == "agent":
            key = card.agent or ""
            if key not in labels:
                labels[key] = card.agent_name or card.agent or NO_AGENT
        else:
            key = iso_week(card.started) if card.started is not None else ""
            if key not in labels:
                labels[key] = f"{key} (from {week_monday(key):%d %b %Y})" if key else NO_DATE
        tally = groups.get(key)
        if tally is None:
            tally = groups[key] = _Tally()
        for target in (tally, total):
            target.calls.add(card.call)
            target.cards += 1
            if card.score is not None:
                target.sum += card.score
                target.scored += 1
            if card.result == "pass":
                target.passed += 1
            elif card.result == "fail":
                target.failed += 1
        for criterion in template_criteria:
            answer = card.answers.get(criterion.id)
            if answer is None:
                continue
            if answer is NA:
                tally.na += 1
                total.na += 1
                continue
            fraction = answer_fraction(criterion, answer)
            if fraction is None:
                continue
            for target in (tally, total):
                counts = target.fails.setdefault(criterion.id, [0, 0])
                counts[0] += fraction == 0
                counts[1] += 1
                _compare(target, criterion, answer, card.provider)

    if by == "criterion":
        rows = tuple(
            groups[cid].row(cid, order[cid], (cid,), 100.0) for cid in criteria if cid in groups
        )
        return Report(query, tuple(order.items()), rows, None, read)
    # Agents by id (agent_2 before agent_10) and weeks in time order; the group without an
    # agent or a date comes last.
    keys = sorted(groups, key=lambda k: (k == "", _natural(k)))
    rows = tuple(groups[k].row(k, labels[k], criteria, 1.0) for k in keys)
    return Report(query, tuple(order.items()), rows, total.row("", "All", criteria, 1.0), read)


def _natural(key: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(key))


def _compare(
    tally: _Tally, criterion: Criterion, answer: AnswerValue, provider: Mapping[str, object]
) -> None:
    if criterion.provider_field is None:
        return
    agrees = agrees_with_provider(criterion, answer, provider.get(criterion.provider_field))
    if agrees is not None:
        tally.compared += 1
        tally.agreed += agrees


# -- the report CSV (docs/exports.md, "Report CSV") ----------------------------------------


def percent(rate: float | None) -> str:
    """A rate (0..1) as a percentage with one decimal, rounded half up; "" for none."""
    return one_decimal(None if rate is None else rate * 100)


def one_decimal(value: float | None) -> str:
    """A score with one decimal, rounded half up (as cards show it); "" for none."""
    return "" if value is None else shown_score(value)


def report_columns(report: Report) -> list[str]:
    """The CSV header of a report."""
    if report.query.by == "criterion":
        return [
            "criterion",
            "question",
            "calls",
            "answers",
            "na",
            "average_score",
            "failure_rate",
            "compared",
            "agreement_rate",
        ]
    return [
        report.query.by,
        "label",
        "calls",
        "cards",
        "average_score",
        "pass_rate",
        "compared",
        "agreement_rate",
        *(f"failure_rate:{cid}" for cid, _ in report.criteria),
    ]


def report_table(report: Report) -> list[list[str]]:
    """The report's rows as CSV cells (the total last, keyed `all`, for agent and week)."""
    out: list[list[str]] = []
    if report.query.by == "criterion":
        for row in report.rows:
            out.append(
                [
                    row.key,
                    row.label,
                    str(row.calls),
                    str(row.cards),
                    str(row.na),
                    one_decimal(row.average_score),
                    percent(row.failures[row.key].value),
                    str(row.agreement.total),
                    percent(row.agreement.value),
                ]
            )
        return out
    rows = [*report.rows, *([report.total] if report.total is not None else [])]
    for row in rows:
        key = "all" if row is report.total else row.key
        out.append(
            [
                key,
                row.label,
                str(row.calls),
                str(row.cards),
                one_decimal(row.average_score),
                percent(row.passed.value if row.passed else None),
                str(row.agreement.total),
                percent(row.agreement.value),
                *(percent(row.failures[cid].value) for cid, _ in report.criteria),
            ]
        )
    return out


def write_report_csv(handle: IO[str], report: Report, safe: Callable[[str], str] = str) -> int:
    """Write the report CSV to an open text file; returns the data rows written.

    `safe` neutralises text cells a spreadsheet would run as formulas (agent ids, labels,
    questions); the numbers are written as they are.
    """
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(report_columns(report))
    table = report_table(report)
    for cells in table:
        writer.writerow([safe(cells[0]), safe(cells[1]), *cells[2:]])
    return len(table)
