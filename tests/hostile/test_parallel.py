"""Issue 13 item 5: two processes on one library.

Several `python -m callreview` processes (started at the same instant through
tests/hostile/parallel_worker.py) fetch the same calls with recordings into one new library,
or open a new library together; a window-like Workspace and a command line download the same
recordings at once. Afterwards every recording row agrees with its file, byte for byte with
what the server sent, nothing partial is left, and `PRAGMA integrity_check` is "ok".
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from callreview.accounts import AccountStore
from callreview.domain import Account
from callreview.library.schema import MIGRATIONS
from callreview.paths import DATA_DIR_NAMES
from callreview.secrets import MemorySecretStore
from callreview.workspace import FetchResult, build_workspace
from tests.library.helpers import open_library
from tests.standin import StandinServer, seed

ROOT = Path(__file__).resolve().parents[2]
KEY = "rg_parallel_0123456789"
ACCOUNT = "acme"
CALLS = 30
WORKERS = 3
ROUNDS = 3
RUN_TIMEOUT = 90  # seconds for one process; a round normally takes a few
ERRORS = ("free some disk space", "internal error", "already exists", "traceback")


def distinct(base: bytes, i: int) -> bytes:
    """`base` with a few bytes after the WAV header made unique to call `i` (same size):
    a file swapped between two calls would then fail the checksum check."""
    return base[:64] + i.to_bytes(4, "big") * 4 + base[80:]


@dataclass
class Served:
    server: StandinServer
    recordings: dict[str, bytes]  # call ID -> the bytes the storage serves


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = seed.seeded_server(n_each=CALLS, ringyo_key=KEY)
    base = seed.sine_wav(seconds=25.0)  # ~0.4 MB
    recordings = {}
    for i in range(CALLS):
        call_id = f"call_{i:06d}"
        recordings[call_id] = distinct(base, i)
        server.add_recording("ringyo", call_id, recordings[call_id])
    server.latency = 0.005  # a few ms per request, so the processes' downloads overlap
    server.start()
    try:
        yield Served(server, recordings)
    finally:
        server.stop()


def add_account(data_dir: Path, base_url: str) -> None:
    """Only the account list: the data folder holds no library yet (a new library)."""
    AccountStore(data_dir).save([Account(ACCOUNT, "ringyo", base_url)])


@contextlib.contextmanager
def workers(argvs: list[list[str]], key: str = KEY) -> Iterator[list[subprocess.Popen[str]]]:
    """One worker per argv, each imported and waiting for "go"; any still running at the
    end is killed."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        # Anything that would reach for the OS keyring finds none (the worker sets its own).
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    procs: list[subprocess.Popen[str]] = []
    try:
        for argv in argvs:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.hostile.parallel_worker", *argv],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            procs.append(proc)
            assert proc.stdin is not None
            proc.stdin.write(key + "\n")  # the key goes through stdin, never argv
            proc.stdin.flush()
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)


