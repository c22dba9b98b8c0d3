"""Tagged moments in the library: the team's tag list and the tags on each call."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from callreview.domain import CallRef
from callreview.domain.records import iso_ms
from callreview.domain.stored import clean_author
from callreview.domain.tags import Tag, check_tag_span, clean_tag_comment, clean_tag_name
from callreview.library.api import ImportTag
from callreview.library.connection import Database, now

_SELECT = (
    "SELECT ct.id, t.name, ct.start_ms, ct.end_ms, ct.comment, ct.author, ct.created_at "
    "FROM call_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.call_rowid = ? "
)


class Tags:
    """The `tags` and `call_tags` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def names(self) -> list[str]:
        """The tag list, in alphabetical order (case-insensitive)."""
        return [r[0] for r in self._db.read_tuples("SELECT name FROM tags ORDER BY name")]

    def add(
        self,
        ref: CallRef,
        name: str,
        start_ms: int | None,
        end_ms: int | None,
        comment: str | None,
        author: str | None,
    ) -> Tag:
        """Tag a span of the call; a name not in the tag list joins it (same transaction)."""
        name = clean_tag_name(name)
        start_ms, end_ms = check_tag_span(start_ms, end_ms)
        comment = clean_tag_comment(comment)
        author = clean_author(author) if author is not None else None
        rowid = self._db.rowid(ref)
        created = now()
        with self._db.write("save the tag in") as db:
            tag_id = self._tag_id(db, name)
            row_id = db.execute(
                "INSERT INTO call_tags (call_rowid, tag_id, start_ms, end_ms, comment, author, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rowid, tag_id, start_ms, end_ms, comment, author, created),
            ).lastrowid
            # The list's spelling wins ("Long silence" typed as "long silence").
            shown = db.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0]
        assert row_id is not None
        return Tag(
            row_id, ref, shown, start_ms, end_ms, comment, author, datetime.fromisoformat(created)
        )

    def of_call(self, ref: CallRef) -> list[Tag]:
        """The call's tags by start (whole-call tags first), then in the order they were added."""
        rowid = self._db.rowid(ref)
        return [
            _tag(ref, row)
            for row in self._db.read_tuples(
                _SELECT + "ORDER BY ct.start_ms IS NOT NULL, ct.start_ms, ct.end_ms, ct.id",
                (rowid,),
            )
        ]

    def delete(self, tag_id: int) -> None:
        """Remove one tagged moment (the name stays in the tag list)."""
        with self._db.write("delete the tag from") as db:
            db.execute("DELETE FROM call_tags WHERE id = ?", (tag_id,))

    @staticmethod
    def _tag_id(db: sqlite3.Connection, name: str) -> int:
        db.execute("INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
        return int(db.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0])

    @staticmethod
    def merge(db: sqlite3.Connection, rowid: int, tags: Sequence[ImportTag]) -> None:
        """Add the imported tags the call lacks, inside the caller's transaction (the bundle
        merge rule): a second merge of the same tags changes nothing."""
        if not tags:
            return
        present = {
            (name.casefold(), start, end, author, _aware(datetime.fromisoformat(created)))
            for name, start, end, author, created in db.execute(
                "SELECT t.name, ct.start_ms, ct.end_ms, ct.author, ct.created_at FROM call_tags ct "
                "JOIN tags t ON t.id = ct.tag_id WHERE ct.call_rowid = ?",
                (rowid,),
            ).fetchall()
        }
        for tag in tags:
            created = _aware(tag.created_at)
            key = (tag.name.casefold(), tag.start_ms, tag.end_ms, tag.author, created)
            if key in present:
                continue
            db.execute(
                "INSERT INTO call_tags (call_rowid, tag_id, start_ms, end_ms, comment, author, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    rowid,
                    Tags._tag_id(db, tag.name),
                    tag.start_ms,
                    tag.end_ms,
                    tag.comment,
                    tag.author,
                    iso_ms(created),
                ),
            )
            present.add(key)


def _tag(ref: CallRef, row: tuple[object, ...]) -> Tag:
    tag_id, name, start, end, comment, author, created = row
    assert isinstance(tag_id, int) and isinstance(name, str) and isinstance(created, str)
    return Tag(
        tag_id,
        ref,
        name,
        start if isinstance(start, int) else None,
        end if isinstance(end, int) else None,
        comment if isinstance(comment, str) else None,
        author if isinstance(author, str) else None,
        datetime.fromisoformat(created),
    )


def _aware(moment: datetime) -> datetime:
    """Times without a zone are UTC, as the library writes them; to the millisecond."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
