"""The report query: every current, submitted card with its call's agent and start, one pass."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from callreview.domain.records import iso_ms
from callreview.domain.reports import Report, ReportCard, ReportQuery, build_report
from callreview.domain.scorecard import Criterion, Template
from callreview.domain.scores import answer_from_json
from callreview.library.connection import Database
from callreview.library.scores import Scores


def report(db: Database, scores: Scores, query: ReportQuery) -> Report:
    """Build a report in one read of `scores` joined to `calls`.

    The provider's values for the criteria that name a `provider_field` come from the call's
    stored analysis answers (`analysis_items`, by key) in the same statement.
    """
    names = [query.scorecard] if query.scorecard else [t.name for t in scores.scorecards()]
    templates: dict[tuple[str, int], Template] = {}
    for name in names:
        for version in scores.versions(name):  # ConfigError below for an unknown name
            templates[(name, version)] = scores.scorecard(name, version)
    if query.scorecard and not templates:
        scores.scorecard(query.scorecard)  # raises the "no scorecard is named" error
    fields = sorted(
        {c.provider_field for t in templates.values() for c in t.criteria if c.provider_field}
    )

    clauses = ["s.replaced_by IS NULL", "s.draft = 0"]
    params: list[Any] = []
    provider_sql = "NULL"
    if fields:
        # Only answered items of the named keys: a correlated subquery per card on the
        # (call_rowid, pos) primary key, far cheaper than parsing each call's raw JSON.
        marks = ", ".join("?" * len(fields))
        provider_sql = (
            "(SELECT json_group_object(a.key, CASE WHEN json_valid(a.value_json) "
            "THEN json(a.value_json) END) FROM analysis_items a "
            f"WHERE a.call_rowid = s.call_rowid AND a.answered AND a.key IN ({marks}))"
        )
        params.extend(fields)
    if query.scorecard:
        clauses.append("s.scorecard = ?")
        params.append(query.scorecard)
    if query.since:
        clauses.append("c.started_at >= ?")
        params.append(iso_ms(query.since))
    if query.until:
        clauses.append("c.started_at < ?")
        params.append(iso_ms(query.until))
    rows = db.read_tuples(
        "SELECT s.call_rowid, c.agent_id, c.agent_name, c.started_at, s.scorecard, s.version, "
        f"s.score, s.result, s.answers_json, {provider_sql} "
        "FROM scores s JOIN calls c ON c.id = s.call_rowid "
        f"WHERE {' AND '.join(clauses)}",
        params,
    )
    cards = []
    by_id: dict[tuple[str, int], dict[str, Criterion]] = {}
    for call, agent, agent_name, started, name, version, score, result, answers, prov in rows:
        criteria = by_id.get((name, version))
        if criteria is None:
            # A card of a template imported after the list above is read all the same.
            template = templates.get((name, version)) or scores.scorecard(name, version)
            templates[(name, version)] = template
            criteria = by_id[(name, version)] = {c.id: c for c in template.criteria}
        cards.append(
            ReportCard(
                call=call,
                agent=agent,
                agent_name=agent_name,
                started=datetime.fromisoformat(started) if started else None,
                scorecard=name,
                version=version,
                score=score,
                result=result,
                answers={
                    cid: answer_from_json(criteria.get(cid), value)
                    for cid, value in json.loads(answers).items()
                },
                provider=json.loads(prov) if prov else {},
            )
        )
    return build_report(query, cards, templates)
