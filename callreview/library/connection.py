"""The SQLite connection the library's parts share: one lock, every write in one transaction,
SQLite's errors turned into StorageErrors a person can act on."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callreview.domain import CallRef, NotInLibraryError, StorageError
from callreview.paths import private_opener, tighten_mode


def now() -> str:
    """The current moment in the library's spelling (ISO 8601, UTC, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def make_private(path: Path) -> None:
    """Create the library file 0600 before SQLite opens it (its -wal and -shm files take the
    database's mode); an existing one of ours, and its -wal and -shm, are made 0600 too."""
    with contextlib.suppress(OSError):  # unwritable: SQLite says so, in its own words
        os.close(private_opener(path, os.O_RDWR | os.O_CREAT))
    for suffix in ("-wal", "-shm", "-journal"):
        tighten_mode(path.with_name(path.name + suffix))


def storage_error(exc: sqlite3.Error, path: Path, action: str) -> StorageError:
    """What went wrong, in words, and what to do about it."""
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


# Python-side failures of binding a value to SQLite: a number beyond 64 bits, text with a
# lone surrogate, data nested too deep to serialize. The data is at fault, not the library.
UNSTORABLE = (OverflowError, UnicodeError, RecursionError)


def unstorable_error(exc: Exception, action: str) -> StorageError:
    if isinstance(exc, OverflowError):
        what = "a number too large to store (SQLite keeps 64-bit integers)"
    elif isinstance(exc, UnicodeError):
        what = "text that is not valid Unicode (a lone surrogate)"
    else:
        what = "data nested too deep"
    done = "" if action == "read" else " Nothing was changed."
    return StorageError(f"Could not {action} the library: the data contains {what}.{done}")


class Database:
    """One SQLite file in WAL mode with synchronous=FULL, shared by worker threads.

    The connection is used under one re-entrant lock; writes are `BEGIN IMMEDIATE` …
    `COMMIT`, rolled back on any error, so a crash leaves the file before or after a change.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        make_private(path)
        try:
            self.conn = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=10
            )
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise storage_error(exc, path, "open") from exc

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def write(self, action: str) -> Iterator[sqlite3.Connection]:
        """One transaction; `action` completes "Could not … the library" if it fails."""
        with self.lock:
            db = self.conn
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    # SQLite has already rolled back after some errors (e.g. a full disk).
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise storage_error(exc, self.path, action) from exc
            except UNSTORABLE as exc:  # rolled back above
                raise unstorable_error(exc, action) from exc

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows that can be read by index or by column name."""
        with self.lock:
            try:
                cur = self.conn.execute(sql, params)
                cur.row_factory = sqlite3.Row
                return cur.fetchall()
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path, "read") from exc
            except UNSTORABLE as exc:
                raise unstorable_error(exc, "read") from exc

    def read_tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Plain tuples: for the bulk reads where a Row per line would cost time."""
        with self.lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise storage_error(exc, self.path, "read") from exc
            except UNSTORABLE as exc:
                raise unstorable_error(exc, "read") from exc

    def rowid(self, ref: CallRef) -> int:
        """The row of a stored call; NotInLibraryError if there is none."""
        rows = self.read(
            "SELECT id FROM calls WHERE provider = ? AND call_id = ?", (ref.provider, ref.call_id)
        )
        if not rows:
            raise NotInLibraryError(ref)
        return int(rows[0][0])
