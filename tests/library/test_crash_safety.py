"""SIGKILL a bulk fetch with downloads at many moments: the library is always consistent."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.library.helpers import open_library
from tests.standin import StandinServer, seed

KEY = "rg_crash_0123456789"
CALLS = 30
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def crash_server() -> Iterator[StandinServer]:
    server = seed.seeded_server(n_each=CALLS, ringyo_key=KEY)
    for i in range(CALLS):
        # ~0.5 MB each, so kills land in the middle of downloads too.
        server.add_recording("ringyo", f"call_{i:06d}", seed.sine_wav(seconds=30.0, freq=300 + i))
    server.latency = 0.02
    server.start()
    yield server
    server.stop()


def start_worker(data_dir: Path, base: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.library.crash_worker", str(data_dir), base, str(CALLS)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdin is not None
    proc.stdin.write(KEY.encode() + b"\n")
    proc.stdin.close()
    return proc


def check_consistent(data_dir: Path) -> tuple[int, int]:
    db = sqlite3.connect(data_dir / "library.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    library = open_library(data_dir)
    try:
        calls = recordings = 0
        for ref in library.refs():
            stored = library.get(ref)  # every row re-maps: none is half-written
            assert stored is not None and stored.call.segments
            calls += 1
            if stored.recording is not None:
                data = stored.recording.path.read_bytes()
                assert len(data) == stored.recording.size
                assert hashlib.sha256(data).hexdigest() == stored.recording.sha256
                recordings += 1
        return calls, recordings
    finally:
        library.close()


def finish(data_dir: Path, base: str) -> None:
    proc = start_worker(data_dir, base)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0, err.decode()


def test_sigkill_at_many_moments(crash_server: StandinServer, tmp_path: Path) -> None:
    progress = []
    for n, delay in enumerate([0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.9]):
        data_dir = tmp_path / f"lib{n}"
        proc = start_worker(data_dir, crash_server.ringyo_base)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.stderr is not None
        proc.stderr.close()
        if (data_dir / "library.sqlite3").exists():
            progress.append(check_consistent(data_dir))
        # The next run finishes the job.
        finish(data_dir, crash_server.ringyo_base)
        assert check_consistent(data_dir) == (CALLS, CALLS)
        assert not list((data_dir / "recordings").glob("*.part"))
    print("(calls, recordings) found after each kill:", progress)
    # The kills really landed at different stages: before, during and after downloads.
    assert any(calls > recordings for calls, recordings in progress), progress
    assert len(set(progress)) >= 3, progress
