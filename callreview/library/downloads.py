"""Recording downloads: streamed to *.part, resumed with Range, checked, fsynced, renamed."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from callreview import __version__
from callreview.domain import Call, CallRef, NotInLibraryError, ProviderError, StorageError
from callreview.library.api import DownloadLimits, Library, RecordingFile
from callreview.library.audio import MIN_SNIFF, SNIFF_BYTES, describe_content, sniff_audio
from callreview.library.locks import FileLock
from callreview.paths import fsync_dir, private_opener
from callreview.redaction import redact_url

__all__ = [
    "SNIFF_BYTES",
    "DownloadPolicy",
    "RecordingDownloader",
    "describe_content",
    "sniff_audio",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
Refresh = Callable[[], Awaitable[Call]]

_TYPE_EXT = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "application/ogg": "ogg",
    "audio/opus": "opus",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/webm": "webm",
}


@dataclass(frozen=True, slots=True)
class DownloadPolicy:
    """What the downloader allows; the time limits a person can change are in `limits`."""

    max_bytes: int = 500 * 1024 * 1024
    connect_timeout: float = 10.0
    limits: DownloadLimits = field(default_factory=DownloadLimits)
    max_attempts: int = 4
    backoff: float = 0.5


# The errors that mean the disk (or the user's quota) is full: only these say "free space".
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class _Restart(Exception):
    """The server ignored or mangled our Range request: start the file over."""


class _Expired(Exception):
    """The (presigned) link no longer works."""


class RecordingDownloader:
    """Downloads recordings into the library with its own client (no API key ever attached)."""

    def __init__(
        self,
        library: Library,
        policy: DownloadPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = 4,
    ) -> None:
        self.library = library
        self.policy = policy or DownloadPolicy()
        # The deadline and stall timeout in force; the window changes them from its settings.
        self.limits = self.policy.limits
        self._sem = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            # Byte offsets for Range must refer to the stored bytes: no transparent decoding.
            headers={"Accept-Encoding": "identity", "User-Agent": f"CallReview/{__version__}"},
            follow_redirects=True,
            max_redirects=3,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def download(
        self,
        call: Call,
        refresh: Refresh | None = None,
        progress: Progress | None = None,
    ) -> RecordingFile:
        """Download `call`'s recording; an expired link is refreshed once through `refresh`.

        The whole download (waiting for another process's, every retry and resume) must end
        within `limits.deadline_s`; what arrived by then is kept for the next try to resume.
        """
        limits = self.limits
        ref = call.ref
        arrived = [0]

        def counting(done: int, total: int | None) -> None:
            arrived[0] = done
            if progress is not None:
                progress(done, total)

        async with self._sem:
            lock = FileLock(self._lock_path(ref))
            try:
                async with asyncio.timeout(limits.deadline_s):
                    if not lock.try_acquire():
                        log.info("recording of %s is being downloaded elsewhere; waiting", ref)
                        await lock.acquire()
                    # Another process may have stored it while we waited: then it is done.
                    done = await asyncio.to_thread(self._stored_file, ref)
                    if done is not None:
                        return done
                    return await self._download_locked(call, refresh, counting, limits)
            except TimeoutError:
                what = (
                    "another CallReview was still downloading it"
                    if not lock.held
                    else f"{arrived[0] / 2**20:.1f} MiB had arrived; that part is kept and the "
                    "next try resumes from there"
                )
                raise StorageError(
                    f"The recording of {ref} did not finish within the download deadline of "
                    f"{limits.deadline_s:g} s ({what}). Try again later, or allow more time "
                    "(fetch --download-deadline, or Settings in the window)."
                ) from None
            finally:
                lock.release()

    async def _download_locked(
        self,
        call: Call,
        refresh: Refresh | None,
        progress: Progress,
        limits: DownloadLimits,
    ) -> RecordingFile:
        refreshed = False
        if call.recording is not None and call.recording.is_expired(datetime.now(UTC)):
            if refresh is not None:
                call, refreshed = await self._refresh(call, refresh), True
        while True:
            try:
                return await self._download(call, progress, limits)
            except _Expired:
                if refreshed or refresh is None:
                    raise StorageError(
                        f"The recording link for {call.ref} has expired"
                        + (" and a freshly fetched link was refused too" if refreshed else "")
                        + ". Refresh the call later and download again."
                    ) from None
                call, refreshed = await self._refresh(call, refresh), True

    def _lock_path(self, ref: CallRef) -> Path:
        target = self.library.recording_path(ref, "wav")
        return target.with_name(target.stem + ".lock")

    def _stored_file(self, ref: CallRef) -> RecordingFile | None:
        """The library's copy of the recording when its row and file agree, else None."""
        stored = self.library.get(ref)
        file = stored.recording if stored is not None else None
        if file is None:
            return None
        try:
            return file if file.path.stat().st_size == file.size else None
        except OSError:
            return None

    async def _refresh(self, call: Call, refresh: Refresh) -> Call:
        log.info("recording link of %s expired; fetching the call again", call.ref)
        try:
            fresh = await refresh()
        except ProviderError as exc:
            raise StorageError(
                f"The recording link for {call.ref} has expired, and fetching a new one failed: "
                f"{exc}"
            ) from exc
        return fresh

    def _discard_parts(self, call: Call) -> None:
        stem = self.library.recording_path(call.ref, "wav").stem
        for part in self.library.recordings_dir.glob(f"{stem}.*.part"):
            part.unlink(missing_ok=True)

    def _target(self, call: Call, url: str, content_type: str | None) -> Path:
        ext = _TYPE_EXT.get((content_type or "").split(";")[0].strip().lower())
        if ext is None:
            suffix = Path(urlsplit(url).path).suffix.lower().lstrip(".")
            ext = suffix or "audio"
        return self.library.recording_path(call.ref, ext)

    async def _download(
        self, call: Call, progress: Progress | None, limits: DownloadLimits
    ) -> RecordingFile:
        recording = call.recording
        if recording is None or not recording.url:
            raise StorageError(f"{call.ref} has no recording (yet).")
        url = recording.url
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise StorageError(
                f"Refusing the recording link of {call.ref}: only http(s) links are downloaded "
                f"(got {scheme or 'no'} scheme)."
            )
        last_error: Exception | None = None
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                return await self._attempt(call, url, progress, limits)
            except _Restart:
                self._discard_parts(call)
                continue
            except StorageError:
                # Refused for its size, its encoding or its content: nothing of it is kept.
                self._discard_parts(call)
                raise
            except (httpx.TransportError, TimeoutError) as exc:
                last_error = exc
                log.info(
                    "download of %s interrupted (%s), attempt %d",
                    call.ref,
                    type(exc).__name__,
                    attempt,
                )
                await asyncio.sleep(self.policy.backoff * attempt)
            except OSError as exc:  # after TimeoutError, which is an OSError too
                self._discard_parts(call)
                advice = (
                    "Free some disk space"
                    if exc.errno in _DISK_FULL
                    else "Check that you may write to the folder"
                )
                raise StorageError(
                    f"Could not write the recording of {call.ref} into the library "
                    f"({exc.strerror or exc}). {advice} {self.library.recordings_dir}; "
                    "nothing partial was kept."
                ) from exc
        if isinstance(last_error, httpx.ReadTimeout):
            why = (
                f"no data arrived for {limits.stall_timeout_s:g} s, the stall timeout "
                "(fetch --stall-timeout, or Settings in the window)"
            )
        else:
            why = f"{type(last_error).__name__}: the connection kept dropping"
        raise StorageError(
            f"The recording of {call.ref} could not be downloaded completely after "
            f"{self.policy.max_attempts} attempts ({why}). What arrived is kept and the next "
            "try resumes from there."
        )

    async def _attempt(
        self, call: Call, url: str, progress: Progress | None, limits: DownloadLimits
    ) -> RecordingFile:
        guess = self._target(call, url, None)
        parts = list(self.library.recordings_dir.glob(f"{guess.stem}.*.part"))
        part = parts[0] if parts else guess.with_name(guess.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        if have and (have < MIN_SNIFF or sniff_audio(_read_head(part)) is None):
            part.unlink(missing_ok=True)  # too little to check, or not audio: start over
            have = 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        # The stall timeout is httpx's read timeout: the longest wait for the next bytes.
        timeout = httpx.Timeout(limits.stall_timeout_s, connect=self.policy.connect_timeout)
        async with self._client.stream("GET", url, headers=headers, timeout=timeout) as resp:
            status = resp.status_code
            ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if status in (401, 403) or (status == 400 and "xml" in ctype):
                raise _Expired
            if status == 404:
                raise StorageError(f"The storage server has no recording for {call.ref} (404).")
            if status == 416:
                part.unlink(missing_ok=True)
                raise _Restart
            if status >= 500:
                raise httpx.RemoteProtocolError(f"storage answered {status}")
            if status not in (200, 206):
                raise StorageError(
                    f"The storage server refused the recording of {call.ref} (HTTP {status})."
                )
            encoding = resp.headers.get("content-encoding", "").strip().lower()
            if encoding not in ("", "identity"):
                # We asked for identity; a recording is stored as the bytes sent, and decoding
                # would let a few KB inflate to gigabytes. Refused, never decoded.
                raise StorageError(
                    f"The storage server sent the recording of {call.ref} compressed "
                    f"({encoding[:40]}) although CallReview asked for it uncompressed; "
                    "refused, nothing was stored."
                )
            if "html" in ctype or ctype.startswith("text/"):
                raise StorageError(
                    f"The recording link of {call.ref} returned a web page ({ctype}), not audio: "
                    "usually a login or error page. Refresh the call and try again."
                )
            total = self._expected_total(resp, have)
            if total is not None and total > self.policy.max_bytes:
                raise StorageError(
                    f"The recording of {call.ref} is {total / 2**20:.0f} MiB, over the "
                    f"{self.policy.max_bytes / 2**20:.0f} MiB limit; not downloaded."
                )
            if status == 200 and have:
                have = 0  # the server ignored Range: start over
            target = self._target(call, url, ctype)
            if part.name != target.name + ".part":
                new_part = target.with_name(target.name + ".part")
                if have:
                    os.replace(part, new_part)
                part = new_part
            done = have
            # A fresh download's first bytes are held back until they show audio: nothing is
            # written for a body that is not (whatever its Content-Type says).
            pending: bytearray | None = None if have else bytearray()
            handle = None
            try:
                async for chunk in resp.aiter_raw():
                    done += len(chunk)
                    if done > self.policy.max_bytes:
                        raise StorageError(
                            f"The recording of {call.ref} is over the "
                            f"{self.policy.max_bytes / 2**20:.0f} MiB limit; stopped."
                        )
                    if pending is not None:
                        pending += chunk
                        if len(pending) < SNIFF_BYTES:
                            continue
                        self._check_audio(call, bytes(pending[:SNIFF_BYTES]), ctype)
                        chunk, pending = bytes(pending), None
                    if handle is None:
                        handle = open(part, "r+b" if have else "wb", opener=private_opener)
                        handle.seek(have)
                        handle.truncate()
                    handle.write(chunk)
                    if progress is not None:
                        progress(done, total)
                if pending is not None:  # the whole body was shorter than SNIFF_BYTES
                    self._check_audio(call, bytes(pending), ctype)
                    handle = open(part, "wb", opener=private_opener)
                    handle.write(pending)
                if handle is not None:
                    handle.flush()
                    await asyncio.to_thread(os.fsync, handle.fileno())
            finally:
                if handle is not None:
                    handle.close()
        if total is not None and done != total:
            raise httpx.RemoteProtocolError(f"got {done} of {total} bytes")
        return await _to_completion(asyncio.to_thread(self._finish, call, part, target, ctype))

    def _check_audio(self, call: Call, head: bytes, ctype: str) -> None:
        if sniff_audio(head) is None:
            what = describe_content(head)
            page = what in ("an HTML page", "an XML document", "a JSON document", "plain text")
            hint = " A login or error page is the usual cause: refresh the call and try again."
            raise StorageError(
                f"The recording link of {call.ref} sent {what}, not audio "
                f"(labelled {ctype or 'with no content type'}); nothing was stored."
                + (hint if page else "")
            )

    def _expected_total(self, resp: httpx.Response, have: int) -> int | None:
        if resp.status_code == 206:
            content_range = resp.headers.get("content-range", "")
            try:
                unit, _, spec = content_range.partition(" ")
                span, _, total_text = spec.partition("/")
                start = int(span.split("-")[0])
                total = int(total_text) if total_text != "*" else None
            except ValueError:
                raise _Restart from None
            if unit != "bytes" or start != have:
                # The server resumed from somewhere else: what we hold can't be trusted.
                raise _Restart
            return total
        length = resp.headers.get("content-length")
        return int(length) if length and length.isdigit() else None

    def _finish(self, call: Call, part: Path, target: Path, ctype: str) -> RecordingFile:
        digest = hashlib.sha256()
        size = 0
        try:
            handle = open(part, "rb")
        except FileNotFoundError:
            # `calls delete` removes a call's .part with it, even while it downloads.
            if self.library.get(call.ref) is None:
                raise StorageError(
                    f"{call.ref} was removed from the library while its recording downloaded; "
                    "the recording was not kept."
                ) from None
            raise
        with handle:
            head = handle.read(SNIFF_BYTES)
            handle.seek(0)
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        if sniff_audio(head) is None:
            part.unlink(missing_ok=True)
            raise StorageError(
                f"The download for {call.ref} is {describe_content(head)}, not audio; "
                "nothing was stored."
            )
        # The file goes into place before its row is written, both under this recording's
        # lock: a reader never finds a row for a file that is not there in full.
        os.replace(part, target)
        fsync_dir(target.parent)
        recording = RecordingFile(
            path=target,
            size=size,
            sha256=digest.hexdigest(),
            content_type=ctype or None,
            downloaded_at=datetime.now(UTC),
        )
        try:
            self.library.set_recording(call.ref, recording)
        except NotInLibraryError:
            target.unlink(missing_ok=True)  # the call was deleted while it downloaded
            raise StorageError(
                f"{call.ref} was removed from the library while its recording downloaded; "
                "the recording was not kept."
            ) from None
        log.info(
            "recording of %s stored (%d bytes) from %s", call.ref, size, redact_url(url_of(call))
        )
        return recording


async def _to_completion(work: Awaitable[RecordingFile]) -> RecordingFile:
    """Await `work`; if cancelled meanwhile (the deadline), let it finish before giving up.

    Finishing moves the file into place and writes its row under the recording's lock; the
    lock must not be released while that is half done.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def url_of(call: Call) -> str:
    return call.recording.url if call.recording and call.recording.url else ""
