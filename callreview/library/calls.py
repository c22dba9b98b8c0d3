"""Calls in the library: saving them (with their lines, answers, variables and full-text
document), reading them back through the raw mapper, finding them, and the flat records of
the calls CSV read straight from the tables."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from callreview.domain import (
    Call,
    CallQuery,
    CallRef,
    CallReviewError,
    CallRow,
    CallStatus,
    ConfigError,
    NotInLibraryError,
    Role,
    Segment,
    StorageError,
    StoredCall,
)
from callreview.domain.records import (
    ROW_FIELDS,
    CallRecord,
    amount_text,
    build_record,
    iso_ms,
    json_text,
    parts_text,
)
from callreview.library.api import ImportCall, ImportCounts, RawMapper
from callreview.library.connection import Database, now, parse_time
from callreview.library.recordings import COLUMNS as RECORDING_COLUMNS
from callreview.library.recordings import Recordings
from callreview.library.review import Reviews
from callreview.library.tags import Tags
from callreview.paths import fsync_dir
from callreview.redaction import scrub_presigned

# The flat record's fields (domain.records.ROW_FIELDS, in order) → the columns holding them.
_RECORD_COLUMNS = {
    "provider": "c.provider",
    "call_id": "c.call_id",
    "account": "c.account",
    "status": "c.status",
    "status_raw": "c.status_raw",
    "direction": "c.direction",
    "from_number": "c.from_number",
    "to_number": "c.to_number",
    "agent_id": "c.agent_id",
    "started_at": "c.call_started_at",  # c.started_at is the sort key (start, else creation)
    "created_at": "c.created_at",
    "ended_at": "c.ended_at",
    "duration_ms": "c.duration_ms",
    "cost_amount": "c.cost_amount",
    "cost_currency": "c.cost_currency",
    "answered_by": "c.answered_by",
    "segment_count": "c.segment_count",
    "summary": "c.summary",
    "missing": "c.missing",
    "metadata_json": "c.metadata_json",
    "fetched_at": "c.fetched_at",
    "reviewed": "COALESCE(r.reviewed, 0)",
    "flagged": "COALESCE(r.flagged, 0)",
    "recording_downloaded": "rec.call_rowid IS NOT NULL",
}
assert tuple(_RECORD_COLUMNS) == ROW_FIELDS

# Sort keys → SQL expressions (a closed set: user input never becomes SQL).
_ORDER = {
    "started_at": "c.started_at",
    "status": "c.status",
    "provider": "c.provider",
    "account": "c.account",
    "from_number": "c.from_number",
    "to_number": "c.to_number",
    "agent_id": "COALESCE(c.agent_name, c.agent_id) COLLATE NOCASE",  # as shown: name, else ID
    "duration_ms": "c.duration_ms",
    "cost": "CAST(c.cost_amount AS REAL)",
    "review": "COALESCE(r.flagged, 0) * 2 + COALESCE(r.reviewed, 0)",
    "reviewed": "COALESCE(r.reviewed, 0)",
    "flagged": "COALESCE(r.flagged, 0)",
    "has_notes": "has_notes",
}

# Whether a call has notes: one probe of the notes_call index per listed row (the LIMIT
# applies first unless the list is sorted by it).
_HAS_NOTES = "EXISTS (SELECT 1 FROM notes n WHERE n.call_rowid = c.id)"


# A quoted phrase, or a run of anything else up to a space or quote.
_FTS_PARTS = re.compile(r'"([^"]*)"|([^\s"]+)')


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query.

    Quoted text is a phrase (as many as typed, in any place); every other word must appear,
    the last one as a prefix when it ends the text (so results follow the typing). Quoting
    each part keeps FTS5 syntax out of user input. A NUL ends an FTS5 query and a lone
    surrogate can't be encoded, so neither reaches SQLite.
    """
    text = text.encode("utf-8", "ignore").decode("utf-8").replace("\0", " ").strip()
    parts: list[str] = []
    last_is_word = False
    for phrase, word in _FTS_PARTS.findall(text):
        words = " ".join(phrase.split()) if phrase else word
        if words:
            parts.append(f'"{words}"')
            last_is_word = not phrase
    if not parts:
        return None
    if last_is_word and not text.endswith('"'):
        parts[-1] += "*"
    return " ".join(parts)


