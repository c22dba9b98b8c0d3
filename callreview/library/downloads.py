"""Recording downloads: streamed to *.part, resumed with Range, checked, fsynced, renamed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from callreview import __version__
from callreview.domain import Call, ProviderError, StorageError
from callreview.library.api import Library, RecordingFile
from callreview.paths import fsync_dir
from callreview.redaction import redact_url

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


def sniff_audio(head: bytes) -> str | None:
    """The audio container the first bytes announce, or None when they are not audio."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


@dataclass(frozen=True, slots=True)
class DownloadPolicy:
    max_bytes: int = 500 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 900.0
    max_attempts: int = 4
    backoff: float = 0.5


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
        self._sem = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            # Byte offsets for Range must refer to the stored bytes: no transparent decoding.
            headers={"Accept-Encoding": "identity", "User-Agent": f"CallReview/{__version__}"},
            timeout=httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout),
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
        """Download `call`'s recording; an expired link is refreshed once through `refresh`."""
        async with self._sem:
            refreshed = False
            if call.recording is not None and call.recording.is_expired(datetime.now(UTC)):
                if refresh is not None:
                    call, refreshed = await self._refresh(call, refresh), True
            while True:
                try:
                    return await self._download(call, progress)
                except _Expired:
                    if refreshed or refresh is None:
                        raise StorageError(
                            f"The recording link for {call.ref} has expired"
                            + (" and a freshly fetched link was refused too" if refreshed else "")
                            + ". Refresh the call later and download again."
                        ) from None
                    call, refreshed = await self._refresh(call, refresh), True

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

    async def _download(self, call: Call, progress: Progress | None) -> RecordingFile:
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
                async with asyncio.timeout(self.policy.deadline):
                    return await self._attempt(call, url, progress)
            except _Restart:
                self._discard_parts(call)
                continue
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
                raise StorageError(
                    f"Could not write the recording of {call.ref} into the library "
                    f"({exc.strerror or exc}). Free some disk space or check the folder "
                    f"{self.library.recordings_dir}; nothing partial was kept."
                ) from exc
        raise StorageError(
            f"The recording of {call.ref} could not be downloaded completely after "
            f"{self.policy.max_attempts} attempts ({type(last_error).__name__}: the connection "
            "kept dropping). What arrived is kept and the next try resumes from there."
        )

    async def _attempt(self, call: Call, url: str, progress: Progress | None) -> RecordingFile:
        guess = self._target(call, url, None)
        parts = list(self.library.recordings_dir.glob(f"{guess.stem}.*.part"))
        part = parts[0] if parts else guess.with_name(guess.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        async with self._client.stream("GET", url, headers=headers) as resp:
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
            with open(part, "r+b" if have else "wb") as handle:
                handle.seek(have)
                handle.truncate()
                first = not have
                async for chunk in resp.aiter_raw():
                    if first:
                        first = False
                        kind = sniff_audio(chunk[:16])
                        if kind is None and not ctype.startswith("audio/"):
                            raise StorageError(
                                f"The recording link of {call.ref} did not return audio "
                                f"({ctype or 'no content type'}); nothing was stored."
                            )
                    done += len(chunk)
                    if done > self.policy.max_bytes:
                        raise StorageError(
                            f"The recording of {call.ref} is over the "
                            f"{self.policy.max_bytes / 2**20:.0f} MiB limit; stopped."
                        )
                    handle.write(chunk)
                    if progress is not None:
                        progress(done, total)
                handle.flush()
                await asyncio.to_thread(os.fsync, handle.fileno())
        if total is not None and done != total:
            raise httpx.RemoteProtocolError(f"got {done} of {total} bytes")
        return await asyncio.to_thread(self._finish, call, part, target, ctype)

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
        with open(part, "rb") as handle:
            head = handle.read(16)
            handle.seek(0)
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        if sniff_audio(head) is None and not ctype.startswith("audio/"):
            part.unlink(missing_ok=True)
            raise StorageError(f"The download for {call.ref} is not audio; nothing was stored.")
        os.replace(part, target)
        fsync_dir(target.parent)
        recording = RecordingFile(
            path=target,
            size=size,
            sha256=digest.hexdigest(),
            content_type=ctype or None,
            downloaded_at=datetime.now(UTC),
        )
        self.library.set_recording(call.ref, recording)
        log.info(
            "recording of %s stored (%d bytes) from %s", call.ref, size, redact_url(url_of(call))
        )
        return recording


def url_of(call: Call) -> str:
    return call.recording.url if call.recording and call.recording.url else ""
