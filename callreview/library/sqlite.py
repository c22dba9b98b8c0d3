"""The SQLite library: one file (WAL, synchronous=FULL, every change in one transaction) and a
recordings folder, composed of its parts: schema.py, calls.py, review.py, recordings.py."""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from callreview.domain import (
    Call,
    CallQuery,
    CallRef,
    CallRow,
    Note,
    RecordingFile,
    Review,
    Segment,
    StorageError,
    StoredCall,
)
from callreview.domain.records import CallRecord
from callreview.domain.reports import Report, ReportQuery
from callreview.domain.scorecard import AnswerValue, Template
from callreview.domain.scores import ScoreFilter, StoredScore
from callreview.domain.tags import Tag
from callreview.library.api import ImportCall, ImportCounts, RawMapper
from callreview.library.calls import Calls, fts_query
from callreview.library.connection import Database, storage_error
from callreview.library.locks import FileLock
from callreview.library.recordings import RECORDINGS_DIR, Recordings
from callreview.library.reports import report
from callreview.library.review import Reviews
from callreview.library.schema import migrate
from callreview.library.scores import Scores
from callreview.library.tags import Tags
from callreview.paths import ensure_data_dir, ensure_private_dir

__all__ = ["DB_NAME", "RECORDINGS_DIR", "SqliteLibrary", "fts_query"]

DB_NAME = "library.sqlite3"
OPEN_LOCK_NAME = "library.lock"
OPEN_WAIT_SECONDS = 60