class Calls:
    """The `calls` table and the tables that hang off it (lines, answers, variables, FTS)."""

    def __init__(
        self, db: Database, mapper: RawMapper, reviews: Reviews, recordings: Recordings
    ) -> None:
        self._db = db
        self._map = mapper
        self._reviews = reviews
        self._recordings = recordings

    def save_call(self, call: Call, account: str | None) -> StoredCall:
        """Insert or update a call; review state, notes and the recording file are kept."""
        with self._db.write("save a call to") as db:
            self._save(db, call, account, now())
        stored = self.get(call.ref)
        assert stored is not None
        return stored

    def save_calls(self, calls: Sequence[Call], account: str | None) -> int:
        """Save many calls in one transaction (bulk imports: one fsync, not one per call)."""
        moment = now()
        with self._db.write("save calls to") as db:
            for call in calls:
                self._save(db, call, account, moment)
        return len(calls)

    def import_calls(self, plan: Sequence[ImportCall]) -> ImportCounts:
        """Merge a validated import in one transaction (see `Library.import_calls`)."""
        added = merged = recordings = 0
        placed: list[Path] = []
        try:
            with self._db.write("import the bundle into") as db:
                moment = now()
                for item in plan:
                    call = item.call
                    found = db.execute(
                        "SELECT c.id, rec.call_rowid FROM calls c LEFT JOIN recordings rec "
                        "ON rec.call_rowid = c.id WHERE c.provider = ? AND c.call_id = ?",
                        (call.provider, call.call_id),
                    ).fetchone()
                    if found is None:
                        self._save(db, call, item.account, moment)
                        rowid = db.execute(
                            "SELECT id FROM calls WHERE provider = ? AND call_id = ?",
                            (call.provider, call.call_id),
                        ).fetchone()[0]
                        has_recording = False
                        added += 1
                    else:
                        rowid, has_recording = found[0], found[1] is not None
                        merged += 1
                    self._reviews.merge(
                        db,
                        rowid,
                        reviewed=item.reviewed,
                        flagged=item.flagged,
                        sync_offset_ms=item.sync_offset_ms,
                        notes=item.notes,
                    )
                    Tags.merge(db, rowid, item.tags)
                    rec, staged = item.recording, item.staged
                    if rec is None or staged is None or has_recording:
                        continue
                    # The same row as Recordings.set, written in this transaction.
                    db.execute(
                        "INSERT INTO recordings VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            rowid,
                            str(rec.path.resolve().relative_to(self._recordings.folder.resolve())),
                            rec.size,
                            rec.sha256,
                            rec.content_type,
                            rec.duration_ms,
                            iso_ms(rec.downloaded_at) or moment,
                        ),
                    )
                    db.execute(
                        "UPDATE calls SET missing = TRIM(REPLACE(REPLACE(missing, 'recording', "
                        "''), ',,', ','), ',') WHERE id = ?",
                        (rowid,),
                    )
                    # Last, so that the row and the file arrive together (undone below).
                    os.replace(staged, rec.path)
                    placed.append(rec.path)
                    recordings += 1
                if placed:
                    fsync_dir(self._recordings.folder)
        except BaseException as exc:
            for path in placed:
                path.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(
                    f"Could not place a recording in {self._recordings.folder}: {exc.strerror}. "
                    "Nothing was imported."
                ) from exc
            if isinstance(exc, OverflowError | UnicodeError):
                raise StorageError(
                    f"Could not import: the library cannot store a value ({exc}). "
                    "Nothing was imported."
                ) from exc
            raise
        return ImportCounts(added, merged, recordings)

    def _save(self, db: sqlite3.Connection, call: Call, account: str | None, moment: str) -> None:
        sort_time = call.started_at or call.created_at
        analysis = call.analysis
        values = {
            "provider": call.provider,
            "call_id": call.call_id,
            "account": account,
            "status": call.status.value,
            "status_raw": call.status_raw,
            "direction": call.direction.value,
            "from_number": call.from_number,
            "to_number": call.to_number,
            "agent_id": call.agent_id,
            "agent_name": call.agent_name,
            "started_at": iso_ms(sort_time),
            "call_started_at": iso_ms(call.started_at),
            "created_at": iso_ms(call.created_at),
            "ended_at": iso_ms(call.ended_at),
            "duration_ms": call.duration_ms,
            "cost_amount": amount_text(call.cost),
            "cost_currency": call.cost.currency if call.cost else None,
            "answered_by": call.answered_by,
            "segment_count": len(call.segments),
            "summary": analysis.summary if analysis else None,
            "included": parts_text(call.included),
            "missing": parts_text(call.missing_parts),
            "raw_json": json.dumps(
                scrub_presigned(dict(call.raw)), ensure_ascii=False, separators=(",", ":")
            ),
            "fetched_at": moment,
            "updated_at": moment,
            "metadata_json": json_text(dict(call.metadata)),
        }
        row = db.execute(
            "SELECT id, account FROM calls WHERE provider = ? AND call_id = ?",
            (call.provider, call.call_id),
        ).fetchone()
        if row is None:
            cols = ", ".join(values)
            marks = ", ".join(f":{k}" for k in values)
            rowid = db.execute(f"INSERT INTO calls ({cols}) VALUES ({marks})", values).lastrowid
        else:
            rowid = row[0]
            values["account"] = account or row[1]
            sets = ", ".join(f"{k} = :{k}" for k in values if k not in ("provider", "call_id"))
            db.execute(f"UPDATE calls SET {sets} WHERE id = :rowid", {**values, "rowid": rowid})
            for table in ("segments", "analysis_items", "variables"):
                db.execute(f"DELETE FROM {table} WHERE call_rowid = ?", (rowid,))
            db.execute("DELETE FROM calls_fts WHERE rowid = ?", (rowid,))
        db.executemany(
            "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (rowid, s.index, s.role.value, s.role_raw, s.start_ms, s.end_ms, s.text)
                for s in call.segments
            ],
        )
        if analysis is not None:
            db.executemany(
                "INSERT INTO analysis_items VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        rowid,
                        pos,
                        i.key,
                        i.question,
                        i.question_type,
                        int(i.answered),
                        json_text(i.value),
                    )
                    for pos, i in enumerate(analysis.items)
                ],
            )
        db.executemany(
            "INSERT INTO variables VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    rowid,
                    pos,
                    v.name,
                    v.type,
                    json_text(v.value),
                    iso_ms(v.at),
                    v.at_ms,
                )
                for pos, v in enumerate(call.variables)
            ],
        )
        db.execute(
            "INSERT INTO calls_fts (rowid, transcript, numbers, agent, metadata, summary) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (rowid, *_fts_document(call)),
        )

    def get(self, ref: CallRef) -> StoredCall | None:
        """The stored call, mapped again from its raw JSON; None if the library lacks it."""
        rows = self._db.read(
            "SELECT c.id, c.account, c.fetched_at, c.included, c.raw_json, "
            f"{RECORDING_COLUMNS} FROM calls c "
            "LEFT JOIN recordings rec ON rec.call_rowid = c.id "
            "WHERE c.provider = ? AND c.call_id = ?",
            (ref.provider, ref.call_id),
        )
        if not rows:
            return None
        row = rows[0]
        try:
            raw = json.loads(row["raw_json"])
            included = frozenset(filter(None, row["included"].split(",")))
            call = self._map(ref.provider, raw, included)
        except (ValueError, CallReviewError) as exc:
            raise StorageError(
                f"The stored data of call {ref} can no longer be read ({exc}). "
                "Refresh the call to fetch it again."
            ) from exc
        fetched = datetime.fromisoformat(row["fetched_at"])
        review = self._reviews.load(row["id"])
        recording = self._recordings.verified(self._recordings.file_from_row(row))
        return StoredCall(call, row["account"], fetched, review, recording)

    def segments(self, ref: CallRef) -> tuple[Segment, ...]:
        """The transcript lines as stored beside the call, read without mapping its raw JSON.

        For showing a call's transcript at once while the full call is mapped (the providers'
        schemas load on first use); the mapped call is what counts.
        """
        rows = self._db.read_tuples(
            "SELECT s.idx, s.role, s.role_raw, s.start_ms, s.end_ms, s.text FROM segments s "
            "JOIN calls c ON c.id = s.call_rowid WHERE c.provider = ? AND c.call_id = ? "
            "ORDER BY s.idx",
            (ref.provider, ref.call_id),
        )
        roles = {role.value: role for role in Role}
        return tuple(
            Segment(idx, roles.get(role, Role.OTHER), role_raw or "", text, start, end)
            for idx, role, role_raw, start, end, text in rows
        )

    def resolve(self, text: str) -> CallRef:
        """`PROVIDER:CALL_ID` or a bare `CALL_ID` (an error listing the choices if ambiguous).

        Text before a colon counts as a provider when the library holds calls of that
        provider; otherwise the whole text is a call ID (some IDs contain colons).
        """
        provider, sep, call_id = text.partition(":")
        if sep and self._db.read("SELECT 1 FROM calls WHERE provider = ? LIMIT 1", (provider,)):
            ref = CallRef(provider, call_id)
            self._db.rowid(ref)
            return ref
        rows = self._db.read("SELECT provider, call_id FROM calls WHERE call_id = ?", (text,))
        if not rows:
            raise NotInLibraryError(text)
        if len(rows) > 1:
            choices = ", ".join(f"{r[0]}:{r[1]}" for r in rows)
            raise ConfigError(f"{text!r} is ambiguous; say which one: {choices}.")
        return CallRef(rows[0][0], rows[0][1])

    def _where(self, q: CallQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if q.search:
            match = fts_query(q.search)
            if match:
                clauses.append("c.id IN (SELECT rowid FROM calls_fts WHERE calls_fts MATCH ?)")
                params.append(match)
        if q.statuses:
            clauses.append(f"c.status IN ({', '.join('?' * len(q.statuses))})")
            params.extend(sorted(s.value for s in q.statuses))
        if q.provider:
            clauses.append("c.provider = ?")
            params.append(q.provider)
        if q.account:
            clauses.append("c.account = ?")
            params.append(q.account)
        if q.since:
            clauses.append("c.started_at >= ?")
            params.append(iso_ms(q.since))
        if q.until:
            clauses.append("c.started_at < ?")
            params.append(iso_ms(q.until))
        if q.reviewed is not None:
            clauses.append("COALESCE(r.reviewed, 0) = ?")
            params.append(int(q.reviewed))
        if q.flagged is not None:
            clauses.append("COALESCE(r.flagged, 0) = ?")
            params.append(int(q.flagged))
        for name in sorted(q.tags):
            # One EXISTS per tag: all must match; tags.name compares without case.
            clauses.append(
                "EXISTS (SELECT 1 FROM call_tags ct JOIN tags t ON t.id = ct.tag_id "
                "WHERE ct.call_rowid = c.id AND t.name = ?)"
            )
            params.append(name.strip())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return where, params

    def query(self, query: CallQuery) -> list[CallRow]:
        where, params = self._where(query)
        column = _ORDER.get(query.order_by, "c.started_at")
        direction = "DESC" if query.descending else "ASC"
        rows = self._db.read(
            "SELECT c.provider, c.call_id, c.account, c.status, c.status_raw, c.direction, "
            "c.from_number, c.to_number, c.agent_id, c.started_at, c.duration_ms, "
            "c.cost_amount, c.cost_currency, c.segment_count, c.missing, "
            "COALESCE(r.reviewed, 0), COALESCE(r.flagged, 0), rec.call_rowid IS NOT NULL, "
            f"c.agent_name, {_HAS_NOTES} AS has_notes "
            "FROM calls c LEFT JOIN reviews r ON r.call_rowid = c.id "
            "LEFT JOIN recordings rec ON rec.call_rowid = c.id "
            f"{where} ORDER BY {column} {direction}, c.id {direction} LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        )
        out = []
        for r in rows:
            try:
                status = CallStatus(r[3])
            except ValueError:
                status = CallStatus.UNKNOWN
            cost = None
            if r[11] is not None:
                cost = f"{r[11]} {r[12]}" if r[12] else r[11]
            out.append(
                CallRow(
                    provider=r[0],
                    call_id=r[1],
                    account=r[2],
                    status=status,
                    status_raw=r[4],
                    direction=r[5],
                    from_number=r[6],
                    to_number=r[7],
                    agent_id=r[8],
                    started_at=parse_time(r[9]),
                    duration_ms=r[10],
                    cost=cost,
                    segment_count=r[13],
                    missing=frozenset(filter(None, (r[14] or "").split(","))),
                    reviewed=bool(r[15]),
                    flagged=bool(r[16]),
                    has_recording=bool(r[17]),
                    agent_name=r[18],
                    has_notes=bool(r[19]),
                )
            )
        return out

    def count(self, query: CallQuery) -> int:
        where, params = self._where(query)
        rows = self._db.read(
            f"SELECT COUNT(*) FROM calls c LEFT JOIN reviews r ON r.call_rowid = c.id {where}",
            params,
        )
        return int(rows[0][0])

    def iter_records(self, refs: Sequence[CallRef] | None = None) -> Iterator[CallRecord]:
        """Flat export records (the calls CSV), read straight from the tables: no call is
        mapped again, so a whole large library exports in seconds. The same records as
        `record_from_stored` gives for each call (one builder, `build_record`), newest first.

        Raises NotInLibraryError, before yielding anything, for a ref the library lacks.
        """
        wanted = {(r.provider, r.call_id) for r in refs} if refs is not None else None
        grouped: dict[str, dict[int, list[Any]]] = {"items": {}, "vars": {}, "notes": {}}
        for key, sql in (
            (
                "items",
                "SELECT call_rowid, key, question, answered, value_json FROM analysis_items "
                "ORDER BY call_rowid, pos",
            ),
            (
                "vars",
                "SELECT call_rowid, name, value_json FROM variables ORDER BY call_rowid, pos",
            ),
            (
                "notes",
                "SELECT call_rowid, text, position_ms FROM notes ORDER BY call_rowid, id",
            ),
        ):
            for row in self._db.read_tuples(sql):
                grouped[key].setdefault(row[0], []).append(row[1:])
        rows = self._db.read_tuples(
            f"SELECT c.id, {', '.join(_RECORD_COLUMNS.values())} "
            "FROM calls c LEFT JOIN reviews r ON r.call_rowid = c.id "
            "LEFT JOIN recordings rec ON rec.call_rowid = c.id ORDER BY c.started_at DESC, c.id"
        )
        if refs is not None and wanted is not None:
            rows = [r for r in rows if (r[1], r[2]) in wanted]
            if len(rows) < len(wanted):
                found = {(r[1], r[2]) for r in rows}
                absent = [r for r in refs if (r.provider, r.call_id) not in found]
                raise NotInLibraryError(absent[0])
        items, variables, notes = grouped["items"], grouped["vars"], grouped["notes"]
        for r in rows:
            rowid = r[0]
            yield build_record(
                r[1:],
                items.get(rowid, ()),
                variables.get(rowid, ()),
                notes.get(rowid, ()),
            )

    def refs(self) -> list[CallRef]:
        return [CallRef(r[0], r[1]) for r in self._db.read("SELECT provider, call_id FROM calls")]

    def incomplete(self) -> list[tuple[CallRef, str | None]]:
        """Finished calls still lacking transcript, recording or analysis (they arrive late),
        each with the account that fetched it."""
        return [
            (CallRef(r[0], r[1]), r[2])
            for r in self._db.read(
                "SELECT provider, call_id, account FROM calls WHERE missing != '' "
                "ORDER BY started_at DESC"
            )
        ]

    def delete(self, ref: CallRef) -> None:
        """Remove a call, its review state and its recording file.

        Nothing is mapped, so a call whose stored data no longer reads can still go.
        """
        rowid = self._db.rowid(ref)
        rows = self._db.read(
            f"SELECT {RECORDING_COLUMNS} FROM recordings rec WHERE rec.call_rowid = ?", (rowid,)
        )
        recording = self._recordings.file_from_row(rows[0]) if rows else None
        with self._db.write("delete the call from") as db:
            db.execute("DELETE FROM calls_fts WHERE rowid = ?", (rowid,))
            db.execute("DELETE FROM calls WHERE id = ?", (rowid,))
        # The row goes first: a crash in between leaves an orphan file, never a dangling row.
        if recording is not None:
            self._recordings.remove(recording)
        self._recordings.remove_partials(ref)


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _flatten(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _flatten(inner)
    elif value is not None:
        yield str(value)


def _fts_document(call: Call) -> tuple[str, str, str, str, str]:
    transcript = "\n".join(s.text for s in call.segments) or (call.transcript_text or "")
    numbers = []
    for number in (call.from_number, call.to_number):
        if number:
            numbers.append(number)
            digits = re.sub(r"\D", "", number)
            numbers.extend([digits, digits[-10:]])
    analysis = call.analysis
    summary_parts: list[str] = []
    if analysis is not None:
        summary_parts.extend(p for p in (analysis.summary, analysis.outcome) if p)
        summary_parts.extend(f"{i.question} {i.value_text}" for i in analysis.items)
    metadata = " ".join(_flatten(dict(call.metadata)))
    variables = " ".join(f"{v.name} {v.value}" for v in call.variables)
    return (
        transcript,
        " ".join(numbers),
        " ".join(filter(None, (call.agent_id, call.agent_name))),  # found by ID or by name
        f"{metadata} {variables}".strip(),
        "\n".join(summary_parts),
    )
