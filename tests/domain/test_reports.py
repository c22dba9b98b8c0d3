"""Reports from hand-made cards: groups, ISO weeks in UTC, rates and what each rate leaves out."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from callreview.domain import ConfigError
from callreview.domain.reports import (
    Rate,
    ReportCard,
    ReportQuery,
    build_report,
    iso_week,
    report_columns,
    week_monday,
    write_report_csv,
)
from callreview.domain.scorecard import NA, AnswerValue, parse_template

TEMPLATE = parse_template(
    """\
name = "QA"
version = 1
pass_mark = 80

[[sections]]
title = "Call"

[[sections.criteria]]
id = "greeting"
question = "Greeted?"
kind = "yes_no"
na_allowed = true
provider_field = "greeted"

[[sections.criteria]]
id = "empathy"
question = "Empathy?"
kind = "scale"
min = 1
max = 5

[[sections.criteria]]
id = "resolution"
question = "Ended how?"
kind = "choice"
options = [{ label = "Resolved", points = 1.0 }, { label = "Unresolved", points = 0.0 }]
provider_field = "outcome"

[[sections.criteria]]
id = "note"
question = "Notes"
kind = "text"
""",
    "qa.toml",
)
TEMPLATES = {("QA", 1): TEMPLATE}
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 2026-W48 starts here


def card(
    call: int,
    agent: str | None,
    started: datetime | None,
    score: float | None,
    result: str,
    answers: dict[str, AnswerValue],
    provider: dict[str, object] | None = None,
) -> ReportCard:
    return ReportCard(
        call=call,
        agent=agent,
        started=started,
        scorecard="QA",
        version=1,
        score=score,
        result=result,
        answers=answers,
        provider=provider or {},
    )


CARDS = [
    # a1: two reviewers on call 1, one more call; a2: one call, greeting N/A.
    card(
        1,
        "a1",
        MONDAY,
        100.0,
        "pass",
        {"greeting": True, "empathy": 5, "resolution": "Resolved", "note": "ok"},
        {"greeted": True, "outcome": "resolved"},
    ),
    card(
        1,
        "a1",
        MONDAY,
        50.0,
        "fail",
        {"greeting": False, "empathy": 3, "resolution": "Resolved"},
        {"greeted": True, "outcome": "resolved"},
    ),
    card(
        2,
        "a1",
        MONDAY + timedelta(days=7),
        0.0,
        "fail",
        {"greeting": False, "empathy": 1, "resolution": "Unresolved"},
        {"greeted": "maybe"},  # not comparable; no outcome at all
    ),
    card(
        3,
        "a2",
        MONDAY - timedelta(milliseconds=1),
        None,
        "n/a",
        {"greeting": NA, "empathy": 1, "resolution": "Unresolved", "note": "x"},
    ),
]


def test_by_agent_counts_calls_cards_scores_and_rates() -> None:
    report = build_report(ReportQuery("agent"), CARDS, TEMPLATES)
    assert report.criteria == (
        ("greeting", "Greeted?"),
        ("empathy", "Empathy?"),
        ("resolution", "Ended how?"),
    )  # text criteria score nothing and have no failure rate
    a1, a2 = report.rows
    assert (a1.key, a1.calls, a1.cards) == ("a1", 2, 3)
    assert a1.average_score == pytest.approx(50.0)
    assert a1.passed == Rate(1, 3)
    assert a1.failures["greeting"] == Rate(2, 3)
    assert a1.failures["empathy"] == Rate(1, 3)  # the scale's minimum is fraction 0
    assert a1.failures["resolution"] == Rate(1, 3)
    # Agreement: card 1 agrees twice, card 2 disagrees on greeting and agrees on resolution;
    # card 3's "maybe" and missing outcome are not comparable.
    assert a1.agreement == Rate(3, 4)
    # a2: no score, result n/a (left out of the pass rate), N/A left out of the failures.
    assert a2.average_score is None and a2.passed == Rate(0, 0) and a2.passed.value is None
    assert a2.failures["greeting"] == Rate(0, 0) and a2.na == 1
    assert a2.failures["empathy"] == Rate(1, 1)
    total = report.total
    assert total is not None and (total.calls, total.cards) == (3, 4)
    assert total.passed == Rate(1, 3) and total.failures["greeting"] == Rate(2, 3)
    assert report.cards == 4


def test_weeks_are_iso_weeks_in_utc() -> None:
    assert iso_week(MONDAY) == "2026-W48"
    assert iso_week(MONDAY - timedelta(milliseconds=1)) == "2026-W47"
    # 00:30 on Monday in UTC+2 is still Sunday in UTC: the week before.
    plus_two = timezone(timedelta(hours=2))
    assert iso_week(datetime(2026, 11, 23, 0, 30, tzinfo=plus_two)) == "2026-W47"
    # ISO years: 1 Jan 2027 is a Friday of 2026-W53; 29 Dec 2025 a Monday of 2026-W01.
    assert iso_week(datetime(2027, 1, 1, 12, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2025, 12, 29, tzinfo=UTC)) == "2026-W01"
    assert week_monday("2026-W01").isoformat() == "2025-12-29"

    report = build_report(ReportQuery("week"), CARDS, TEMPLATES)
    assert [r.key for r in report.rows] == ["2026-W47", "2026-W48", "2026-W49"]
    assert [r.cards for r in report.rows] == [1, 2, 1]
    assert report.rows[1].label == "2026-W48 (from 23 Nov 2026)"


def test_cards_without_agent_or_date_group_last() -> None:
    cards = [*CARDS, card(9, None, None, 80.0, "pass", {"empathy": 5})]
    by_agent = build_report(ReportQuery("agent"), cards, TEMPLATES)
    assert [r.label for r in by_agent.rows] == ["a1", "a2", "(no agent)"]
    by_week = build_report(ReportQuery("week"), cards, TEMPLATES)
    numbered = [card(n, f"agent_{n}", MONDAY, 50.0, "fail", {}) for n in (10, 2, 1)]
    by_number = build_report(ReportQuery("agent"), numbered, TEMPLATES)
    assert [r.key for r in by_number.rows] == ["agent_1", "agent_2", "agent_10"]
    assert by_week.rows[-1].label == "(no date)" and by_week.rows[-1].cards == 1


def test_by_criterion() -> None:
    report = build_report(ReportQuery("criterion", "QA"), CARDS, TEMPLATES)
    assert report.total is None
    greeting, empathy, resolution = report.rows
    assert (greeting.cards, greeting.na, greeting.calls) == (3, 1, 2)
    assert greeting.failures["greeting"] == Rate(2, 3)
    assert greeting.average_score == pytest.approx(100 / 3)
    assert greeting.agreement == Rate(1, 2)
    assert empathy.average_score == pytest.approx(100 * (1 + 0.5 + 0 + 0) / 4)
    assert empathy.failures["empathy"] == Rate(2, 4) and empathy.agreement == Rate(0, 0)
    assert resolution.failures["resolution"] == Rate(2, 4)
    assert resolution.agreement == Rate(2, 2)


def test_by_criterion_needs_a_scorecard_and_groupings_are_known() -> None:
    with pytest.raises(ConfigError, match="--scorecard"):
        ReportQuery("criterion")
    with pytest.raises(ConfigError, match="agent, week, criterion"):
        ReportQuery("reviewer")  # type: ignore[arg-type]


def test_csv_columns_and_values() -> None:
    report = build_report(ReportQuery("agent"), CARDS, TEMPLATES)
    out = io.StringIO()
    assert write_report_csv(out, report) == 3
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(report_columns(report))
    assert lines[0].startswith("agent,label,calls,cards,average_score,pass_rate,compared")
    assert lines[0].endswith("failure_rate:empathy,failure_rate:resolution")
    assert lines[1] == "a1,a1,2,3,50.0,33.3,4,75.0,66.7,33.3,33.3"
    assert lines[2] == "a2,a2,1,1,,,0,,,100.0,100.0"
    assert lines[3] == "all,All,3,4,50.0,33.3,4,75.0,66.7,50.0,50.0"


def test_empty_report() -> None:
    report = build_report(ReportQuery("week"), [], TEMPLATES)
    assert report.rows == () and report.total is not None and report.total.cards == 0
    assert report.total.average_score is None
