"""The fetch pipeline: get each call from its provider, store it, download its recording."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from callreview.domain import Call, CallRef, CallReviewError, StoredCall
from callreview.workspace.store import AsyncLibrary

if TYPE_CHECKING:
    # Types only: the HTTP stack (httpx) loads with the first fetch, not with the window.
    from callreview.library.downloads import RecordingDownloader
    from callreview.providers.base import ProviderClient

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


OnEvent = Callable[[FetchEvent], None]


class FetchPipeline:
    """Provider client, library and downloader together; one call never sinks another."""

    def __init__(self, library: AsyncLibrary, downloader: RecordingDownloader) -> None:
        self.library = library
        self.downloader = downloader

    async def fetch(
        self,
        client: ProviderClient,
        account: str | None,
        call_ids: Sequence[str],
        *,
        download: bool = True,
        on_event: OnEvent | None = None,
    ) -> list[FetchResult]:
        """Fetch, store and (optionally) download each call, concurrently."""

        def emit(event: FetchEvent) -> None:
            if on_event is not None:
                on_event(event)

        async def one(call_id: str) -> FetchResult:
            emit(FetchEvent(call_id, Stage.FETCHING))
            try:
                call = await client.get_call(call_id)
                stored = await self.library.save_call(call, account)
            except CallReviewError as exc:
                emit(FetchEvent(call_id, Stage.FAILED, error=exc))
                return FetchResult(call_id, error=exc)
            emit(FetchEvent(call_id, Stage.STORED, stored=stored))
            if download and needs_download(stored):
                try:
                    stored = await self._download(client, account, stored, emit)
                except CallReviewError as exc:
                    emit(FetchEvent(call_id, Stage.FAILED, error=exc, stored=stored))
                    return FetchResult(call_id, stored, recording_error=exc)
            emit(FetchEvent(call_id, Stage.DONE, stored=stored))
            return FetchResult(call_id, stored)

        unique = list(dict.fromkeys(call_ids))
        return list(await asyncio.gather(*(one(cid) for cid in unique)))

    async def download(
        self, client: ProviderClient | None, stored: StoredCall, on_event: OnEvent | None = None
    ) -> StoredCall:
        """Download the recording of a call already in the library (refreshing via `client`)."""

        def emit(event: FetchEvent) -> None:
            if on_event is not None:
                on_event(event)

        if client is None:
            await self.downloader.download(stored.call)
            return await self.library.get(_ref(stored.call)) or stored
        return await self._download(client, stored.account, stored, emit)

    async def _download(
        self,
        client: ProviderClient,
        account: str | None,
        stored: StoredCall,
        emit: OnEvent,
    ) -> StoredCall:
        call_id = stored.call.call_id

        async def refresh() -> Call:
            fresh = await client.get_call(call_id)
            await self.library.save_call(fresh, account)
            return fresh

        def progress(done: int, total: int | None) -> None:
            emit(FetchEvent(call_id, Stage.DOWNLOADING, done, total))

        await self.downloader.download(stored.call, refresh, progress)
        return await self.library.get(_ref(stored.call)) or stored


def needs_download(stored: StoredCall) -> bool:
    """The provider offers a recording and the library has no complete copy of it."""
    call = stored.call
    if call.recording is None or not call.recording.url:
        return False
    file = stored.recording
    return file is None or not file.path.exists() or file.path.stat().st_size != file.size


def _ref(call: Call) -> CallRef:
    return CallRef(call.provider, call.call_id)
