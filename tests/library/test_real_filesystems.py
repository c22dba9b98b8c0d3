"""A real full disk and a real read-only disk (tmpfs mounts): library, downloads, exports.

Mounting needs root, which CI has; elsewhere these tests are skipped and the simulated
versions in test_sqlite.py, test_downloads.py and the export tests still run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from callreview.domain import CallRef, StorageError
from callreview.library import CallQuery
from callreview.providers.ringyo import map_call as ringyo_call
from tests.export.factories import export_from
from tests.library.helpers import open_library
from tests.library.test_downloads import arun, fetch, no_part_files
from tests.standin import StandinServer, seed


def _mount(point: Path, size_kib: int) -> None:
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")


def _remount_read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "disk"
    _mount(point, 1024)
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(disk: Path, leave_kib: int) -> None:
    """Fill the disk to the brim, then free `leave_kib`."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - leave_kib * 1024))


def test_full_disk_while_saving_calls(small_disk: Path) -> None:
    lib = open_library(small_disk)
    first = lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    _fill(small_disk, leave_kib=16)
    with pytest.raises(StorageError, match="disk is full") as error:
        lib.save_calls([ringyo_call(seed.make_ringyo_call(i)) for i in range(300)], "acme")
    assert "Nothing was changed" in str(error.value)
    # The library is intact and still usable once there is room again.
    assert lib.get(CallRef("ringyo", "call_xyz789")) == first
    assert lib.count(CallQuery()) == 1
    assert lib.integrity_check() == "ok"
    (small_disk / "filler").unlink()
    lib.save_calls([ringyo_call(seed.make_ringyo_call(i)) for i in range(5)], "acme")
    assert lib.count(CallQuery()) == 6
    lib.close()


def test_full_disk_while_downloading_a_recording(small_disk: Path, server: StandinServer) -> None:
    doc = seed.ringyo_doc_example()
    doc["id"] = "call_big_audio"
    server.add_call("ringyo", doc)
    server.add_recording("ringyo", "call_big_audio", seed.sine_wav(seconds=90))  # 1.4 MB
    lib = open_library(small_disk)
    try:
        [result] = arun(fetch(server, lib, "ringyo", ["call_big_audio"]))
        assert result.error is None and "No space left on device" in str(result.recording_error)
        stored = lib.get(CallRef("ringyo", "call_big_audio"))
        assert stored is not None and stored.recording is None
        assert list(lib.recordings_dir.iterdir()) == [] and no_part_files(lib)
        assert lib.integrity_check() == "ok"
    finally:
        lib.close()


def test_read_only_disk(small_disk: Path) -> None:
    empty = small_disk / "empty"
    empty.mkdir()
    lib = open_library(small_disk / "lib")
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.close()
    _remount_read_only(small_disk)
    for folder in (empty, small_disk / "lib"):
        with pytest.raises(StorageError, match=r"Read-only file system|not writable") as error:
            open_library(folder)
        assert "writable" in str(error.value)


@pytest.mark.parametrize("fmt", ["pdf", "csv", "json"])
def test_export_to_a_full_disk(small_disk: Path, tmp_path: Path, fmt: str, qapp: object) -> None:
    from callreview.domain import ExportError

    lib = open_library(tmp_path / "data")
    for i in range(40):
        lib.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
    refs = [CallRef("ringyo", f"call_{i:06d}") for i in range(40)]
    _fill(small_disk, leave_kib=8)
    try:
        with pytest.raises(ExportError) as error:
            export_from(lib, refs, fmt, small_disk / f"calls.{fmt}")
        assert "No space left on device" in str(error.value) or "disk full" in str(error.value)
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # nothing half-written
    finally:
        lib.close()


def test_bundle_export_to_a_full_disk(small_disk: Path, tmp_path: Path) -> None:
    from callreview.library.bundle import export_bundle

    lib = open_library(tmp_path / "data")
    for i in range(60):
        lib.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
    _fill(small_disk, leave_kib=8)
    try:
        refs = [CallRef("ringyo", f"call_{i:06d}") for i in range(60)]
        with pytest.raises(StorageError, match="No space left on device"):
            export_bundle(lib, refs, small_disk / "calls.zip")
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
    finally:
        lib.close()
