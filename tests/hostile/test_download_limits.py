"""Issue 13 items 5 and 6: downloads end, hold their recording's lock, and leave nothing behind.

A slow-loris storage server (a byte now and then) meets the overall deadline, a silent one the
stall timeout, both named in the error and settable from the command line; a `.part` kept for
resuming goes with `calls delete`, and unlocked leftovers no call needs go at library open; two
downloaders of one recording download it once; only a full disk says "free some disk space".
"""

from __future__ import annotations

import asyncio
import errno
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from callreview import cli
from callreview.domain import Call, CallRef, ConfigError, RecordingFile, StorageError
from callreview.library import SqliteLibrary
from callreview.library import downloads as downloads_module
from callreview.library.api import DownloadLimits
from callreview.library.downloads import DownloadPolicy, RecordingDownloader
from callreview.library.locks import FileLock, is_held_elsewhere
from callreview.providers.ringyo.mapping import map_call
from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.conftest import RINGYO_KEY
from tests.library.helpers import open_library
from tests.standin import StandinServer, seed

WAV = seed.sine_wav(seconds=2.0)  # ~32 KB of real audio


class Storage:
    """A storage server on 127.0.0.1 whose pace each test sets."""

    def __init__(self, body: bytes, *, first: int, gap: float, then_silent: float = 0.0) -> None:
        self.body, self.first, self.gap, self.then_silent = body, first, gap, then_silent
        self.gets = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.gets += 1
                start = 0
                wanted = self.headers.get("Range")
                if wanted:
                    start = int(wanted.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(outer.body) - 1}/{len(outer.body)}"
                    )
                else:
                    self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(outer.body) - start))
                self.end_headers()
                try:
                    rest = outer.body[start:]
                    self.wfile.write(rest[: outer.first])
                    self.wfile.flush()
                    if outer.then_silent:
                        time.sleep(outer.then_silent)
                    for i in range(outer.first, len(rest)):
                        time.sleep(outer.gap)
                        self.wfile.write(rest[i : i + 1])
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/rec/call.wav"

    def __enter__(self) -> Storage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path)
    yield library
    library.close()


def stored_call(lib: SqliteLibrary, url: str, call_id: str = "call_xyz789") -> Call:
    doc = seed.ringyo_doc_example()
    doc.update(id=call_id, recording_url=url)
    call = map_call(doc)
    lib.save_call(call, "acme")
    return call


def policy(deadline: float, stall: float, attempts: int = 4) -> DownloadPolicy:
    return DownloadPolicy(
        backoff=0.01, max_attempts=attempts, limits=DownloadLimits(deadline, stall)
    )


async def download(lib: SqliteLibrary, call: Call, pol: DownloadPolicy) -> Any:
    downloader = RecordingDownloader(lib, pol)
    try:
        return await downloader.download(call)
    finally:
        await downloader.aclose()


def parts(lib: SqliteLibrary) -> list[str]:
    return sorted(p.name for p in lib.recordings_dir.iterdir() if p.name.endswith(".part"))


# --- item 6: deadline and stall timeout -------------------------------------------------------


def test_a_slow_loris_recording_stops_at_the_deadline_and_says_so(lib: SqliteLibrary) -> None:
    # A byte every 0.2 s never trips the stall timeout; only the overall deadline ends it.
    with Storage(WAV, first=200, gap=0.2) as storage:
        call = stored_call(lib, storage.url)
        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            asyncio.run(download(lib, call, policy(deadline=2, stall=1)))
        took = time.monotonic() - started
    message = str(caught.value)
    assert took < 5, took
    assert "download deadline of 2 s" in message
    assert "--download-deadline" in message and "Settings" in message
    assert "kept" in message  # what arrived stays for a resume
    assert parts(lib), "the part kept for resuming"
    assert lib.get(call.ref).recording is None  # type: ignore[union-attr]


def test_a_silent_recording_fails_on_the_stall_timeout_and_says_so(lib: SqliteLibrary) -> None:
    with Storage(WAV, first=4096, gap=0.0, then_silent=30) as storage:
        call = stored_call(lib, storage.url)
        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            asyncio.run(download(lib, call, policy(deadline=60, stall=1, attempts=2)))
        took = time.monotonic() - started
    message = str(caught.value)
    assert took < 8, took
    assert "no data arrived for 1 s" in message and "stall timeout" in message
    assert "--stall-timeout" in message


