"""Issue 13 item 7 (providers): a recording is stored only when its bytes are audio.

Before the fix the downloader trusted the Content-Type: an HTML page served as `audio/mpeg`
was stored as an `.mp3`, and a refused download could leave its `.part` behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from callreview.domain import CallRef, StorageError
from callreview.library import SqliteLibrary
from callreview.library.api import RecordingFile
from callreview.library.downloads import (
    DownloadPolicy,
    RecordingDownloader,
    describe_content,
    sniff_audio,
)
from callreview.providers.ringyo import map_call
from tests.hostile.hostile_server import HostileServer, Reply
from tests.library.helpers import open_library
from tests.standin import seed

CALL_ID = "call_xyz789"
REF = CallRef("ringyo", CALL_ID)
REC_PATH = f"/rec/{CALL_ID}.mp3"
PAD = bytes(range(256)) * 8

WAV = seed.sine_wav(0.05)
OGG = b"OggS\x00\x02" + b"\x00" * 20 + PAD
FLAC = b"fLaC\x00\x00\x00\x22" + PAD
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + PAD
MP3_FRAME = b"\xff\xfb\x90\x64" + PAD  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
AAC_ADTS = b"\xff\xf1\x50\x80\x02\x1f\xfc" + PAD
M4A = struct.pack(">I", 24) + b"ftypM4A \x00\x00\x02\x00M4A isom" + PAD
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + PAD
RF64 = b"RF64\xff\xff\xff\xffWAVEds64" + PAD
HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Log in</body></html>"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (WAV, "wav"),
        (RF64, "wav"),
        (OGG, "ogg"),
        (FLAC, "flac"),
        (MP3_ID3, "mp3"),
        (MP3_FRAME, "mp3"),
        (AAC_ADTS, "aac"),
        (M4A, "m4a"),
        (WEBM, "webm"),
    ],
)
def test_sniff_audio_knows_each_signature(head: bytes, kind: str) -> None:
    assert sniff_audio(head[:64]) == kind


@pytest.mark.parametrize(
    "head",
    [
        b"",
        HTML,
        b"  \n<html>",
        b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>',
        b'{"error": "expired"}',
        b"PK\x03\x04zip",
        b"RIFF\x24\x00\x00\x00AVI LIST",  # RIFF, but a video
        b"\xff\xff\xff\xff\xff\xff",  # frame sync with reserved values: not an MPEG header
        b"\xff\xe9\x90\x64",  # MPEG version 'reserved'
        b"\xff\xfb\xf0\x64",  # bitrate index 15 (bad)
        b"\xff\xfb\x9c\x64",  # sample-rate index 3 (reserved)
        b"Ogg",  # too short
        b"plain text that is not audio",
    ],
)
def test_sniff_audio_refuses_what_is_not_audio(head: bytes) -> None:
    assert sniff_audio(head) is None


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (HTML, "an HTML page"),
        (b"\xef\xbb\xbf  <HTML>", "an HTML page"),
        (b"<?xml version='1.0'?><Error/>", "an XML document"),
        (b'{"error": 1}', "a JSON document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b\x08\x00", "gzip-compressed data"),
        (b"%PDF-1.7", "a PDF document"),
        (b"hello", "plain text"),
        (b"", "nothing (an empty body)"),
        (b"\x00\x01\x02\xfe", "unrecognised bytes (starting 00 01 02 fe)"),
    ],
)
def test_describe_content(head: bytes, what: str) -> None:
    assert describe_content(head) == what


# --- the downloader against a hostile storage server ------------------------------------------


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path)
    yield library
    library.close()


def download(lib: SqliteLibrary, url: str, policy: DownloadPolicy | None = None) -> RecordingFile:
    doc = seed.ringyo_doc_example()
    doc["recording_url"] = url
    call = map_call(doc)
    lib.save_call(call, "acme")

    async def go() -> RecordingFile:
        downloader = RecordingDownloader(lib, policy or DownloadPolicy(backoff=0.01))
        try:
            return await downloader.download(call)
        finally:
            await downloader.aclose()

    return asyncio.run(go())


def leftovers(lib: SqliteLibrary) -> list[str]:
    return sorted(p.name for p in lib.recordings_dir.iterdir())


@pytest.mark.parametrize("chunk_size", [64 * 1024, 1])
def test_html_served_as_audio_mpeg_is_refused(lib: SqliteLibrary, chunk_size: int) -> None:
    reply = Reply(HTML, {"Content-Type": "audio/mpeg"}, chunk_size=chunk_size)
    with HostileServer({REC_PATH: reply}) as server:
        with pytest.raises(StorageError, match="sent an HTML page, not audio") as caught:
            download(lib, server.url(REC_PATH))
    assert "labelled audio/mpeg" in str(caught.value)
    assert "nothing was stored" in str(caught.value)
    assert leftovers(lib) == []  # no .mp3, no .part
    stored = lib.get(REF)
    assert stored is not None and stored.recording is None


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"", "nothing (an empty body)"),
        (b'{"message": "Access denied"}', "a JSON document"),
        (b"PK\x03\x04" + PAD, "a ZIP archive"),
    ],
)
def test_other_non_audio_bodies_are_refused(lib: SqliteLibrary, body: bytes, what: str) -> None:
    with HostileServer({REC_PATH: Reply(body, {"Content-Type": "audio/wav"})}) as server:
        with pytest.raises(StorageError, match=re.escape(f"sent {what}, not audio")):
            download(lib, server.url(REC_PATH))
    assert leftovers(lib) == []


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (WAV, "audio/wav"),
        (OGG, "application/octet-stream"),  # a vague label is fine when the bytes are audio
        (MP3_ID3, "audio/mpeg"),
        (MP3_FRAME, ""),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00", "audio/mpeg"),  # shorter than the sniff
    ],
)
def test_real_audio_is_stored(lib: SqliteLibrary, body: bytes, ctype: str) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    with HostileServer({REC_PATH: Reply(body, headers, chunk_size=5)}) as server:
        recording = download(lib, server.url(REC_PATH))
    assert recording.path.read_bytes() == body
    assert recording.sha256 == hashlib.sha256(body).hexdigest()
    assert not [name for name in leftovers(lib) if name.endswith(".part")]


def test_a_part_that_is_not_audio_is_not_resumed(lib: SqliteLibrary) -> None:
    part = lib.recording_path(REF, "mp3").with_name(f"ringyo_{CALL_ID}.mp3.part")
    part.write_bytes(HTML[:40])  # left by an older version, say
    with HostileServer({REC_PATH: Reply(WAV, {"Content-Type": "audio/wav"})}) as server:
        recording = download(lib, server.url(REC_PATH))
        [seen] = server.requests
    assert "range" not in seen.headers  # started over instead of appending to it
    assert recording.path.read_bytes() == WAV


def test_endless_recording_over_the_cap_leaves_no_part(lib: SqliteLibrary) -> None:
    async def endless() -> AsyncIterator[bytes]:
        yield WAV[:64]
        while True:
            yield b"\x00" * 4096

    def storage(request: httpx.Request) -> httpx.Response:
        # No Content-Length: the size is only known by counting.
        return httpx.Response(200, stream=_Stream(endless()), headers={"Content-Type": "audio/wav"})

    doc = seed.ringyo_doc_example()
    call = map_call(doc)
    lib.save_call(call, "acme")

    async def go() -> None:
        downloader = RecordingDownloader(
            lib, DownloadPolicy(max_bytes=100_000), transport=httpx.MockTransport(storage)
        )
        try:
            with pytest.raises(StorageError, match="over the 0 MiB limit; stopped"):
                await downloader.download(call)
        finally:
            await downloader.aclose()

    asyncio.run(go())
    assert leftovers(lib) == []


class _Stream(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            yield chunk
