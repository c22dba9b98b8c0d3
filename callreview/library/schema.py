"""The library's SQLite schema as ordered migrations (`PRAGMA user_version` is the step count),
and the upgrade that runs them, filling in what a migration cannot derive in SQL."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator

from callreview.domain import CallReviewError, StorageError
from callreview.domain.records import iso_ms
from callreview.library.api import RawMapper
from callreview.library.connection import Database

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: calls, their parts, recordings, review state, full-text index.
    """
    CREATE TABLE calls (
        id              INTEGER PRIMARY KEY,
        provider        TEXT NOT NULL,
        call_id         TEXT NOT NULL,
        account         TEXT,
        status          TEXT NOT NULL,
        status_raw      TEXT,
        direction       TEXT NOT NULL,
        from_number     TEXT,
        to_number       TEXT,
        agent_id        TEXT,
        started_at      TEXT,            -- ISO UTC; started_at, else created_at (sort key)
        ended_at        TEXT,
        duration_ms     INTEGER,
        cost_amount     TEXT,
        cost_currency   TEXT,
        answered_by     TEXT,
        segment_count   INTEGER NOT NULL DEFAULT 0,
        summary         TEXT,
        included        TEXT NOT NULL DEFAULT '',   -- parts asked for, comma separated
        missing         TEXT NOT NULL DEFAULT '',   -- parts a finished call still lacks
        raw_json        TEXT NOT NULL,
        fetched_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        UNIQUE (provider, call_id)
    );
    CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
    CREATE INDEX calls_status ON calls (status, started_at DESC);
    CREATE INDEX calls_provider ON calls (provider, started_at DESC);
    CREATE INDEX calls_account ON calls (account, started_at DESC);
    CREATE INDEX calls_call_id ON calls (call_id);

    CREATE TABLE segments (
        call_rowid  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        idx         INTEGER NOT NULL,
        role        TEXT NOT NULL,
        role_raw    TEXT,
        start_ms    INTEGER NOT NULL,
        end_ms      INTEGER,
        text        TEXT NOT NULL,
        PRIMARY KEY (call_rowid, idx)
    ) WITHOUT ROWID;

    CREATE TABLE analysis_items (
        call_rowid  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        pos         INTEGER NOT NULL,
        key         TEXT NOT NULL,
        question    TEXT NOT NULL,
        qtype       TEXT NOT NULL,
        answered    INTEGER NOT NULL,
        value_json  TEXT,
        PRIMARY KEY (call_rowid, pos)
    ) WITHOUT ROWID;

    CREATE TABLE variables (
        call_rowid  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        pos         INTEGER NOT NULL,
        name        TEXT NOT NULL,
        type        TEXT,
        value_json  TEXT,
        at          TEXT,
        at_ms       INTEGER,
        PRIMARY KEY (call_rowid, pos)
    ) WITHOUT ROWID;

    CREATE TABLE recordings (
        call_rowid    INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
        file          TEXT NOT NULL,      -- relative to the recordings directory
        size          INTEGER NOT NULL,
        sha256        TEXT NOT NULL,
        content_type  TEXT,
        duration_ms   INTEGER,
        downloaded_at TEXT NOT NULL
    );

    CREATE TABLE reviews (
        call_rowid      INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
        reviewed        INTEGER NOT NULL DEFAULT 0,
        flagged         INTEGER NOT NULL DEFAULT 0,
        sync_offset_ms  INTEGER NOT NULL DEFAULT 0,
        updated_at      TEXT NOT NULL
    );

    CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        call_rowid  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        text        TEXT NOT NULL,
        position_ms INTEGER,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX notes_call ON notes (call_rowid);

    CREATE VIRTUAL TABLE calls_fts USING fts5 (
        transcript, numbers, agent, metadata, summary,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    """,
    # 2: metadata beside the raw JSON, so exports of large libraries need not parse it.
    """
    ALTER TABLE calls ADD COLUMN metadata_json TEXT;
    UPDATE calls SET metadata_json = json_extract(raw_json, '$.metadata');
    """,
    # 3: the call's own start and creation times beside the sort key (`started_at` holds
    # the start, else the creation time), so exports can say which is which. Rows stored
    # before are filled in from their raw JSON right after (_backfill_times).
    """
    ALTER TABLE calls ADD COLUMN call_started_at TEXT;
    ALTER TABLE calls ADD COLUMN created_at TEXT;
    """,
    # 4: the agent's name where the provider gives one (the list shows it instead of an ID),
    # and each note's author (the reviewer's name; notes written before say nothing).
    """
    ALTER TABLE calls ADD COLUMN agent_name TEXT;
    ALTER TABLE notes ADD COLUMN author TEXT;
    """,
    # 5: the QA loop: scorecard templates (the imported TOML kept verbatim, one row per
    # version), scorecards filled in for a call (a newer card of the same call, template and
    # author replaces the older, which stays as history), and tagged moments.
    """
    CREATE TABLE scorecards (
        name         TEXT NOT NULL,
        version      INTEGER NOT NULL,
        source       TEXT NOT NULL,
        imported_at  TEXT NOT NULL,
        PRIMARY KEY (name, version)
    ) WITHOUT ROWID;

    CREATE TABLE scores (
        id             INTEGER PRIMARY KEY,
        call_rowid     INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        scorecard      TEXT NOT NULL,
        version        INTEGER NOT NULL,
        author         TEXT NOT NULL,             -- the reviewer who filled it in
        answers_json   TEXT NOT NULL,             -- {criterion id: answer}, "na" for N/A
        comments_json  TEXT NOT NULL DEFAULT '{}',
        evidence_json  TEXT NOT NULL DEFAULT '{}', -- {criterion id: [position ms, ...]}
        score          REAL,                      -- null: no weighted answer
        result         TEXT NOT NULL,             -- pass | fail | n/a
        draft          INTEGER NOT NULL,
        scored_at      TEXT NOT NULL,
        replaced_by    INTEGER REFERENCES scores (id),
        FOREIGN KEY (scorecard, version) REFERENCES scorecards (name, version)
    );
    CREATE INDEX scores_call ON scores (call_rowid, scorecard, author);
    CREATE INDEX scores_current ON scores (scorecard, scored_at) WHERE replaced_by IS NULL;

    CREATE TABLE tags (
        id    INTEGER PRIMARY KEY,
        name  TEXT NOT NULL UNIQUE COLLATE NOCASE
    );
    CREATE TABLE call_tags (
        id          INTEGER PRIMARY KEY,
        call_rowid  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        tag_id      INTEGER NOT NULL REFERENCES tags (id),
        start_ms    INTEGER,
        end_ms      INTEGER,
        comment     TEXT,
        author      TEXT,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX call_tags_call ON call_tags (call_rowid);
    CREATE INDEX call_tags_tag ON call_tags (tag_id, call_rowid);
    """,
)
# The migration after which call_started_at and created_at are filled in.
TIMES_MIGRATION = 3


def migrate(db: Database, mapper: RawMapper) -> None:
    """Bring the library's schema up to this version, all steps in one exclusive transaction.

    Two processes may open a new library at the same moment (a window and a command line):
    the version is read again once the write lock is held, so the second one finds the work
    done instead of failing on "table calls already exists". A library written by a newer
    CallReview is refused rather than guessed at.
    """
    conn = db.conn
    with db.lock:
        if _version(conn) == len(MIGRATIONS):
            return  # the usual case: no write lock taken at all
        conn.execute("BEGIN EXCLUSIVE")
        try:
            version = _version(conn)
            for step in range(version, len(MIGRATIONS)):
                for statement in _statements(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
                if step + 1 == TIMES_MIGRATION:
                    _backfill_times(conn, mapper)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if version < len(MIGRATIONS):
            log.info("library schema migrated from version %d to %d", version, len(MIGRATIONS))


def _version(conn: sqlite3.Connection) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise StorageError(
            f"This library was written by a newer CallReview (schema {version}; this "
            f"version knows {len(MIGRATIONS)}). Update CallReview to open it."
        )
    return version


def _statements(script: str) -> Iterator[str]:
    """A migration's statements one by one (`executescript` would commit the transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete statement in a migration: {pending.strip()[:60]}")


def _backfill_times(conn: sqlite3.Connection, mapper: RawMapper) -> None:
    """Fill the start and creation times of calls stored before migration 3.

    Only the raw JSON says which of the two a provider gave, so each call is mapped again;
    this runs once, when the library is upgraded. A call that no longer maps keeps
    empty times (its export says "unknown" rather than guessing).
    """
    rows = conn.execute(
        "SELECT id, provider, call_id, included, raw_json FROM calls "
        "WHERE call_started_at IS NULL AND created_at IS NULL"
    ).fetchall()
    updates = []
    for rowid, provider, call_id, included, raw_json in rows:
        try:
            call = mapper(
                provider, json.loads(raw_json), frozenset(filter(None, included.split(",")))
            )
        except (ValueError, CallReviewError):
            log.warning(
                "call %s:%s: times not filled in (its data no longer maps)", provider, call_id
            )
            continue
        updates.append((iso_ms(call.started_at), iso_ms(call.created_at), rowid))
    conn.executemany("UPDATE calls SET call_started_at = ?, created_at = ? WHERE id = ?", updates)