def go(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


def wait(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
        results.append((proc.returncode, out, err))
    return results


def run_together(argvs: list[list[str]], key: str = KEY) -> list[tuple[int, str, str]]:
    """Start one worker per argv, wait until all are imported, then let them go at once."""
    with workers(argvs, key) as procs:
        go(procs)
        return wait(procs)


def assert_clean(results: list[tuple[int, str, str]]) -> None:
    for code, _out, err in results:
        assert code == 0, (code, err[-3000:])
        for word in ERRORS:
            assert word not in err.lower(), err[-3000:]


def leftovers(data_dir: Path) -> tuple[list[str], list[str]]:
    """(files that should not be there, lock files) in the data folder and recordings/.

    Looked at before anything opens the library again: opening may tidy up leftovers, and
    this test is about what the fetches themselves leave behind. Lock files are accepted
    (a lock file may stay, empty, by design); partial downloads and temp files are not.
    """
    stray, locks = [], []
    for name in os.listdir(data_dir):
        if name.endswith(".lock"):
            locks.append(name)
        elif name not in DATA_DIR_NAMES:
            stray.append(name)
    recordings = data_dir / "recordings"
    if recordings.is_dir():
        for name in os.listdir(recordings):
            if name.endswith(".lock"):
                locks.append(f"recordings/{name}")
            elif not name.endswith(".wav"):
                stray.append(f"recordings/{name}")
    return stray, locks


def check_library(data_dir: Path, expected: dict[str, bytes]) -> list[str]:
    """Every expected call is stored with its recording, row == file == served bytes.

    Returns the lock files found (accepted, reported)."""
    stray, locks = leftovers(data_dir)
    assert stray == [], stray
    uri = (data_dir / "library.sqlite3").as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        rows = db.execute(
            "SELECT c.provider, c.call_id, r.file, r.size, r.sha256 "
            "FROM calls c LEFT JOIN recordings r ON r.call_rowid = c.id"
        ).fetchall()
        orphans = db.execute(
            "SELECT COUNT(*) FROM recordings WHERE call_rowid NOT IN (SELECT id FROM calls)"
        ).fetchone()[0]
    finally:
        db.close()
    assert orphans == 0
    by_id = {call_id: (provider, file, size, sha) for provider, call_id, file, size, sha in rows}
    assert len(rows) == len(by_id) == len(expected), sorted(by_id)
    recordings = data_dir / "recordings"
    files = set()
    problems = []
    for call_id, data in expected.items():
        provider, file, size, sha = by_id[call_id]
        assert provider == "ringyo"
        if file is None:
            problems.append(f"{call_id}: no recording row")
            continue
        path = recordings / file
        files.add(file)
        if not path.is_file():
            problems.append(f"{call_id}: row names {file}, which is not there")
            continue
        on_disk = path.read_bytes()
        on_disk_sha = hashlib.sha256(on_disk).hexdigest()
        if (size, sha) != (len(on_disk), on_disk_sha):
            problems.append(f"{call_id}: row says {size} B {sha[:12]}, file {len(on_disk)} B")
        if on_disk != data:
            problems.append(f"{call_id}: the file is not what the server sent")
    assert problems == [], problems
    # No audio file that no row names (a download that lost the race and was left behind).
    audio = {name for name in os.listdir(recordings) if not name.endswith(".lock")}
    assert audio == files, sorted(audio - files)
    return locks


# -- 1. parallel command-line fetches into one new library ----------------------------------


def test_parallel_fetches_into_one_new_library(served: Served, tmp_path: Path) -> None:
    """Three `callreview fetch` processes, the same 30 calls, one new library, three rounds.

    Before the per-call download lock, the processes wrote into the same `.part`, renamed
    it from under each other ("Could not write the recording ... Free some disk space") and
    stored rows whose size or sha256 did not match the file.
    """
    ids = list(served.recordings)
    started = time.monotonic()
    locks_seen: set[str] = set()
    for n in range(ROUNDS):
        data_dir = tmp_path / f"lib{n}"
        add_account(data_dir, served.server.ringyo_base)
        argv = ["--data-dir", str(data_dir), "fetch", "--account", ACCOUNT, *ids]
        results = run_together([argv] * WORKERS)
        assert_clean(results)
        for _code, out, _err in results:
            for call_id in ids:
                assert call_id in out, (call_id, out[-2000:])
        locks_seen.update(check_library(data_dir, served.recordings))
    print(f"{ROUNDS} rounds in {time.monotonic() - started:.1f}s; lock files left:", locks_seen)


# -- 2. two processes opening a new library ---------------------------------------------------


def test_two_processes_open_a_new_library_together(tmp_path: Path) -> None:
    """Before migrations ran under an exclusive lock that re-reads the version, the second
    process failed with "table calls already exists"."""
    for n in range(5):
        data_dir = tmp_path / f"new{n}"
        argv = ["--data-dir", str(data_dir), "calls", "list"]
        results = run_together([argv, argv], key="")
        assert_clean(results)
        for _code, out, _err in results:
            assert "The library is empty." in out, out
        stray, _locks = leftovers(data_dir)
        assert stray == []
        db = sqlite3.connect((data_dir / "library.sqlite3").as_uri() + "?mode=ro", uri=True)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        finally:
            db.close()


def test_two_processes_open_many_new_libraries_together(tmp_path: Path) -> None:
    """The same at library level, many times over for one process start each: two
    processes open 200 new libraries in step (each round starts both at once)."""
    problems = []
    with workers([["--open-libraries"]] * 2, key="") as procs:
        for n in range(200):
            data_dir = tmp_path / f"lib{n}"
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(f"{data_dir}\n")
                proc.stdin.flush()
            for proc in procs:
                assert proc.stdout is not None
                answer = proc.stdout.readline().strip()
                if answer != "ok":
                    problems.append(f"round {n}: {answer}")
        for proc in procs:  # an empty line ends the worker's loop
            assert proc.stdin is not None
            proc.stdin.write("\n")
            proc.stdin.flush()
        results = wait(procs)
    assert problems == [], problems
    for code, _out, err in results:
        assert code == 0, err[-3000:]


def test_threads_open_a_new_library_together(tmp_path: Path) -> None:
    """Two connections of one process (the window's and a worker's) racing on a new library:
    before the migration re-read the version under its lock, nearly every round failed."""
    for n in range(50):
        data_dir = tmp_path / f"lib{n}"
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def open_it(
            folder: Path = data_dir,
            start: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            start.wait(10)
            try:
                open_library(folder).close()
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == [], (n, errors)


# -- 3. a window and a command line download the same recordings at once --------------------


class _Trickle(BaseHTTPRequestHandler):
    """Serves each recording in small slices with pauses (with Range), so that a download is
    still running when the other process reaches the same call."""

    protocol_version = "HTTP/1.1"
    data: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.data.get(self.path.rsplit("/", 1)[-1].removesuffix(".wav"))
        if body is None:
            self.send_error(404)
            return
        first = 0
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and wanted.endswith("-"):
            first = int(wanted[len("bytes=") : -1])
        if first >= len(body):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if first else 200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body) - first))
        if first:
            self.send_header("Content-Range", f"bytes {first}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        try:
            for at in range(first, len(body), 32 * 1024):
                self.wfile.write(body[at : at + 32 * 1024])
                self.wfile.flush()
                time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickle() -> Iterator[tuple[StandinServer, dict[str, bytes]]]:
    """A stand-in API whose calls' recordings come slowly from a second loopback server."""
    base = seed.sine_wav(seconds=20.0)
    data = {f"slow_{i}": distinct(base, 100 + i) for i in range(4)}
    handler = type("Trickle", (_Trickle,), {"data": data})
    storage = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    storage.daemon_threads = True
    thread = threading.Thread(target=storage.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    api = StandinServer(ringyo_key=KEY)
    for i, call_id in enumerate(data):
        wire = seed.make_ringyo_call(i)
        wire.update(
            id=call_id,
            recording_url=f"http://127.0.0.1:{storage.server_port}/rec/{call_id}.wav",
        )
        api.add_call("ringyo", wire)
    api.start()
    try:
        yield api, data
    finally:
        api.stop()
        storage.shutdown()
        storage.server_close()
        thread.join(timeout=5)


@dataclass
class Window:
    """What the window does, in a thread with its own event loop: a Workspace on the data
    folder that fetches `ids` once `start` is set."""

    data_dir: Path
    base_url: str
    ids: list[str]
    ready: threading.Event = field(default_factory=threading.Event)
    start: threading.Event = field(default_factory=threading.Event)
    results: list[FetchResult] = field(default_factory=list)
    error: BaseException | None = None

    async def _scenario(self) -> None:
        ws = build_workspace(self.data_dir, secrets=MemorySecretStore())
        try:
            await ws.save_account(ACCOUNT, "ringyo", KEY, self.base_url)
            self.ready.set()
            await asyncio.to_thread(self.start.wait, 60)
            async with asyncio.timeout(RUN_TIMEOUT):
                self.results = await ws.fetch(ACCOUNT, self.ids)
        finally:
            await ws.aclose()

    def run(self) -> None:
        try:
            asyncio.run(self._scenario())
        except BaseException as exc:  # reported by the test's thread
            self.error = exc
        finally:
            self.ready.set()


def test_a_window_and_a_command_line_download_the_same_calls(
    trickle: tuple[StandinServer, dict[str, bytes]], tmp_path: Path
) -> None:
    """The window's Workspace (in this process, its own loop in a thread) and a `callreview
    fetch` process fetch the same calls while each recording trickles in: both succeed, and
    every row agrees with its file."""
    api, data = trickle
    data_dir = tmp_path / "data"
    ids = list(data)
    argv = ["--data-dir", str(data_dir), "fetch", "--account", ACCOUNT, *ids]
    # Two rounds: in the second the files are in place already (both may skip or download).
    for _round in range(2):
        window = Window(data_dir, api.ringyo_base, ids)
        thread = threading.Thread(target=window.run)
        thread.start()
        try:
            assert window.ready.wait(30), "the window's Workspace never got ready"
            with workers([argv]) as procs:
                window.start.set()
                go(procs)
                cli_results = wait(procs)
        finally:
            window.start.set()
            thread.join(timeout=RUN_TIMEOUT + 15)
        assert not thread.is_alive()
        assert window.error is None, repr(window.error)
        assert [r.call_id for r in window.results] == ids
        for result in window.results:
            assert result.ok, (result.call_id, result.error, result.recording_error)
        assert_clean(cli_results)
        check_library(data_dir, data)
