"""The library behind an async facade: the one place that moves storage work off the loop."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

from callreview.domain import Call, CallQuery, CallRef, CallRow, Note, Review, Segment, StoredCall
from callreview.domain.records import CallRecord
from callreview.domain.reports import Report, ReportQuery
from callreview.domain.scorecard import AnswerValue, Template
from callreview.domain.scores import ScoreFilter, StoredScore
from callreview.domain.tags import Tag
from callreview.library import Library

P = ParamSpec("P")
T = TypeVar("T")


class AsyncLibrary:
    """Every library call runs in a worker thread (SQLite and file I/O block).

    The library serialises its own writes, so concurrent calls from several tasks are safe;
    nothing above the Workspace calls `asyncio.to_thread` for storage itself.
    """

    def __init__(self, open_library: Callable[[], Library]) -> None:
        self._open = open_library
        self._library: Library | None = None
        self._lock = threading.Lock()

    @property
    def sync(self) -> Library:
        """The library itself, opened (and migrated) on first use; for worker-thread code.

        Commands that never touch the library (`accounts list`) never create it.
        """
        with self._lock:
            if self._library is None:
                self._library = self._open()
            return self._library

    async def open(self) -> Library:
        return await self.run(lambda: self.sync)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any blocking function off the loop (file reads, bundle checks, exports)."""
        return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))

    @property
    def recordings_dir(self) -> Path:
        return self.sync.recordings_dir

    async def save_call(self, call: Call, account: str | None) -> StoredCall:
        return await self.run(lambda: self.sync.save_call(call, account))

    async def get(self, ref: CallRef) -> StoredCall | None:
        return await self.run(lambda: self.sync.get(ref))

    async def segments(self, ref: CallRef) -> tuple[Segment, ...]:
        return await self.run(lambda: self.sync.segments(ref))

    async def resolve(self, text: str) -> CallRef:
        return await self.run(lambda: self.sync.resolve(text))

    async def page(self, query: CallQuery) -> tuple[list[CallRow], int]:
        """One page of rows and the total that matches (for the list's scroll range)."""

        def both() -> tuple[list[CallRow], int]:
            library = self.sync
            return library.query(query), library.count(query)

        return await self.run(both)

    async def query(self, query: CallQuery) -> list[CallRow]:
        return await self.run(lambda: self.sync.query(query))

    async def count(self, query: CallQuery) -> int:
        return await self.run(lambda: self.sync.count(query))

    async def set_review(
        self,
        ref: CallRef,
        *,
        reviewed: bool | None = None,
        flagged: bool | None = None,
        sync_offset_ms: int | None = None,
    ) -> Review:
        return await self.run(
            lambda: self.sync.set_review(
                ref, reviewed=reviewed, flagged=flagged, sync_offset_ms=sync_offset_ms
            )
        )

    async def add_note(
        self, ref: CallRef, text: str, position_ms: int | None, author: str | None = None
    ) -> Note:
        return await self.run(lambda: self.sync.add_note(ref, text, position_ms, author))

    async def delete_note(self, note_id: int) -> None:
        await self.run(lambda: self.sync.delete_note(note_id))

    async def delete(self, ref: CallRef) -> None:
        await self.run(lambda: self.sync.delete(ref))

    async def incomplete(self) -> list[tuple[CallRef, str | None]]:
        return await self.run(lambda: self.sync.incomplete())

    async def refs(self) -> Sequence[CallRef]:
        return await self.run(lambda: self.sync.refs())

    # scorecards and scores ----
    async def import_scorecard(self, template: Template) -> bool:
        return await self.run(lambda: self.sync.import_scorecard(template))

    async def scorecards(self) -> list[Template]:
        return await self.run(lambda: self.sync.scorecards())

    async def scorecard(self, name: str, version: int | None = None) -> Template:
        return await self.run(lambda: self.sync.scorecard(name, version))

    async def scorecard_versions(self, name: str) -> list[int]:
        return await self.run(lambda: self.sync.scorecard_versions(name))

    async def save_score(
        self,
        ref: CallRef,
        template: Template,
        answers: Mapping[str, AnswerValue],
        comments: Mapping[str, str],
        evidence: Mapping[str, tuple[int, ...]],
        author: str,
    ) -> StoredScore:
        return await self.run(
            lambda: self.sync.save_score(ref, template, answers, comments, evidence, author)
        )

    async def scores(self, ref: CallRef) -> list[StoredScore]:
        return await self.run(lambda: self.sync.scores(ref))

    async def list_scores(self, filter: ScoreFilter) -> list[StoredScore]:
        return await self.run(lambda: self.sync.list_scores(filter))

    async def report(self, query: ReportQuery) -> Report:
        return await self.run(lambda: self.sync.report(query))

    async def get_many(self, refs: Sequence[CallRef]) -> list[StoredCall]:
        """The stored calls, in order; NotInLibraryError names the first one missing."""
        return await self.run(lambda: _get_many(self.sync, refs))

    async def records(self, refs: Sequence[CallRef]) -> list[CallRecord]:
        return await self.run(lambda: list(self.sync.iter_records(refs)))

    # tags ----
    async def tag_names(self) -> list[str]:
        return await self.run(lambda: self.sync.tag_names())

    async def add_tag(
        self,
        ref: CallRef,
        name: str,
        start_ms: int | None,
        end_ms: int | None,
        comment: str | None,
        author: str | None,
    ) -> Tag:
        return await self.run(
            lambda: self.sync.add_tag(ref, name, start_ms, end_ms, comment, author)
        )

    async def call_tags(self, ref: CallRef) -> list[Tag]:
        return await self.run(lambda: self.sync.call_tags(ref))

    async def delete_tag(self, tag_id: int) -> None:
        await self.run(lambda: self.sync.delete_tag(tag_id))

    async def close(self) -> None:
        with self._lock:
            library, self._library = self._library, None
        if library is not None:
            await self.run(library.close)


def _get_many(library: Library, refs: Sequence[CallRef]) -> list[StoredCall]:
    from callreview.domain import NotInLibraryError

    calls = []
    for ref in refs:
        stored = library.get(ref)
        if stored is None:
            raise NotInLibraryError(ref)
        calls.append(stored)
    return calls
