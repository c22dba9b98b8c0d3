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
from callreview.paths import fsync_dir, private_opener
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


# How many first bytes of a download are held back and checked before anything is written.
SNIFF_BYTES = 64
_MIN_SNIFF = 12  # the longest fixed signature below (RIFF....WAVE)


def sniff_audio(head: bytes) -> str | None:
    """The audio container the first bytes announce, or None when they are not audio.

    Looks at the bytes, never at a Content-Type: MP3 (ID3 tag or an MPEG audio frame header),
    AAC (ADTS), WAV (RIFF/RF64/BW64 WAVE), OGG, FLAC, MP4/M4A (`ftyp`) and WebM/Matroska (EBML).
    """
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3":
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if len(head) >= 3 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
        if layer == 0:  # ADTS: MPEG-2/4 AAC in a frame-synced stream
            return "aac" if head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0xF < 13 else None
        bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
        if version != 1 and bitrate != 15 and rate != 3:  # none of the reserved values
            return "mp3"
    return None


def describe_content(head: bytes) -> str:
    """What the first bytes of a body that is not audio look like, for an error message."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "nothing (an empty body)"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")) or any(
        tag in text for tag in (b"<html", b"<head", b"<body", b"<title", b"<script")
    ):
        return "an HTML page"
    if text.startswith(b"<"):
        return "an XML document"
    if text[:1] in (b"{", b"["):
        return "a JSON document"
    for magic, what in (
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "gzip-compressed data"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
    ):
        if head.startswith(magic):
            return what
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        decoded = None
    if decoded is not None and all(c.isprintable() or c in "\t\r\n" for c in decoded):
        return "plain text"
    return f"unrecognised bytes (starting {head[:8].hex(' ')})"


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
        if have and (have < _MIN_SNIFF or sniff_audio(_read_head(part)) is None):
            part.unlink(missing_ok=True)  # too little to check, or not audio: start over
            have = 0
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
        return await asyncio.to_thread(self._finish, call, part, target, ctype)

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
        with open(part, "rb") as handle:
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


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def url_of(call: Call) -> str:
    return call.recording.url if call.recording and call.recording.url else ""
