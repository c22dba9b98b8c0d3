"""The fetch pipeline: get each call from its provider, store it, download its recording."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from callreview.domain import (
    Call,
    CallReviewError,
    ProviderError,
    StorageError,
    StoredCall,
)
from callreview.redaction import Redactor
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

    def __init__(
        self,
        library: AsyncLibrary,
        downloader: RecordingDownloader,
        redactor: Redactor | None = None,
    ) -> None:
        self.library = library
        self.downloader = downloader
        self.redactor = redactor or Redactor()

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
            if on_event is None:
                return
            try:
                on_event(event)
            except Exception:
                # A listener's bug must not turn into this call's failure (or hide it).
                log.exception("fetch progress listener failed on %s", event.stage)

        async def one(call_id: str) -> FetchResult:
            emit(FetchEvent(call_id, Stage.FETCHING))
            try:
                stage = "fetched"
                call = await client.get_call(call_id)
                stage = "stored"
                stored = await self.library.save_call(call, account)
            except Exception as exc:  # CancelledError is a BaseException: it propagates
                error = self._as_error(exc, call_id, stage)
                emit(FetchEvent(call_id, Stage.FAILED, error=error))
                return FetchResult(call_id, error=error)
            emit(FetchEvent(call_id, Stage.STORED, stored=stored))
            if download:
                try:
                    # It stats the stored file: off the loop, like every other disk access.
                    if await self.library.run(needs_download, stored):
                        stored = await self._download(client, account, stored, emit)
                except Exception as exc:
                    error = self._as_error(exc, call_id, "downloaded")
                    emit(FetchEvent(call_id, Stage.FAILED, error=error, stored=stored))
                    return FetchResult(call_id, stored, recording_error=error)
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

        try:
            if client is None:
                await self.downloader.download(stored.call)
                return await self.library.get(stored.call.ref) or stored
            return await self._download(client, stored.account, stored, emit)
        except Exception as exc:
            raise self._as_error(exc, stored.call.call_id, "downloaded") from exc

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
        return await self.library.get(stored.call.ref) or stored

    def _as_error(self, exc: Exception, call_id: str, stage: str) -> CallReviewError:
        """One call's failure in words: our own errors as they are, anything else (a bug,
        hostile data the checks missed) named for that call, with the traceback in the log."""
        if isinstance(exc, CallReviewError):
            return exc
        log.error(
            "call %s could not be %s", call_id, stage, exc_info=(type(exc), exc, exc.__traceback__)
        )
        what = self.redactor.redact(describe(exc))
        if stage == "stored":
            return StorageError(f"Call {call_id} could not be stored: {what}.")
        if stage == "downloaded":
            return ProviderError(
                f"The recording of call {call_id} could not be downloaded: {what}."
            )
        return ProviderError(f"Call {call_id} could not be fetched or mapped: {what}.")


def describe(exc: BaseException) -> str:
    """An unexpected exception in words a person can read (the log keeps the traceback)."""
    if isinstance(exc, RecursionError):
        return "its data is nested too deep"
    if isinstance(exc, UnicodeError):
        return "it contains text that is not valid Unicode"
    if isinstance(exc, OverflowError):
        return "it contains a number too large to store"
    name = type(exc).__name__
    if name == "TooManyRedirects":
        return "the recording link redirects too many times (a redirect loop?)"
    if name in ("InvalidURL", "UnsupportedProtocol", "LocalProtocolError"):
        return f"the recording link is not a usable URL ({str(exc)[:120]})"
    text = str(exc).strip()
    return f"{name}: {text[:200]}" if text else name


def needs_download(stored: StoredCall) -> bool:
    """The provider offers a recording and the library has no complete copy of it."""
    call = stored.call
    if call.recording is None or not call.recording.url:
        return False
    file = stored.recording
    return file is None or not file.path.exists() or file.path.stat().st_size != file.size