def test_a_normal_recording_meets_neither_limit(lib: SqliteLibrary) -> None:
    with Storage(WAV, first=len(WAV), gap=0.0) as storage:
        call = stored_call(lib, storage.url)
        file = asyncio.run(download(lib, call, policy(deadline=5, stall=1)))
    assert file.path.read_bytes() == WAV
    assert parts(lib) == []


@pytest.mark.parametrize(
    ("deadline", "stall"), [(0, 60), (1800, 0), (float("nan"), 60), (10**9, 60), (1800, 10**6)]
)
def test_limits_outside_their_range_are_refused_in_words(deadline: float, stall: float) -> None:
    with pytest.raises(ConfigError, match="between"):
        DownloadLimits(deadline, stall)


def test_cli_fetch_takes_both_limits_and_reports_the_deadline(
    tmp_path: Path, server: StandinServer
) -> None:
    store = MemorySecretStore()
    data = tmp_path / "data"
    code, _out, err = run_cli(
        ["accounts", "add", "acme", "--provider", "ringyo", "--base-url", server.ringyo_base],
        data,
        store,
        stdin=RINGYO_KEY + "\n",
    )
    assert code == 0, err
    with Storage(WAV, first=200, gap=0.2) as storage:
        wire = seed.make_ringyo_call(7)
        wire.update(id="slow_recording_call", recording_url=storage.url)
        server.add_call("ringyo", wire)
        started = time.monotonic()
        code, out, err = run_cli(
            [
                "fetch",
                "--account",
                "acme",
                "--download-deadline",
                "2",
                "--stall-timeout",
                "1",
                "slow_recording_call",
            ],
            data,
            store,
        )
        took = time.monotonic() - started
    assert code == 1, (out, err)
    assert took < 6, took
    assert "slow_recording_call: stored, but" in err
    assert "download deadline of 2 s" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--stall-timeout", "0"],
        ["--download-deadline", "abc"],
        ["--download-deadline", "1e12"],
        ["--stall-timeout", "nan"],
    ],
)
def test_cli_refuses_unusable_limits_with_exit_2(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(
            ["--data-dir", str(tmp_path), "fetch", "--account", "acme", *argv, "x"],
            secrets=MemorySecretStore(),
        )
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert argv[0] in err and ("from 1 to" in err or "not a number" in err)
    assert "Traceback" not in err


# --- item 6: leftovers ------------------------------------------------------------------------


def put_part(lib: SqliteLibrary, ref: CallRef, data: bytes = b"RIFF") -> Path:
    target = lib.recording_path(ref, "wav")
    part = target.with_name(target.name + ".part")
    part.write_bytes(data)
    return part


def test_calls_delete_removes_the_part_kept_for_resuming(lib: SqliteLibrary) -> None:
    call = stored_call(lib, "https://storage.example/rec.wav")
    part = put_part(lib, call.ref)
    lib.delete(call.ref)
    assert not part.exists()


def test_library_open_removes_only_unlocked_leftovers_no_call_needs(tmp_path: Path) -> None:
    library = open_library(tmp_path)
    needed = stored_call(library, "https://storage.example/a.wav", "call_needed")
    done = stored_call(library, "https://storage.example/b.wav", "call_done")
    busy = stored_call(library, "https://storage.example/c.wav", "call_busy")
    file = library.recording_path(done.ref, "wav")
    file.write_bytes(WAV)
    library.set_recording(
        done.ref,
        RecordingFile(path=file, size=len(WAV), sha256="0" * 64, content_type="audio/wav"),
    )
    kept = put_part(library, needed.ref)
    finished = put_part(library, done.ref)
    gone = put_part(library, CallRef("ringyo", "call_deleted_meanwhile"))
    locked_part = put_part(library, busy.ref)
    library.delete(busy.ref)  # its part is removed with it …
    locked_part = put_part(library, busy.ref)  # … and a live download writes a new one
    stale_lock = library.recordings_dir / "ringyo_call_crashed.lock"
    stale_lock.write_bytes(b"")
    library.close()

    holder = FileLock(locked_part.with_name("ringyo_call_busy.lock"))
    assert holder.try_acquire()
    try:
        library = open_library(tmp_path)
        library.close()
        assert kept.exists(), "a call still without its recording resumes from its part"
        assert not finished.exists(), "the call has its file: the part is not needed"
        assert not gone.exists(), "no call for it any more"
        assert locked_part.exists(), "a download in progress elsewhere is left alone"
        assert not stale_lock.exists(), "an unheld lock file is a leftover"
        assert is_held_elsewhere(holder.path)
    finally:
        holder.release()
    assert not holder.path.exists()


# --- item 5: one downloader per recording -----------------------------------------------------


def test_two_downloaders_of_one_recording_download_it_once(tmp_path: Path) -> None:
    # Two downloaders with their own library connections: a window and a command line.
    first, second = open_library(tmp_path), open_library(tmp_path)
    try:
        with Storage(WAV, first=8192, gap=0.0005) as storage:
            call = stored_call(first, storage.url)

            async def both() -> list[Any]:
                return list(
                    await asyncio.gather(
                        download(first, call, policy(30, 5)), download(second, call, policy(30, 5))
                    )
                )

            a, b = asyncio.run(both())
            gets = storage.gets
        assert gets == 1, "the second waited for the first, then found the file in place"
        assert a.sha256 == b.sha256 and a.size == b.size == len(WAV)
        stored = first.get(call.ref)
        assert stored is not None and stored.recording is not None
        assert stored.recording.path.read_bytes() == WAV
        leftovers = [p.name for p in first.recordings_dir.iterdir() if p.suffix != ".wav"]
        assert leftovers == []
    finally:
        first.close()
        second.close()


def test_a_waiting_downloader_gives_up_at_its_deadline_and_says_why(lib: SqliteLibrary) -> None:
    call = stored_call(lib, "http://127.0.0.1:9/never.wav")
    target = lib.recording_path(call.ref, "wav")
    holder = FileLock(target.with_name(target.stem + ".lock"))
    assert holder.try_acquire()
    try:
        with pytest.raises(StorageError, match="another CallReview was still downloading it"):
            asyncio.run(download(lib, call, policy(deadline=1, stall=1)))
    finally:
        holder.release()


def test_a_row_whose_file_changed_counts_as_not_downloaded(lib: SqliteLibrary) -> None:
    with Storage(WAV, first=len(WAV), gap=0.0) as storage:
        call = stored_call(lib, storage.url)
        file = asyncio.run(download(lib, call, policy(5, 1)))
    file.path.write_bytes(WAV[:1000])  # cut short behind the library's back
    stored = lib.get(call.ref)
    assert stored is not None and stored.recording is None


@pytest.mark.parametrize(
    ("code", "says_disk"), [(errno.ENOSPC, True), (errno.EDQUOT, True), (errno.ENOENT, False)]
)
def test_only_a_full_disk_says_free_some_disk_space(
    lib: SqliteLibrary, monkeypatch: pytest.MonkeyPatch, code: int, says_disk: bool
) -> None:
    def refuse(path: Any, flags: int) -> int:
        raise OSError(code, "refused by the test")

    monkeypatch.setattr(downloads_module, "private_opener", refuse)
    with Storage(WAV, first=len(WAV), gap=0.0) as storage:
        call = stored_call(lib, storage.url)
        with pytest.raises(StorageError) as caught:
            asyncio.run(download(lib, call, policy(5, 1)))
    assert ("Free some disk space" in str(caught.value)) is says_disk
    assert parts(lib) == []


def test_deleting_a_call_while_its_recording_downloads_says_so(tmp_path: Path) -> None:
    first, second = open_library(tmp_path), open_library(tmp_path)
    try:
        # Most of the file at once, the last 2,000 bytes slowly: deleted in between.
        with Storage(WAV, first=len(WAV) - 2000, gap=0.0002) as storage:
            call = stored_call(first, storage.url)

            async def go() -> Exception | None:
                task = asyncio.ensure_future(download(first, call, policy(30, 5)))
                while not any(p.name.endswith(".part") for p in first.recordings_dir.iterdir()):
                    await asyncio.sleep(0.005)
                await asyncio.to_thread(second.delete, call.ref)  # `calls delete` elsewhere
                try:
                    await task
                except StorageError as exc:
                    return exc
                return None

            error = asyncio.run(go())
        assert error is not None and "removed from the library" in str(error), error
        assert "disk space" not in str(error)
        assert [p.name for p in first.recordings_dir.iterdir() if p.suffix != ".lock"] == []
    finally:
        first.close()
        second.close()
