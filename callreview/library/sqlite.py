"""The SQLite library: WAL + synchronous=FULL, every change in one transaction, FTS5 search."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callreview.domain import Call, CallReviewError, CallStatus, ConfigError, StorageError
from callreview.library.api import (
    CallQuery,
    CallRow,
    Note,
    RecordingFile,
    Review,
    StoredCall,
)
from callreview.library.schema import MIGRATIONS, TIMES_MIGRATION
from callreview.providers.redact import scrub_presigned

log = logging.getLogger(__name__)

DB_NAME = "library.sqlite3"
RECORDINGS_DIR = "recordings"
AUDIO_EXTENSIONS = frozenset({"wav", "mp3", "ogg", "opus", "m4a", "flac", "webm", "aac"})
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# Sort keys → SQL expressions (a closed set: user input never becomes SQL).
_ORDER = {
    "started_at": "c.started_at",
    "status": "c.status",
    "provider": "c.provider",
    "account": "c.account",
    "from_number": "c.from_number",
    "to_number": "c.to_number",
    "agent_id": "c.agent_id",
    "duration_ms": "c.duration_ms",
    "cost": "CAST(c.cost_amount AS REAL)",
    "review": "COALESCE(r.flagged, 0) * 2 + COALESCE(r.reviewed, 0)",
}


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query.

    Quoted text is a phrase; otherwise every word must appear, the last one as a prefix (so
    results follow the typing). Quoting each token keeps FTS5 syntax out of user input.
    """
    text = text.strip()
    if not text:
        return None
    if text.count('"') >= 2:
        phrase = text.split('"')[1].strip()
        rest = " ".join(text.split('"')[2:])
        parts = [f'"{phrase.replace(chr(34), "")}"'] if phrase else []
        extra = fts_query(rest)
        return " ".join([*parts, extra] if extra else parts) or None
    tokens = [t.replace('"', "") for t in text.split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return None
    quoted = [f'"{t}"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


def _storage_error(exc: sqlite3.Error, path: Path, action: str) -> StorageError:
    text = str(exc).lower()
    if "full" in text:
        hint = "The disk is full: free some space and try again. Nothing was changed."
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        hint = f"The library folder {path.parent} is not writable. Check its permissions."
    elif "not a database" in text or "malformed" in text:
        hint = (
            f"The library file {path} is damaged or is not a CallReview library. Move it "
            "aside and CallReview will start a new one."
        )
    elif "locked" in text or "busy" in text:
        hint = "The library is in use by another CallReview process; try again."
    else:
        hint = f"SQLite said: {exc}."
    return StorageError(f"Could not {action} the library. {hint}")


class SqliteLibrary:
    """The library in one SQLite file plus a recordings folder, under the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_NAME
        self._recordings = data_dir / RECORDINGS_DIR
        self._lock = threading.RLock()
        try:
            self._recordings.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Could not create the library folder {self._recordings}: {exc.strerror}. "
                "Check that the data directory is writable."
            ) from exc
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=10
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise _storage_error(exc, self.path, "open") from exc

    # plumbing ---------------------------------------------------------------------------

    @property
    def recordings_dir(self) -> Path:
        return self._recordings

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StorageError(
                f"This library was written by a newer CallReview (schema {version}; this "
                f"version knows {len(MIGRATIONS)}). Update CallReview to open it."
            )
        for step in range(version, len(MIGRATIONS)):
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[step]}\nPRAGMA user_version = {step + 1};\n"
                    "COMMIT;"
                )
            except sqlite3.Error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            log.info("library schema migrated to version %d", step + 1)
            if step + 1 == TIMES_MIGRATION:
                self._backfill_times()

    def _backfill_times(self) -> None:
        """Fill the start and creation times of calls stored before migration 3.

        Only the raw JSON says which of the two a provider gave, so each call is mapped again;
        this runs once, when the library is upgraded. A call that no longer maps keeps
        empty times (its export says "unknown" rather than guessing).
        """
        from callreview.providers.registry import map_raw_call  # schemas load on first use

        rows = self._db.execute(
            "SELECT id, provider, call_id, included, raw_json FROM calls "
            "WHERE call_started_at IS NULL AND created_at IS NULL"
        ).fetchall()
        updates = []
        for rowid, provider, call_id, included, raw_json in rows:
            try:
                call = map_raw_call(
                    provider, json.loads(raw_json), frozenset(filter(None, included.split(",")))
                )
            except (ValueError, CallReviewError):
                log.warning(
                    "call %s:%s: times not filled in (its data no longer maps)", provider, call_id
                )
                continue
            updates.append((_iso(call.started_at), _iso(call.created_at), rowid))
        with self._write("upgrade") as db:
            db.executemany(
                "UPDATE calls SET call_started_at = ?, created_at = ? WHERE id = ?", updates
            )

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    # SQLite has already rolled back after some errors (e.g. a full disk).
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise _storage_error(exc, self.path, action) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cur = self._db.execute(sql, params)
                cur.row_factory = sqlite3.Row
                return cur.fetchall()
            except sqlite3.Error as exc:
                raise _storage_error(exc, self.path, "read") from exc

    def integrity_check(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

    def _rowid(self, provider: str, call_id: str) -> int:
        rows = self._read(
            "SELECT id FROM calls WHERE provider = ? AND call_id = ?", (provider, call_id)
        )
        if not rows:
            raise ConfigError(f"The library has no call {provider}:{call_id}.")
        return int(rows[0][0])

    # calls ------------------------------------------------------------------------------

    def save_call(self, call: Call, account: str | None) -> StoredCall:
        """Insert or update a call; review state, notes and the recording file are kept."""
        with self._write("save a call to") as db:
            self._save(db, call, account, _now())
        stored = self.get(call.provider, call.call_id)
        assert stored is not None
        return stored

    def save_calls(self, calls: Sequence[Call], account: str | None) -> int:
        """Save many calls in one transaction (bulk imports: one fsync, not one per call)."""
        now = _now()
        with self._write("save calls to") as db:
            for call in calls:
                self._save(db, call, account, now)
        return len(calls)

    def _save(self, db: sqlite3.Connection, call: Call, account: str | None, now: str) -> None:
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
            "started_at": _iso(sort_time),
            "call_started_at": _iso(call.started_at),
            "created_at": _iso(call.created_at),
            "ended_at": _iso(call.ended_at),
            "duration_ms": call.duration_ms,
            "cost_amount": str(call.cost.amount) if call.cost else None,
            "cost_currency": call.cost.currency if call.cost else None,
            "answered_by": call.answered_by,
            "segment_count": len(call.segments),
            "summary": analysis.summary if analysis else None,
            "included": ",".join(sorted(call.included)),
            "missing": ",".join(sorted(call.missing_parts)),
            "raw_json": json.dumps(
                scrub_presigned(dict(call.raw)), ensure_ascii=False, separators=(",", ":")
            ),
            "fetched_at": now,
            "updated_at": now,
            "metadata_json": json.dumps(dict(call.metadata), ensure_ascii=False),
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
                        json.dumps(i.value, ensure_ascii=False),
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
                    json.dumps(v.value, ensure_ascii=False),
                    _iso(v.at),
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

    def get(self, provider: str, call_id: str) -> StoredCall | None:
        rows = self._read(
            "SELECT c.id, c.account, c.fetched_at, c.included, c.raw_json, "
            "r.reviewed, r.flagged, r.sync_offset_ms, "
            "rec.file, rec.size, rec.sha256, rec.content_type, rec.duration_ms, rec.downloaded_at "
            "FROM calls c LEFT JOIN reviews r ON r.call_rowid = c.id "
            "LEFT JOIN recordings rec ON rec.call_rowid = c.id "
            "WHERE c.provider = ? AND c.call_id = ?",
            (provider, call_id),
        )
        if not rows:
            return None
        row = rows[0]
        from callreview.providers.registry import map_raw_call  # schemas load on first use

        try:
            raw = json.loads(row["raw_json"])
            included = frozenset(filter(None, row["included"].split(",")))
            call = map_raw_call(provider, raw, included)
        except (ValueError, CallReviewError) as exc:
            raise StorageError(
                f"The stored data of call {provider}:{call_id} can no longer be read ({exc}). "
                "Refresh the call to fetch it again."
            ) from exc
        notes = tuple(
            Note(n["id"], n["text"], n["position_ms"], datetime.fromisoformat(n["created_at"]))
            for n in self._read(
                "SELECT id, text, position_ms, created_at FROM notes WHERE call_rowid = ? "
                "ORDER BY id",
                (row["id"],),
            )
        )
        review = Review(
            reviewed=bool(row["reviewed"]),
            flagged=bool(row["flagged"]),
            sync_offset_ms=row["sync_offset_ms"] or 0,
            notes=notes,
        )
        recording = None
        if row["file"]:
            recording = RecordingFile(
                path=self._recordings / row["file"],
                size=row["size"],
                sha256=row["sha256"],
                content_type=row["content_type"],
                duration_ms=row["duration_ms"],
                downloaded_at=_dt(row["downloaded_at"]),
            )
        fetched = datetime.fromisoformat(row["fetched_at"])
        return StoredCall(call, row["account"], fetched, review, recording)

    def resolve(self, ref: str) -> tuple[str, str]:
        """`PROVIDER:CALL_ID` or a bare `CALL_ID` (an error listing the choices if ambiguous)."""
        provider, sep, call_id = ref.partition(":")
        if sep and provider in ("ringyo", "rounded"):
            self._rowid(provider, call_id)
            return provider, call_id
        rows = self._read("SELECT provider, call_id FROM calls WHERE call_id = ?", (ref,))
        if not rows:
            raise ConfigError(f"The library has no call {ref!r}. See 'callreview calls list'.")
        if len(rows) > 1:
            choices = ", ".join(f"{r[0]}:{r[1]}" for r in rows)
            raise ConfigError(f"{ref!r} is ambiguous; say which one: {choices}.")
        return rows[0][0], rows[0][1]

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
            params.append(_iso(q.since))
        if q.until:
            clauses.append("c.started_at < ?")
            params.append(_iso(q.until))
        if q.reviewed is not None:
            clauses.append("COALESCE(r.reviewed, 0) = ?")
            params.append(int(q.reviewed))
        if q.flagged is not None:
            clauses.append("COALESCE(r.flagged, 0) = ?")
            params.append(int(q.flagged))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return where, params

    def query(self, query: CallQuery) -> list[CallRow]:
        where, params = self._where(query)
        column = _ORDER.get(query.order_by, "c.started_at")
        direction = "DESC" if query.descending else "ASC"
        rows = self._read(
            "SELECT c.provider, c.call_id, c.account, c.status, c.status_raw, c.direction, "
            "c.from_number, c.to_number, c.agent_id, c.started_at, c.duration_ms, "
            "c.cost_amount, c.cost_currency, c.segment_count, c.missing, "
            "COALESCE(r.reviewed, 0), COALESCE(r.flagged, 0), rec.call_rowid IS NOT NULL "
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
                    started_at=_dt(r[9]),
                    duration_ms=r[10],
                    cost=cost,
                    segment_count=r[13],
                    missing=frozenset(filter(None, (r[14] or "").split(","))),
                    reviewed=bool(r[15]),
                    flagged=bool(r[16]),
                    has_recording=bool(r[17]),
                )
            )
        return out

    def count(self, query: CallQuery) -> int:
        where, params = self._where(query)
        rows = self._read(
            f"SELECT COUNT(*) FROM calls c LEFT JOIN reviews r ON r.call_rowid = c.id {where}",
            params,
        )
        return int(rows[0][0])

    def iter_records(
        self, refs: Sequence[tuple[str, str]] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Flat export records (normalized columns, review, items, variables, metadata),
        read straight from the tables: fast enough for a whole large library."""
        wanted: set[tuple[str, str]] | None = set(refs) if refs is not None else None
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
            for row in self._read(sql):
                grouped[key].setdefault(row[0], []).append(tuple(row)[1:])
        rows = self._read(
            "SELECT c.id, c.provider, c.call_id, c.account, c.status, c.status_raw, "
            "c.direction, c.from_number, c.to_number, c.agent_id, c.started_at, c.ended_at, "
            "c.duration_ms, c.cost_amount, c.cost_currency, c.answered_by, c.segment_count, "
            "c.summary, c.missing, c.metadata_json, c.fetched_at, "
            "COALESCE(r.reviewed, 0), COALESCE(r.flagged, 0), rec.call_rowid IS NOT NULL, "
            "c.call_started_at, c.created_at "
            "FROM calls c LEFT JOIN reviews r ON r.call_rowid = c.id "
            "LEFT JOIN recordings rec ON rec.call_rowid = c.id ORDER BY c.started_at DESC, c.id"
        )
        for r in rows:
            if wanted is not None and (r[1], r[2]) not in wanted:
                continue
            yield {
                "provider": r[1],
                "call_id": r[2],
                "account": r[3],
                "status": r[4],
                "status_raw": r[5],
                "direction": r[6],
                "from_number": r[7],
                "to_number": r[8],
                "agent_id": r[9],
                # When the call started (not the sort key, which falls back to creation)
                "started_at": r[24],
                "created_at": r[25],
                "ended_at": r[11],
                "duration_ms": r[12],
                "cost_amount": r[13],
                "cost_currency": r[14],
                "answered_by": r[15],
                "segment_count": r[16],
                "summary": r[17],
                "missing": r[18],
                "metadata": json.loads(r[19]) if r[19] else {},
                "fetched_at": r[20],
                "reviewed": bool(r[21]),
                "flagged": bool(r[22]),
                "recording_downloaded": bool(r[23]),
                "items": grouped["items"].get(r[0], []),
                "variables": grouped["vars"].get(r[0], []),
                "notes": grouped["notes"].get(r[0], []),
            }

    def refs(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._read("SELECT provider, call_id FROM calls")]

    def incomplete(self) -> list[tuple[str, str, str | None]]:
        """Finished calls still lacking transcript, recording or analysis (they arrive late)."""
        return [
            (r[0], r[1], r[2])
            for r in self._read(
                "SELECT provider, call_id, account FROM calls WHERE missing != '' "
                "ORDER BY started_at DESC"
            )
        ]

    # review state -----------------------------------------------------------------------

    def set_review(
        self,
        provider: str,
        call_id: str,
        *,
        reviewed: bool | None = None,
        flagged: bool | None = None,
        sync_offset_ms: int | None = None,
    ) -> Review:
        rowid = self._rowid(provider, call_id)
        with self._write("save the review state in") as db:
            db.execute(
                "INSERT INTO reviews (call_rowid, updated_at) VALUES (?, ?) "
                "ON CONFLICT (call_rowid) DO NOTHING",
                (rowid, _now()),
            )
            for column, value in (
                ("reviewed", reviewed),
                ("flagged", flagged),
                ("sync_offset_ms", sync_offset_ms),
            ):
                if value is not None:
                    db.execute(
                        f"UPDATE reviews SET {column} = ?, updated_at = ? WHERE call_rowid = ?",
                        (int(value), _now(), rowid),
                    )
        stored = self.get(provider, call_id)
        assert stored is not None
        return stored.review

    def add_note(
        self, provider: str, call_id: str, text: str, position_ms: int | None = None
    ) -> Note:
        if not text.strip():
            raise ConfigError("A note needs some text.")
        rowid = self._rowid(provider, call_id)
        created = _now()
        with self._write("save the note in") as db:
            note_id = db.execute(
                "INSERT INTO notes (call_rowid, text, position_ms, created_at) VALUES (?, ?, ?, ?)",
                (rowid, text, position_ms, created),
            ).lastrowid
        assert note_id is not None
        return Note(note_id, text, position_ms, datetime.fromisoformat(created))

    def delete_note(self, note_id: int) -> None:
        with self._write("delete the note from") as db:
            db.execute("DELETE FROM notes WHERE id = ?", (note_id,))

    # recordings -------------------------------------------------------------------------

    def recording_path(self, provider: str, call_id: str, extension: str) -> Path:
        """The file name comes from the provider and call ID only, never from the server."""
        ext = extension.lower().lstrip(".")
        if ext not in AUDIO_EXTENSIONS:
            ext = "audio"
        if _SAFE_NAME.match(call_id) and ".." not in call_id:
            stem = call_id
        else:
            stem = hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:32]
        if provider not in ("ringyo", "rounded"):
            raise ConfigError(f"Unknown provider {provider!r}.")
        path = (self._recordings / f"{provider}_{stem}.{ext}").resolve()
        if path.parent != self._recordings.resolve():
            raise ConfigError(f"Refusing a recording path outside the library: {path}")
        return path

    def set_recording(self, provider: str, call_id: str, recording: RecordingFile) -> None:
        """Record a downloaded file (already complete, fsynced and in place)."""
        rowid = self._rowid(provider, call_id)
        rel = recording.path.resolve().relative_to(self._recordings.resolve())
        with self._write("record the recording in") as db:
            db.execute(
                "INSERT INTO recordings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_rowid) "
                "DO UPDATE SET file = excluded.file, size = excluded.size, "
                "sha256 = excluded.sha256, content_type = excluded.content_type, "
                "duration_ms = excluded.duration_ms, downloaded_at = excluded.downloaded_at",
                (
                    rowid,
                    str(rel),
                    recording.size,
                    recording.sha256,
                    recording.content_type,
                    recording.duration_ms,
                    _iso(recording.downloaded_at) or _now(),
                ),
            )
            # A call whose recording arrived is no longer missing it.
            db.execute(
                "UPDATE calls SET missing = TRIM(REPLACE(REPLACE(missing, 'recording', ''), "
                "',,', ','), ',') WHERE id = ?",
                (rowid,),
            )

    def delete(self, provider: str, call_id: str) -> None:
        """Remove a call, its review state and its recording file."""
        stored = self.get(provider, call_id)
        if stored is None:
            raise ConfigError(f"The library has no call {provider}:{call_id}.")
        rowid = self._rowid(provider, call_id)
        with self._write("delete the call from") as db:
            db.execute("DELETE FROM calls_fts WHERE rowid = ?", (rowid,))
            db.execute("DELETE FROM calls WHERE id = ?", (rowid,))
        # The row goes first: a crash in between leaves an orphan file, never a dangling row.
        if stored.recording is not None:
            try:
                stored.recording.path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove %s: %s", stored.recording.path, exc)


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
        call.agent_id or "",
        f"{metadata} {variables}".strip(),
        "\n".join(summary_parts),
    )
