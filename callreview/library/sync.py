"""Fetch calls into the library and download their recordings, concurrently, with progress."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from callreview.domain import Call, CallReviewError
from callreview.library.api import Library, StoredCall
from callreview.providers.base import ProviderClient

if TYPE_CHECKING:
    from callreview.library.downloads import RecordingDownloader

log = logging.getLogger(__name__)


class Stage(StrEnum):
    FETCHING = "fetching"
    STORED = "stored"
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FetchEvent:
    """Progress of one call through fetch → store → download."""

    call_id: str
    stage: Stage
    done_bytes: int = 0
    total_bytes: int | None = None
    error: CallReviewError | None = None
    stored: StoredCall | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    call_id: str
    stored: StoredCall | None = None
    error: CallReviewError | None = None
    recording_error: CallReviewError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.recording_error is None


class LibrarySync:
    """The fetch pipeline: the provider client, the library and the downloader together."""

    def __init__(self, library: Library, downloader: RecordingDownloader) -> None:
        self.library = library
        self.downloader = downloader

    async def fetch(
        self,
        client: ProviderClient,
        account: str | None,
        call_ids: Sequence[str],
        *,
        download: bool = True,
        on_event: Callable[[FetchEvent], None] | None = None,
    ) -> list[FetchResult]:
        """Fetch, store and (optionally) download each call; one call's failure stops no other."""

        def emit(event: FetchEvent) -> None:
            if on_event is not None:
                on_event(event)

        async def one(call_id: str) -> FetchResult:
            emit(FetchEvent(call_id, Stage.FETCHING))
            try:
                call = await client.get_call(call_id)
                stored = await asyncio.to_thread(self.library.save_call, call, account)
            except CallReviewError as exc:
                emit(FetchEvent(call_id, Stage.FAILED, error=exc))
                return FetchResult(call_id, error=exc)
            emit(FetchEvent(call_id, Stage.STORED, stored=stored))
            recording_error = None
            if download and self._needs_download(stored):
                try:
                    stored = await self._download(client, account, stored, emit)
                except CallReviewError as exc:
                    recording_error = exc
                    emit(FetchEvent(call_id, Stage.FAILED, error=exc, stored=stored))
                    return FetchResult(call_id, stored, recording_error=exc)
            emit(FetchEvent(call_id, Stage.DONE, stored=stored))
            return FetchResult(call_id, stored, recording_error=recording_error)

        unique = list(dict.fromkeys(call_ids))
        return list(await asyncio.gather(*(one(cid) for cid in unique)))

    def _needs_download(self, stored: StoredCall) -> bool:
        call = stored.call
        if call.recording is None or not call.recording.url:
            return False
        file = stored.recording
        return file is None or not file.path.exists() or file.path.stat().st_size != file.size

    async def _download(
        self,
        client: ProviderClient,
        account: str | None,
        stored: StoredCall,
        emit: Callable[[FetchEvent], None],
    ) -> StoredCall:
        call_id = stored.call.call_id

        async def refresh() -> Call:
            fresh = await client.get_call(call_id)
            await asyncio.to_thread(self.library.save_call, fresh, account)
            return fresh

        def progress(done: int, total: int | None) -> None:
            emit(FetchEvent(call_id, Stage.DOWNLOADING, done, total))

        await self.downloader.download(stored.call, refresh, progress)
        updated = await asyncio.to_thread(self.library.get, stored.call.provider, call_id)
        return updated or stored

    async def download_stored(
        self,
        client: ProviderClient | None,
        stored: StoredCall,
        on_event: Callable[[FetchEvent], None] | None = None,
    ) -> StoredCall:
        """Download the recording of a call already in the library (refreshing via `client`)."""

        def emit(event: FetchEvent) -> None:
            if on_event is not None:
                on_event(event)

        if client is None:
            await self.downloader.download(stored.call)
            return (
                await asyncio.to_thread(self.library.get, stored.call.provider, stored.call.call_id)
                or stored
            )
        return await self._download(client, stored.account, stored, emit)
