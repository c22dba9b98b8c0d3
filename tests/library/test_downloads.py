"""Recording downloads against the stand-in storage: resume, refusals, expiry, integrity."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from callreview.domain import Account, CallRef, StorageError
from callreview.library import SqliteLibrary
from callreview.library.downloads import DownloadPolicy, RecordingDownloader, sniff_audio
from callreview.providers import make_client
from callreview.providers.http import HttpPolicy
from callreview.workspace.fetch import FetchPipeline, Stage
from callreview.workspace.store import AsyncLibrary
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.library.helpers import open_library
from tests.standin import Fault, StandinServer, seed

T = TypeVar("T")
AUDIO = seed.sine_wav()
FAST = HttpPolicy(backoff_initial=0.01, backoff_max=0.05, max_attempts=3)


def arun(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def fetch(
    server: StandinServer,
    lib: SqliteLibrary,
    provider: str,
    call_ids: list[str],
    policy: DownloadPolicy | None = None,
    events: list[Any] | None = None,
) -> list[Any]:
    base = server.ringyo_base if provider == "ringyo" else server.rounded_base
    key = RINGYO_KEY if provider == "ringyo" else ROUNDED_KEY
    client = make_client(Account("acct", provider, base), key, policy=FAST)
    downloader = RecordingDownloader(lib, policy or DownloadPolicy(backoff=0.01))
    try:
        return await FetchPipeline(AsyncLibrary(lambda: lib), downloader).fetch(
            client, "acct", call_ids, on_event=events.append if events is not None else None
        )
    finally:
        await client.aclose()
        await downloader.aclose()


@pytest.fixture
def lib(tmp_path: Path) -> SqliteLibrary:
    library = open_library(tmp_path)
    yield library
    library.close()


def no_part_files(lib: SqliteLibrary) -> bool:
    return not list(lib.recordings_dir.glob("*.part"))


def test_fetch_stores_call_and_recording(server: StandinServer, lib: SqliteLibrary) -> None:
    events: list[Any] = []
    [result] = arun(fetch(server, lib, "rounded", [seed.ROUNDED_ANSWERS_ID], events=events))
    assert result.ok
    stored = lib.get(CallRef("rounded", seed.ROUNDED_ANSWERS_ID))
    assert stored is not None and stored.recording is not None
    assert stored.recording.path.read_bytes() == AUDIO
    assert stored.recording.sha256 == hashlib.sha256(AUDIO).hexdigest()
    assert stored.recording.path.name == f"rounded_{seed.ROUNDED_ANSWERS_ID}.wav"
    stages = [e.stage for e in events]
    assert stages[0] is Stage.FETCHING and stages[-1] is Stage.DONE
    assert Stage.DOWNLOADING in stages
    assert no_part_files(lib)
    # The presigned signature is not kept on disk; the library does not need the URL.
    assert "X-Amz-Signature" not in lib.path.read_bytes().decode("utf-8", "replace")


def test_truncated_download_resumes_with_range(server: StandinServer, lib: SqliteLibrary) -> None:
    server.queue_faults("storage", "call_xyz789", [Fault.truncated()])
    [result] = arun(fetch(server, lib, "ringyo", ["call_xyz789"]))
    assert result.ok
    storage = [r for r in server.requests if r.path.startswith("/storage/")]
    assert len(storage) == 2
    assert "range" not in storage[0].headers
    assert storage[1].headers["range"] == f"bytes={len(AUDIO) // 2}-"
    stored = lib.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None and stored.recording is not None
    assert stored.recording.path.read_bytes() == AUDIO


def test_html_login_page_is_refused(server: StandinServer, lib: SqliteLibrary) -> None:
    server.queue_faults("storage", "call_xyz789", [Fault.html()])
    [result] = arun(fetch(server, lib, "ringyo", ["call_xyz789"]))
    assert result.stored is not None  # the call itself is stored
    assert isinstance(result.recording_error, StorageError)
    assert "web page" in str(result.recording_error)
    stored = lib.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None and stored.recording is None
    assert list(lib.recordings_dir.iterdir()) == []


def test_non_audio_bytes_are_refused(server: StandinServer, lib: SqliteLibrary) -> None:
    server.queue_faults(
        "storage", "call_xyz789", [Fault.body(200, b"PK\x03\x04zip", "application/octet-stream")]
    )
    [result] = arun(fetch(server, lib, "ringyo", ["call_xyz789"]))
    assert "sent a ZIP archive, not audio" in str(result.recording_error)
    assert lib.get(CallRef("ringyo", "call_xyz789")).recording is None  # type: ignore[union-attr]
    assert list(lib.recordings_dir.iterdir()) == []


def test_size_cap(server: StandinServer, lib: SqliteLibrary) -> None:
    [result] = arun(fetch(server, lib, "ringyo", ["call_xyz789"], DownloadPolicy(max_bytes=1000)))
    assert "limit" in str(result.recording_error)
    assert list(lib.recordings_dir.iterdir()) == []


def test_expired_link_is_refreshed_once(server: StandinServer, lib: SqliteLibrary) -> None:
    server.recording_ttl = 0  # every URL the server hands out is already expired
    call_id = seed.ROUNDED_ANSWERS_ID
    [result] = arun(fetch(server, lib, "rounded", [call_id]))
    assert isinstance(result.recording_error, StorageError)
    assert "expired" in str(result.recording_error)
    gets = [r for r in server.requests if r.path.endswith(call_id)]
    # one fetch + one refetch for a fresh link (the expiry was already past: no doomed GET)
    assert len(gets) == 2
    assert lib.get(CallRef("rounded", call_id)).recording is None  # type: ignore[union-attr]


def test_403_from_storage_triggers_refetch_then_succeeds(
    server: StandinServer, lib: SqliteLibrary
) -> None:
    call_id = seed.ROUNDED_ANSWERS_ID
    server.queue_faults("storage", call_id, [Fault.status(403)])
    [result] = arun(fetch(server, lib, "rounded", [call_id]))
    assert result.ok, result.recording_error
    gets = [r for r in server.requests if r.path.endswith(call_id)]
    assert len(gets) == 2


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/a.wav", "data:audio/wav;base64,AA"])
def test_only_http_links(server: StandinServer, lib: SqliteLibrary, url: str) -> None:
    doc = seed.make_ringyo_call(900)
    doc["recording_url"] = url
    server.add_call("ringyo", doc)
    [result] = arun(fetch(server, lib, "ringyo", [doc["id"]]))
    assert "only http(s) links" in str(result.recording_error)


def test_refetch_keeps_existing_recording(server: StandinServer, lib: SqliteLibrary) -> None:
    arun(fetch(server, lib, "ringyo", ["call_xyz789"]))
    server.clear_requests()
    arun(fetch(server, lib, "ringyo", ["call_xyz789"]))
    assert not [r for r in server.requests if r.path.startswith("/storage/")]


def test_many_calls_and_downloads_concurrently(server: StandinServer, lib: SqliteLibrary) -> None:
    ids = ["call_xyz789", *[f"call_{i:06d}" for i in range(15)], "call_missing"]
    results = arun(fetch(server, lib, "ringyo", ids))
    assert sum(r.ok for r in results) == 16
    assert [r.call_id for r in results if r.error] == ["call_missing"]
    assert lib.integrity_check() == "ok"


def test_sniff_audio() -> None:
    assert sniff_audio(AUDIO[:16]) == "wav"
    assert sniff_audio(b"OggS\x00\x02") == "ogg"
    assert sniff_audio(b"ID3\x04") == "mp3"
    assert sniff_audio(b"<!DOCTYPE html>") is None


def test_disk_full_while_writing_is_a_clear_error(
    server: StandinServer, lib: SqliteLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from callreview.library import downloads

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(downloads.os, "fsync", full)
    [result] = arun(fetch(server, lib, "ringyo", ["call_xyz789"]))
    assert "No space left on device" in str(result.recording_error)
    assert list(lib.recordings_dir.iterdir()) == []
    assert lib.get(CallRef("ringyo", "call_xyz789")).recording is None  # type: ignore[union-attr]


def test_content_range_mismatch_restarts_from_zero(lib: SqliteLibrary) -> None:
    import httpx

    from callreview.providers.ringyo import map_call

    seen: list[str | None] = []
    wav = {"Content-Type": "audio/wav"}

    def storage(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("range"))
        if request.headers.get("range"):
            # Resumed from the wrong offset: the client must not trust it.
            wrong = {"Content-Range": f"bytes 10-{len(AUDIO) - 1}/{len(AUDIO)}"}
            return httpx.Response(
                206, stream=httpx.ByteStream(AUDIO[10:]), headers={**wrong, **wav}
            )
        # A stream, not `content=`: httpx pre-reads `content`, and downloads read raw bytes.
        return httpx.Response(200, stream=httpx.ByteStream(AUDIO), headers=wav)

    call = map_call(seed.ringyo_doc_example())
    lib.save_call(call, "acme")
    part = lib.recording_path(CallRef("ringyo", "call_xyz789"), "mp3").with_suffix(".mp3.part")
    part.write_bytes(AUDIO[:100])

    async def go() -> None:
        downloader = RecordingDownloader(lib, transport=httpx.MockTransport(storage))
        try:
            await downloader.download(call)
        finally:
            await downloader.aclose()

    arun(go())
    assert seen == ["bytes=100-", None]
    stored = lib.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None and stored.recording is not None
    assert stored.recording.path.read_bytes() == AUDIO