class SqliteLibrary:
    """The library in one SQLite file plus a recordings folder, under the data directory.

    `mapper` re-derives a call from its stored raw JSON (every read maps again, so a newer
    mapping needs no refetch); the composition root passes the providers' registry function,
    `callreview.providers.registry.map_raw_call`.
    """

    def __init__(self, data_dir: Path, mapper: RawMapper) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_NAME
        folder = data_dir / RECORDINGS_DIR
        try:
            # Private by default: the data folder and recordings/ 0700, the files in them 0600.
            ensure_data_dir(data_dir)
            ensure_private_dir(folder)
        except OSError as exc:
            raise StorageError(
                f"Could not create the library folder {folder}: {exc.strerror or exc}. "
                "Check that the data directory is writable."
            ) from exc
        # Opening is serialised between processes: SQLite answers "busy" at once, without
        # waiting, when two connections switch a new file to WAL or migrate it together.
        with _opening_lock(data_dir):
            self._database = Database(self.path)
            try:
                migrate(self._database, mapper)
            except sqlite3.Error as exc:
                self._database.close()
                raise storage_error(exc, self.path, "open") from exc
            except BaseException:
                self._database.close()
                raise
            self._recordings = Recordings(self._database, folder)
            # Leftovers of downloads that were interrupted and are no longer needed.
            self._recordings.sweep()
        self._reviews = Reviews(self._database)
        self._calls = Calls(self._database, mapper, self._reviews, self._recordings)

    # plumbing ---------------------------------------------------------------------------

    @property
    def recordings_dir(self) -> Path:
        return self._recordings.folder

    def close(self) -> None:
        self._database.close()

    def integrity_check(self) -> str:
        return str(self._database.read("PRAGMA integrity_check")[0][0])

    # calls ------------------------------------------------------------------------------

    def save_call(self, call: Call, account: str | None) -> StoredCall:
        """Insert or update a call; review state, notes and the recording file are kept."""
        return self._calls.save_call(call, account)

    def save_calls(self, calls: Sequence[Call], account: str | None) -> int:
        """Save many calls in one transaction (bulk imports: one fsync, not one per call)."""
        return self._calls.save_calls(calls, account)

    def get(self, ref: CallRef) -> StoredCall | None:
        return self._calls.get(ref)

    def segments(self, ref: CallRef) -> tuple[Segment, ...]:
        """The stored transcript lines, read without mapping the raw JSON (see `Calls`)."""
        return self._calls.segments(ref)

    def resolve(self, text: str) -> CallRef:
        """`PROVIDER:CALL_ID` or a bare `CALL_ID` (an error listing the choices if ambiguous)."""
        return self._calls.resolve(text)

    def query(self, query: CallQuery) -> list[CallRow]:
        return self._calls.query(query)

    def count(self, query: CallQuery) -> int:
        return self._calls.count(query)

    def iter_records(self, refs: Sequence[CallRef] | None = None) -> Iterator[CallRecord]:
        """Flat export records read straight from the tables (see `Calls.iter_records`)."""
        return self._calls.iter_records(refs)

    def refs(self) -> list[CallRef]:
        return self._calls.refs()

    def incomplete(self) -> list[tuple[CallRef, str | None]]:
        """Finished calls still lacking transcript, recording or analysis, with their account."""
        return self._calls.incomplete()

    def delete(self, ref: CallRef) -> None:
        """Remove a call, its review state and its recording file."""
        self._calls.delete(ref)

    def import_calls(self, plan: Sequence[ImportCall]) -> ImportCounts:
        """Merge a validated import in one transaction: all of it or nothing (see the
        `Library` protocol)."""
        return self._calls.import_calls(plan)

    # review state -----------------------------------------------------------------------

    def set_review(
        self,
        ref: CallRef,
        *,
        reviewed: bool | None = None,
        flagged: bool | None = None,
        sync_offset_ms: int | None = None,
    ) -> Review:
        return self._reviews.set(
            ref, reviewed=reviewed, flagged=flagged, sync_offset_ms=sync_offset_ms
        )

    def add_note(
        self, ref: CallRef, text: str, position_ms: int | None = None, author: str | None = None
    ) -> Note:
        return self._reviews.add_note(ref, text, position_ms, author)

    def delete_note(self, note_id: int) -> None:
        self._reviews.delete_note(note_id)

    # scorecards and scores ----

    @functools.cached_property
    def _scores(self) -> Scores:
        # Built on first use (it caches parsed templates); the connection is shared.
        return Scores(self._database)

    def import_scorecard(self, template: Template) -> bool:
        return self._scores.import_scorecard(template)

    def scorecards(self) -> list[Template]:
        return self._scores.scorecards()

    def scorecard(self, name: str, version: int | None = None) -> Template:
        return self._scores.scorecard(name, version)

    def scorecard_versions(self, name: str) -> list[int]:
        return self._scores.versions(name)

    def save_score(
        self,
        ref: CallRef,
        template: Template,
        answers: Mapping[str, AnswerValue],
        comments: Mapping[str, str],
        evidence: Mapping[str, tuple[int, ...]],
        author: str,
    ) -> StoredScore:
        return self._scores.save(ref, template, answers, comments, evidence, author)

    def scores(self, ref: CallRef) -> list[StoredScore]:
        return self._scores.for_call(ref)

    def list_scores(self, filter: ScoreFilter) -> list[StoredScore]:
        return self._scores.submitted(filter)

    def report(self, query: ReportQuery) -> Report:
        return report(self._database, self._scores, query)

    # recordings -------------------------------------------------------------------------

    def recording_path(self, ref: CallRef, extension: str) -> Path:
        """Where `ref`'s recording goes; named from the provider and call ID only."""
        return self._recordings.path(ref, extension)

    def set_recording(self, ref: CallRef, recording: RecordingFile) -> None:
        """Record a downloaded file (already complete, fsynced and in place)."""
        self._recordings.set(ref, recording)

    # tags ----------------------------------------------------------------------------------

    @property
    def _tags(self) -> Tags:
        # Stateless over the shared connection: nothing to build in __init__.
        return Tags(self._database)

    def tag_names(self) -> list[str]:
        return self._tags.names()

    def add_tag(
        self,
        ref: CallRef,
        name: str,
        start_ms: int | None,
        end_ms: int | None,
        comment: str | None,
        author: str | None,
    ) -> Tag:
        return self._tags.add(ref, name, start_ms, end_ms, comment, author)

    def call_tags(self, ref: CallRef) -> list[Tag]:
        return self._tags.of_call(ref)

    def delete_tag(self, tag_id: int) -> None:
        self._tags.delete(tag_id)


@contextmanager
def _opening_lock(data_dir: Path) -> Iterator[None]:
    """Hold `library.lock` while the library opens; give up after OPEN_WAIT_SECONDS."""
    lock = FileLock(data_dir / OPEN_LOCK_NAME)
    give_up = time.monotonic() + OPEN_WAIT_SECONDS
    try:
        while not lock.try_acquire():
            if time.monotonic() >= give_up:
                raise StorageError(
                    f"The library in {data_dir} is being opened or upgraded by another "
                    f"CallReview for more than {OPEN_WAIT_SECONDS} s. Try again when it is done."
                )
            time.sleep(0.02)
    except OSError as exc:
        raise StorageError(
            f"Could not open the library in {data_dir}: {exc.strerror or exc}. "
            "Check that the data directory is writable."
        ) from exc
    try:
        yield
    finally:
        lock.release()
