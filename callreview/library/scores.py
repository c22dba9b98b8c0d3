"""Scorecard templates and the cards filled in for calls: the `scorecards` and `scores` tables."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callreview.domain import CallRef, ConfigError
from callreview.domain.records import iso_ms
from callreview.domain.scorecard import AnswerValue, Template, parse_template, score_card
from callreview.domain.scores import (
    ScoreFilter,
    StoredScore,
    answer_from_json,
    answer_to_json,
    shown_score,
)
from callreview.domain.stored import clean_author
from callreview.library.connection import Database, now

_SCORE_COLUMNS = (
    "s.id, c.provider, c.call_id, c.agent_id, s.scorecard, s.version, s.author, "
    "s.answers_json, s.comments_json, s.evidence_json, s.score, s.result, s.draft, "
    "s.scored_at, s.replaced_by"
)


class Scores:
    """Templates are kept verbatim, one row per version; a card keeps the version it was made
    with, so importing a higher version never changes an earlier score."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Parsed templates by (name, version): a stored version never changes, so the cache
        # never goes stale, and listing 20,000 cards parses each template once.
        self._templates: dict[tuple[str, int], Template] = {}
        self._templates_lock = threading.Lock()

    # templates ---------------------------------------------------------------------------

    def import_scorecard(self, template: Template) -> bool:
        """Store a validated template; False when this very text is stored already.

        A different text under a version already imported, or under a lower version than the
        newest of that name, is refused (ConfigError): earlier cards name their version, and
        its questions must stay what the reviewer answered.
        """
        with self._db.write("import the scorecard into") as db:
            rows = db.execute(
                "SELECT version, source FROM scorecards WHERE name = ? ORDER BY version DESC",
                (template.name,),
            ).fetchall()
            same = [source for version, source in rows if version == template.version]
            if same and same[0] == template.source:
                return False
            if same:
                raise ConfigError(
                    f"Version {template.version} of scorecard {template.name!r} is already "
                    "imported with different content. Raise 'version' in the file to import "
                    "the change; cards already scored keep the version they were made with."
                )
            if rows and rows[0][0] > template.version:
                raise ConfigError(
                    f"Scorecard {template.name!r} is already at version {rows[0][0]}; this "
                    f"file is version {template.version}. Raise 'version' above {rows[0][0]} "
                    "to import it."
                )
            db.execute(
                "INSERT INTO scorecards (name, version, source, imported_at) VALUES (?, ?, ?, ?)",
                (template.name, template.version, template.source, now()),
            )
        return True

    def scorecards(self) -> list[Template]:
        """The newest version of every scorecard, by name."""
        rows = self._db.read_tuples(
            "SELECT name, MAX(version) FROM scorecards GROUP BY name ORDER BY name"
        )
        return [self._template(name, version) for name, version in rows]

    def versions(self, name: str) -> list[int]:
        """Every stored version of a scorecard, newest first (empty if there is none)."""
        rows = self._db.read_tuples(
            "SELECT version FROM scorecards WHERE name = ? ORDER BY version DESC", (name,)
        )
        return [int(version) for (version,) in rows]

    def scorecard(self, name: str, version: int | None = None) -> Template:
        """One version of a scorecard (the newest without `version`); ConfigError if absent."""
        versions = self.versions(name)
        if not versions:
            known = [t.name for t in self.scorecards()]
            hint = f" Imported: {', '.join(known)}." if known else ""
            raise ConfigError(
                f"No scorecard is named {name!r}.{hint} Import one with "
                "'callreview scorecards import FILE.toml'."
            )
        if version is None:
            version = versions[0]
        elif version not in versions:
            raise ConfigError(
                f"Scorecard {name!r} has no version {version} "
                f"(imported: {', '.join(map(str, versions))})."
            )
        return self._template(name, version)

    def _template(self, name: str, version: int) -> Template:
        key = (name, version)
        with self._templates_lock:
            cached = self._templates.get(key)
        if cached is not None:
            return cached
        rows = self._db.read_tuples(
            "SELECT source FROM scorecards WHERE name = ? AND version = ?", (name, version)
        )
        if not rows:
            raise ConfigError(f"Scorecard {name!r} has no version {version}.")
        template = parse_template(rows[0][0], f"{name} (version {version})")
        with self._templates_lock:
            self._templates[key] = template
        return template

    # cards -------------------------------------------------------------------------------

    def save(
        self,
        ref: CallRef,
        template: Template,
        answers: Mapping[str, AnswerValue],
        comments: Mapping[str, str],
        evidence: Mapping[str, tuple[int, ...]],
        author: str,
    ) -> StoredScore:
        """Score and store a card; in the same transaction, the reviewer's previous current
        card of this call and scorecard is marked replaced by it (kept as history)."""
        author = clean_author(author)
        result = score_card(template, answers)  # ConfigError for unknown ids, unfit values
        for what, ids in (("comment", comments), ("evidence", evidence)):
            for cid in ids:
                if template.criterion(cid) is None:
                    raise ConfigError(
                        f"{template.name!r} has no criterion {cid!r} to attach a {what} to."
                    )
        clean_comments = {cid: text for cid, text in comments.items() if text.strip()}
        clean_evidence: dict[str, tuple[int, ...]] = {}
        for cid, positions in evidence.items():
            if any(not isinstance(p, int) or isinstance(p, bool) or p < 0 for p in positions):
                raise ConfigError(f"Evidence for {cid!r} must be positions in the call, 0 or more.")
            if positions:
                clean_evidence[cid] = tuple(sorted(set(positions)))
        # Only criteria of the template, in its order: the stored JSON reads like the card.
        ordered = {c.id: answers[c.id] for c in template.criteria if c.id in answers}
        rowid = self._db.rowid(ref)
        scored_at = now()
        with self._db.write("save the scorecard in") as db:
            stored = db.execute(
                "SELECT source FROM scorecards WHERE name = ? AND version = ?",
                (template.name, template.version),
            ).fetchone()
            if stored is None or stored[0] != template.source:
                raise ConfigError(
                    f"Scorecard {template.name!r} version {template.version} is not the one "
                    "imported in this library; import it first."
                )
            new_id = db.execute(
                "INSERT INTO scores (call_rowid, scorecard, version, author, answers_json, "
                "comments_json, evidence_json, score, result, draft, scored_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rowid,
                    template.name,
                    template.version,
                    author,
                    json.dumps(
                        {cid: answer_to_json(a) for cid, a in ordered.items()}, ensure_ascii=False
                    ),
                    json.dumps(clean_comments, ensure_ascii=False),
                    json.dumps({cid: list(p) for cid, p in clean_evidence.items()}),
                    result.score,
                    result.result,
                    int(result.draft),
                    scored_at,
                ),
            ).lastrowid
            assert new_id is not None
            db.execute(
                "UPDATE scores SET replaced_by = ? WHERE call_rowid = ? AND scorecard = ? "
                "AND author = ? AND replaced_by IS NULL AND id != ?",
                (new_id, rowid, template.name, author, new_id),
            )
        return StoredScore(
            id=new_id,
            ref=ref,
            scorecard=template.name,
            version=template.version,
            author=author,
            answers=dict(ordered),
            comments=clean_comments,
            evidence=clean_evidence,
            score=result.score,
            shown=result.shown,
            result=result.result,
            draft=result.draft,
            scored_at=datetime.fromisoformat(scored_at),
            replaced=False,
        )

    def for_call(self, ref: CallRef) -> list[StoredScore]:
        """Every card of a call: the current ones first, then the history, newest first."""
        rowid = self._db.rowid(ref)
        rows = self._db.read_tuples(
            f"SELECT {_SCORE_COLUMNS} FROM scores s JOIN calls c ON c.id = s.call_rowid "
            "WHERE s.call_rowid = ? "
            "ORDER BY s.replaced_by IS NOT NULL, s.scored_at DESC, s.id DESC",
            (rowid,),
        )
        return [self._stored(row) for row in rows]

    def submitted(self, filter: ScoreFilter) -> list[StoredScore]:
        """The current, non-draft cards that match, oldest scored first (one query)."""
        clauses = ["s.replaced_by IS NULL", "s.draft = 0"]
        params: list[Any] = []
        if filter.scorecard:
            clauses.append("s.scorecard = ?")
            params.append(filter.scorecard)
        if filter.agent:
            clauses.append("c.agent_id = ?")
            params.append(filter.agent)
        if filter.reviewer:
            clauses.append("s.author = ?")
            params.append(filter.reviewer)
        if filter.since:
            clauses.append("c.started_at >= ?")
            params.append(iso_ms(filter.since))
        if filter.until:
            clauses.append("c.started_at < ?")
            params.append(iso_ms(filter.until))
        rows = self._db.read_tuples(
            f"SELECT {_SCORE_COLUMNS} FROM scores s JOIN calls c ON c.id = s.call_rowid "
            f"WHERE {' AND '.join(clauses)} ORDER BY s.scored_at, s.id",
            params,
        )
        return [self._stored(row) for row in rows]

    def _stored(self, row: tuple[Any, ...]) -> StoredScore:
        (
            score_id,
            provider,
            call_id,
            agent,
            name,
            version,
            author,
            answers_json,
            comments_json,
            evidence_json,
            score,
            result,
            draft,
            scored_at,
            replaced_by,
        ) = row
        template = self._template(name, version)
        answers = {
            cid: answer_from_json(template.criterion(cid), value)
            for cid, value in json.loads(answers_json).items()
        }
        return StoredScore(
            id=score_id,
            ref=CallRef(provider, call_id),
            scorecard=name,
            version=version,
            author=author,
            answers=answers,
            comments=json.loads(comments_json),
            evidence={cid: tuple(p) for cid, p in json.loads(evidence_json).items()},
            score=score,
            shown=shown_score(score),
            result=result,
            draft=bool(draft),
            scored_at=datetime.fromisoformat(scored_at),
            replaced=replaced_by is not None,
            agent=agent,
        )
