"""The reviewer's state of each call: reviewed, flagged, the sync offset, and notes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from callreview.domain import CallRef, ConfigError, Note, Review
from callreview.domain.records import iso_ms
from callreview.domain.stored import clean_author
from callreview.library.api import ImportNote
from callreview.library.connection import Database, now


class Reviews:
    """The `reviews` and `notes` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self, rowid: int) -> Review:
        """The review state of the call in row `rowid` (the defaults if never reviewed)."""
        rows = self._db.read(
            "SELECT reviewed, flagged, sync_offset_ms FROM reviews WHERE call_rowid = ?",
            (rowid,),
        )
        notes = tuple(
            Note(
                n["id"],
                n["text"],
                n["position_ms"],
                datetime.fromisoformat(n["created_at"]),
                n["author"],
            )
            for n in self._db.read(
                "SELECT id, text, position_ms, created_at, author FROM notes "
                "WHERE call_rowid = ? ORDER BY id",
                (rowid,),
            )
        )
        if not rows:
            return Review(notes=notes)
        row = rows[0]
        return Review(
            reviewed=bool(row["reviewed"]),
            flagged=bool(row["flagged"]),
            sync_offset_ms=row["sync_offset_ms"] or 0,
            notes=notes,
        )

    def set(
        self,
        ref: CallRef,
        *,
        reviewed: bool | None = None,
        flagged: bool | None = None,
        sync_offset_ms: int | None = None,
    ) -> Review:
        """Change what is given, keep the rest; returns the whole review state."""
        rowid = self._db.rowid(ref)
        with self._db.write("save the review state in") as db:
            db.execute(
                "INSERT INTO reviews (call_rowid, updated_at) VALUES (?, ?) "
                "ON CONFLICT (call_rowid) DO NOTHING",
                (rowid, now()),
            )
            for column, value in (
                ("reviewed", reviewed),
                ("flagged", flagged),
                ("sync_offset_ms", sync_offset_ms),
            ):
                if value is not None:
                    db.execute(
                        f"UPDATE reviews SET {column} = ?, updated_at = ? WHERE call_rowid = ?",
                        (int(value), now(), rowid),
                    )
        return self.load(rowid)

    def add_note(
        self, ref: CallRef, text: str, position_ms: int | None = None, author: str | None = None
    ) -> Note:
        if not text.strip():
            raise ConfigError("A note needs some text.")
        author = clean_author(author) if author is not None else None
        rowid = self._db.rowid(ref)
        created = now()
        with self._db.write("save the note in") as db:
            note_id = db.execute(
                "INSERT INTO notes (call_rowid, text, position_ms, created_at, author) "
                "VALUES (?, ?, ?, ?, ?)",
                (rowid, text, position_ms, created, author),
            ).lastrowid
        assert note_id is not None
        return Note(note_id, text, position_ms, datetime.fromisoformat(created), author)

    def delete_note(self, note_id: int) -> None:
        with self._db.write("delete the note from") as db:
            db.execute("DELETE FROM notes WHERE id = ?", (note_id,))

    @staticmethod
    def merge(
        db: sqlite3.Connection,
        rowid: int,
        *,
        reviewed: bool,
        flagged: bool,
        sync_offset_ms: int | None,
        notes: Sequence[ImportNote],
    ) -> None:
        """The bundle merge rule, inside the caller's transaction: set reviewed and flagged
        when True, the offset when given, add the notes not present (`ImportNote`); a value
        already as asked is not written again, so a second merge changes nothing."""
        wanted = {"reviewed": 1 if reviewed else None, "flagged": 1 if flagged else None}
        wanted["sync_offset_ms"] = sync_offset_ms
        changes = {k: v for k, v in wanted.items() if v is not None}
        if changes:
            moment = now()
            db.execute(
                "INSERT INTO reviews (call_rowid, updated_at) VALUES (?, ?) "
                "ON CONFLICT (call_rowid) DO NOTHING",
                (rowid, moment),
            )
            for column, value in changes.items():
                db.execute(
                    f"UPDATE reviews SET {column} = ?, updated_at = ? "
                    f"WHERE call_rowid = ? AND {column} IS NOT ?",
                    (value, moment, rowid, value),
                )
        # The author is part of a note's identity: two reviewers writing the same words at
        # the same moment wrote two notes.
        exact: set[tuple[str, int | None, str | None, datetime]] = set()
        loose: set[tuple[str, int | None, str | None]] = set()
        for text, position, author, created in db.execute(
            "SELECT text, position_ms, author, created_at FROM notes WHERE call_rowid = ?",
            (rowid,),
        ).fetchall():
            loose.add((text, position, author))
            exact.add((text, position, author, _aware(datetime.fromisoformat(created))))
        for note in notes:
            key = (note.text, note.position_ms, note.author)
            created_at = _aware(note.created_at) if note.created_at else None
            if (key in loose) if created_at is None else ((*key, created_at) in exact):
                continue
            db.execute(
                "INSERT INTO notes (call_rowid, text, position_ms, created_at, author) "
                "VALUES (?, ?, ?, ?, ?)",
                (rowid, note.text, note.position_ms, iso_ms(created_at) or now(), note.author),
            )
            loose.add(key)
            if created_at is not None:
                exact.add((*key, created_at))


def _aware(moment: datetime) -> datetime:
    """Times without a zone are UTC, as the library writes them; to the millisecond."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
