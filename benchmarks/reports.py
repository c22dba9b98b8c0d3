"""Scorecard reports over 100,000 synthetic calls with 20,000 submitted scorecards.

Times `SqliteLibrary.report` (what `Workspace.report` and `callreview report` run) per agent,
per week and per criterion (target < 1 s each), beside a baseline in the same run: the naive
loop over `list_scores` (every card read back as a StoredScore, then aggregated in Python,
without the provider comparison the report also does).

    .venv/bin/python -m benchmarks.reports [--calls 100000] [--cards 20000]
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callreview.domain import Call, CallRef, CallStatus, Direction, Role, Segment, Timing
from callreview.domain.model import Analysis, AnswerItem
from callreview.domain.reports import Grouping, ReportQuery, answer_fraction, iso_week
from callreview.domain.scorecard import NA, AnswerValue, Template, parse_template
from callreview.domain.scores import ScoreFilter
from callreview.library import SqliteLibrary
from callreview.providers.registry import map_raw_call

TEMPLATE = """\
name = "Bench QA"
version = 1
pass_mark = 70

[[sections]]
title = "Call"

[[sections.criteria]]
id = "greeting"
question = "Did the agent greet the caller?"
kind = "yes_no"
weight = 2
na_allowed = true

[[sections.criteria]]
id = "identity"
question = "Did the agent check the caller's identity?"
kind = "yes_no"
critical = true

[[sections.criteria]]
id = "empathy"
question = "How well did the agent acknowledge the problem?"
kind = "scale"
min = 1
max = 5

[[sections.criteria]]
id = "accuracy"
question = "Was everything the agent said correct?"
kind = "scale"
min = 0
max = 10
weight = 2

[[sections.criteria]]
id = "resolution"
question = "How did the call end?"
kind = "choice"
options = [
  { label = "Resolved", points = 1.0 },
  { label = "Escalated", points = 0.5 },
  { label = "Unresolved", points = 0.0 },
]
weight = 3
provider_field = "resolved"

[[sections.criteria]]
id = "success"
question = "Did the call reach its goal?"
kind = "yes_no"
provider_field = "goal_met"

[[sections.criteria]]
id = "note"
question = "Anything else?"
kind = "text"
"""
OUTCOMES = ("Resolved", "Escalated", "Unresolved")


def make_call(i: int, rng: random.Random) -> Call:
    start = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(minutes=3 * i)
    segments = []
    pos = 0
    for j in range(8):
        length = rng.randint(1500, 6000)
        role = Role.AGENT if j % 2 == 0 else Role.USER
        segments.append(
            Segment(j, role, role.value, f"line {j} of call {i}", pos, pos + length, True)
        )
        pos += length + rng.randint(200, 1500)
    items = (
        AnswerItem("resolved", "Was it resolved?", "choice", True, rng.choice(OUTCOMES)),
        AnswerItem("goal_met", "Goal met?", "boolean", True, rng.random() < 0.7),
    )
    return Call(
        provider="rounded",
        call_id=f"call_{i:07d}",
        status=CallStatus.ENDED,
        status_raw="completed",
        direction=Direction.OUTBOUND,
        to_number="+18005550100",
        agent_id=f"agent_{i % 40}",
        started_at=start,
        ended_at=start + timedelta(milliseconds=pos),
        duration_ms=pos,
        segments=tuple(segments),
        analysis=Analysis(items=items),
        timing=Timing(None, "provider_offsets"),
        raw={"id": f"call_{i:07d}", "status": "completed"},
    )


def make_answers(rng: random.Random) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {
        "greeting": NA if rng.random() < 0.05 else rng.random() < 0.85,
        "identity": rng.random() < 0.9,
        "empathy": rng.randint(1, 5),
        "accuracy": rng.randint(0, 10),
        "resolution": rng.choice(OUTCOMES),
        "success": rng.random() < 0.7,
    }
    if rng.random() < 0.2:
        answers["note"] = "spoke too fast"
    return answers


def naive(lib: SqliteLibrary, template: Template) -> dict[str, tuple[int, float, int]]:
    """The baseline: every card as a StoredScore, then a Python loop per agent."""
    by_agent: dict[str, list[float]] = defaultdict(list)
    passed: dict[str, int] = defaultdict(int)
    fails: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    weeks: set[str] = set()
    for card in lib.list_scores(ScoreFilter(scorecard=template.name)):
        agent = card.agent or ""
        if card.score is not None:
            by_agent[agent].append(card.score)
        passed[agent] += card.result == "pass"
        weeks.add(iso_week(card.scored_at))
        for criterion in template.criteria:
            answer = card.answers.get(criterion.id)
            fraction = None if answer is None else answer_fraction(criterion, answer)
            if fraction is not None:
                counts = fails[(agent, criterion.id)]
                counts[0] += fraction == 0
                counts[1] += 1
    return {a: (len(s), statistics.fmean(s), passed[a]) for a, s in by_agent.items()}


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        lib = SqliteLibrary(Path(tmp), mapper=map_raw_call)
        t0 = time.perf_counter()
        batch: list[Call] = []
        for i in range(args.calls):
            batch.append(make_call(i, rng))
            if len(batch) == 2000:
                lib.save_calls(batch, "bench")
                batch.clear()
        lib.save_calls(batch, "bench")
        calls_s = time.perf_counter() - t0
        template = parse_template(TEMPLATE, "bench.toml")
        lib.import_scorecard(template)
        t0 = time.perf_counter()
        scored = rng.sample(range(args.calls), min(args.cards, args.calls))
        for i in scored:
            lib.save_score(
                CallRef("rounded", f"call_{i:07d}"),
                template,
                make_answers(rng),
                {},
                {},
                f"reviewer_{i % 5}",
            )
        cards_s = time.perf_counter() - t0

        results: dict[str, tuple[list[float], int]] = {}
        groupings: tuple[Grouping, ...] = ("agent", "week", "criterion")
        for by in groupings:
            query = ReportQuery(by, template.name)
            rows = len(lib.report(query).rows)
            results[by] = (timed(functools.partial(lib.report, query), args.repeat), rows)
        everything = timed(lambda: lib.report(ReportQuery("agent")), args.repeat)
        baseline = timed(lambda: naive(lib, template), max(1, args.repeat // 2))
        check = lib.report(ReportQuery("agent", template.name))
        lib.close()

    print(f"calls={args.calls} cards={len(scored)} (40 agents, 8 lines and 2 analysis items each)")
    print(f"build: calls {calls_s:.1f} s, cards {cards_s:.1f} s (save_score, one per card)")
    for name, (times, rows) in results.items():
        print(
            f"report --by {name:<9} {statistics.median(times) * 1000:7.1f} ms median, "
            f"{max(times) * 1000:7.1f} ms max ({rows} rows)  target < 1000 ms: "
            f"{'PASS' if max(times) < 1 else 'ABOVE TARGET'}"
        )
    print(f"report --by agent, every scorecard: {statistics.median(everything) * 1000:7.1f} ms")
    print(
        f"  baseline (list_scores + Python loop): {statistics.median(baseline) * 1000:7.1f} ms "
        "median"
    )
    total = check.total
    assert total is not None and total.cards == len(scored), "every card must be reported"
    print(
        f"check: {total.cards} cards, average {total.average_score:.1f}, pass rate "
        f"{(total.passed.value or 0) * 100 if total.passed else 0:.1f}%, agreement "
        f"{(total.agreement.value or 0) * 100:.1f}% of {total.agreement.total}"
    )


if __name__ == "__main__":
    main()
