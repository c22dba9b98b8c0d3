"""Hostile bundles (issue 13, items 1, 2 and 7): a forger writes zips by hand, with lying
manifests, late failures, false declared sizes and bzip2 entries; memory bombs run the command
line under an address-space limit, so a regression fails here instead of exhausting the machine.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import os
import resource
import struct
import subprocess
import sys
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from callreview.domain import CallRef, StorageError
from callreview.library import RecordingFile, SqliteLibrary
from callreview.library.bundle import BundleError, import_bundle, inspect_bundle
from tests.library.helpers import open_library
from tests.standin import seed

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))
ADDRESS_SPACE = 1536 * 1024 * 1024  # the CLI is refused long before; old code needed >2 GB
CLI_TIMEOUT = 120


# -- the forger -------------------------------------------------------------------------------


@dataclass
class Raw:
    """One zip entry as the forger writes it: the stored bytes (already compressed with
    `method`) and what the headers declare about them, true or not."""

    name: str
    payload: bytes
    method: int = zipfile.ZIP_STORED
    crc: int | None = None  # the CRC-32 the headers declare (default: of the payload)
    size: int | None = None  # the uncompressed size the headers declare


def plain(name: str, data: bytes) -> Raw:
    return Raw(name, data, crc=zlib.crc32(data), size=len(data))


def deflated(name: str, data: bytes) -> Raw:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Raw(
        name, c.compress(data) + c.flush(), zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data)
    )


def forge(path: Path, entries: list[Raw]) -> Path:
    """A zip written byte by byte, so every header says what the test wants it to say."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e.name.encode()
        crc = zlib.crc32(e.payload) if e.crc is None else e.crc
        size = len(e.payload) if e.size is None else e.size
        offset = len(out)
        fields = (20, 0, e.method, 0, 0x21, crc, len(e.payload), size, len(name), 0)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + name + e.payload
        central += (
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                0x314,
                *fields[:-2],
                len(name),
                0,
                0,
                0,
                0,
                0o100644 << 16,
                offset,
            )
            + name
        )
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump(value: Any) -> bytes:
    return json.dumps(value).encode()


class Forger:
    """Builds bundles call by call, signing what it wants signed."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.entries: list[Raw] = []

    def call(
        self,
        call_id: str,
        raw: dict[str, Any] | bytes,
        review: dict[str, Any] | bytes | None = None,
        recording: bytes | None = None,
        provider: str = "ringyo",
        stem: str | None = None,
    ) -> Forger:
        stem = stem or f"{provider}_{call_id}"
        files: dict[str, str] = {}
        for kind, value in (("raw", raw), ("review", review)):
            if value is None:
                continue
            data = value if isinstance(value, bytes) else dump(value)
            name = f"calls/{provider}/{stem}.{kind}.json"
            self.entries.append(deflated(name, data))
            files[name] = sha(data)
        rec = None
        if recording is not None:
            name = f"recordings/{stem}.mp3"
            self.entries.append(plain(name, recording))
            rec = {"file": name, "sha256": sha(recording), "size": len(recording)}
            rec["content_type"] = "audio/mpeg"
        self.calls.append(
            {"provider": provider, "call_id": call_id, "account": "acme", "files": files}
            | {"recording": rec}
        )
        return self

    def manifest(self, calls: list[dict[str, Any]] | None = None) -> bytes:
        return dump(
            {
                "format": "callreview-bundle",
                "version": 1,
                "calls": self.calls if calls is None else calls,
            }
        )

    def write(self, path: Path) -> Path:
        return forge(path, [*self.entries, deflated("manifest.json", self.manifest())])


def ringyo(call_id: str, **changes: Any) -> dict[str, Any]:
    return {**seed.ringyo_doc_example(), "id": call_id, **changes}


def snapshot(lib: SqliteLibrary) -> object:
    refs = sorted(lib.refs())
    return refs, [lib.get(r) for r in refs], sorted(p.name for p in lib.recordings_dir.iterdir())


@pytest.fixture
def library(tmp_path: Path) -> SqliteLibrary:
    return open_library(tmp_path / "lib")


# -- item 1: lying manifests and late failures ------------------------------------------------


def test_the_forger_writes_bundles_the_app_imports(tmp_path: Path, library: SqliteLibrary) -> None:
    review = {"reviewed": True, "notes": [{"text": "ok", "position_ms": 5, "created_at": None}]}
    bundle = Forger().call("call_a", ringyo("call_a"), review, recording=WAV).write(tmp_path / "b")
    report = import_bundle(library, bundle)
    assert (report.added, report.recordings) == (1, 1)
    stored = library.get(CallRef("ringyo", "call_a"))
    assert stored is not None and stored.review.reviewed
    assert stored.recording is not None and stored.recording.path.read_bytes() == WAV


def test_a_manifest_naming_a_ghost_cannot_overwrite_an_existing_call(
    tmp_path: Path, library: SqliteLibrary
) -> None:
    from callreview.providers.ringyo import map_call

    library.save_call(map_call(seed.ringyo_doc_example()), "acme")
    before = snapshot(library)
    forged = ringyo("call_xyz789", transcript=[{"role": "agent", "content": "FORGED"}])
    bundle = Forger().call("ghost", forged).write(tmp_path / "ghost.crbundle")
    with pytest.raises(BundleError, match=r"Refused: the manifest names ringyo:ghost"):
        import_bundle(library, bundle)
    assert snapshot(library) == before
    stored = library.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None and "FORGED" not in [s.text for s in stored.call.segments]
    with pytest.raises(BundleError):
        inspect_bundle(bundle)


def nested(depth: int) -> bytes:
    inner = b"[" * depth + b"]" * depth
    return b'{"id": "call_b", "status": "completed", "metadata": {"k": ' + inner + b"}}"


LATE_FAILURES: dict[str, dict[str, Any]] = {
    "offset is text": {"review": {"sync_offset_ms": "abc"}},
    "offset is 10^30": {"review": {"sync_offset_ms": 10**30}},
    "offset beyond a day": {"review": {"sync_offset_ms": 86_400_001}},
    "note position 2^70": {"review": {"notes": [{"text": "x", "position_ms": 2**70}]}},
    "negative note position": {"review": {"notes": [{"text": "x", "position_ms": -1}]}},
    "blank note": {"review": {"notes": [{"text": "  ", "position_ms": 1}]}},
    "lone surrogate in a note": {"review": {"notes": [{"text": "a\ud800"}]}},
    "lone surrogate in raw JSON": {"raw": ringyo("call_b", metadata={"k": "\ud800"})},
    "JSON nested 600 deep": {"raw": nested(600)},
    "account is a list": {"account": ["acme"]},
    "duration 1e300": {"raw": ringyo("call_b", duration=1e300)},
}


@pytest.mark.parametrize("case", sorted(LATE_FAILURES))
def test_a_late_failure_leaves_earlier_calls_not_imported(
    case: str, tmp_path: Path, library: SqliteLibrary
) -> None:
    change = LATE_FAILURES[case]
    forger = Forger().call("call_a", ringyo("call_a"), {"notes": [{"text": "first"}]}, WAV)
    raw = change.get("raw", ringyo("call_b"))
    # json.dumps would escape the surrogate into valid JSON text; that is the attack.
    forger.call("call_b", raw if isinstance(raw, bytes) else dump(raw), change.get("review"))
    if "account" in change:
        forger.calls[-1]["account"] = change["account"]
    bundle = forger.write(tmp_path / "late.crbundle")
    before = snapshot(library)
    with pytest.raises(BundleError, match=r"^Refused: "):
        import_bundle(library, bundle)
    assert snapshot(library) == before
    assert library.integrity_check() == "ok"
    with pytest.raises(BundleError):
        inspect_bundle(bundle)


def test_importing_twice_changes_nothing_the_second_time(
    tmp_path: Path, library: SqliteLibrary
) -> None:
    notes = [
        {"text": f"n{i}", "position_ms": i, "created_at": "2026-01-01T00:00:00+00:00"}
        for i in range(3)
    ]
    bundle = (
        Forger()
        .call(
            "call_a",
            ringyo("call_a"),
            {"reviewed": True, "sync_offset_ms": 250, "notes": notes},
            WAV,
        )
        .write(tmp_path / "b.crbundle")
    )
    import_bundle(library, bundle)
    first = snapshot(library)
    report = import_bundle(library, bundle)
    assert (report.added, report.merged, report.recordings) == (0, 1, 0)
    assert snapshot(library) == first


@pytest.mark.parametrize("shared", [True, False], ids=["one library", "two connections"])
def test_two_concurrent_imports_add_each_note_once(
    shared: bool, tmp_path: Path, library: SqliteLibrary
) -> None:
    notes = [{"text": f"note {i}", "position_ms": i * 10} for i in range(150)]
    bundle = (
        Forger()
        .call("call_a", ringyo("call_a"), {"notes": notes}, WAV)
        .call("call_b", ringyo("call_b"), {"notes": notes[:20]})
        .write(tmp_path / "b.crbundle")
    )
    libraries = [library, library if shared else open_library(tmp_path / "lib")]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(lib: SqliteLibrary) -> None:
        start.wait()
        try:
            import_bundle(lib, bundle)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(lib,)) for lib in libraries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    a, b = library.get(CallRef("ringyo", "call_a")), library.get(CallRef("ringyo", "call_b"))
    assert a is not None and b is not None
    assert sorted(n.text for n in a.review.notes) == sorted(str(n["text"]) for n in notes)
    assert len(b.review.notes) == 20
    assert a.recording is not None and a.recording.path.read_bytes() == WAV
    assert [p.name for p in library.recordings_dir.iterdir()] == [a.recording.path.name]
    assert library.integrity_check() == "ok"


# -- item 7: a recording must be audio --------------------------------------------------------


def test_a_text_file_named_mp3_is_refused(tmp_path: Path, library: SqliteLibrary) -> None:
    text = b"<html><body>Not audio</body></html>\n" * 10
    bundle = (
        Forger().call("call_a", ringyo("call_a"), recording=text).write(tmp_path / "t.crbundle")
    )
    with pytest.raises(BundleError, match=r"Refused: .*is not an audio file"):
        import_bundle(library, bundle)
    assert snapshot(library) == ([], [], [])


@pytest.mark.parametrize(
    "head",
    [
        b"ID3\x04\x00",
        b"\xff\xfb\x90\x00",
        b"OggS\x00",
        b"fLaC\x00",
        b"\x00\x00\x00\x18ftypM4A ",
        b"\x1a\x45\xdf\xa3",
    ],
)
def test_every_audio_container_is_accepted(
    head: bytes, tmp_path: Path, library: SqliteLibrary
) -> None:
    audio = head + bytes(100)
    bundle = (
        Forger().call("call_a", ringyo("call_a"), recording=audio).write(tmp_path / "a.crbundle")
    )
    assert import_bundle(library, bundle).recordings == 1


# -- item 2: memory bombs, through the command line under an address-space limit --------------


def run_cli(data_dir: Path, bundle: Path | str) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "callreview",
            "--data-dir",
            str(data_dir),
            "bundle",
            "import",
            str(bundle),
        ],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        preexec_fn=limit,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "callreview: Refused: " in result.stderr, result.stderr[-2000:]
    assert reason in result.stderr, result.stderr[-2000:]
    assert "internal error" not in result.stderr


@pytest.fixture(scope="module")
def gib_of_spaces_bz2() -> tuple[bytes, bytes]:
    """A valid, empty manifest followed by 1 GiB of spaces, bzip2-compressed (about 1 KB)."""
    head = dump({"format": "callreview-bundle", "version": 1, "calls": []})
    c = bz2.BZ2Compressor(9)
    parts = [c.compress(head)]
    block = b" " * (1 << 20)
    parts += [c.compress(block) for _ in range(1024)]
    parts.append(c.flush())
    return head, b"".join(parts)


def test_a_bzip2_manifest_with_a_false_size_is_refused(
    tmp_path: Path, gib_of_spaces_bz2: tuple[bytes, bytes]
) -> None:
    head, payload = gib_of_spaces_bz2
    # The headers declare only the valid head, with its CRC: a reader that trusts them would
    # inflate 1 GiB to keep len(head) bytes, and accept it.
    bomb = Raw("manifest.json", payload, zipfile.ZIP_BZIP2, zlib.crc32(head), len(head))
    bundle = forge(tmp_path / "bz.crbundle", [bomb])
    assert_refused(run_cli(tmp_path / "data", bundle), "compression")


@pytest.mark.parametrize("declared", ["true", "small", "huge"])
def test_a_manifest_over_its_budget_is_refused_whatever_its_headers_say(
    declared: str, tmp_path: Path
) -> None:
    filler = os.urandom(5 << 20).hex()  # 10 MiB that deflate cannot shrink 200-fold
    data = dump({"format": "callreview-bundle", "version": 1, "calls": [], "pad": filler})
    entry = deflated("manifest.json", data)
    entry.size = {"true": len(data), "small": 100, "huge": 2**31}[declared]
    bundle = forge(tmp_path / "big.crbundle", [entry])
    with pytest.raises(BundleError, match="Refused"):
        inspect_bundle(bundle)


def test_300_entries_pointing_at_one_file_are_refused(tmp_path: Path) -> None:
    # About 2 MB that does not compress 200-fold.
    big = ringyo("call_big", metadata={f"k{i}": os.urandom(500).hex() for i in range(2000)})
    data = dump(big)
    name = "calls/ringyo/ringyo_call_big.raw.json"
    calls = [
        {
            "provider": "ringyo",
            "call_id": f"c{i}" if i else "call_big",
            "files": {name: sha(data)},
            "recording": None,
        }
        for i in range(300)
    ]
    forger = Forger()
    manifest = forger.manifest(calls)
    bundle = forge(
        tmp_path / "fan.crbundle", [deflated(name, data), deflated("manifest.json", manifest)]
    )
    assert_refused(run_cli(tmp_path / "data", bundle), "more than once")


def test_dev_zero_is_refused_before_it_is_read(tmp_path: Path) -> None:
    assert_refused(run_cli(tmp_path / "data", "/dev/zero"), "not a regular file")


def test_a_fifo_and_a_directory_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.crbundle"
    os.mkfifo(fifo)
    assert_refused(run_cli(tmp_path / "data", fifo), "not a regular file")  # no writer: no hang
    assert_refused(run_cli(tmp_path / "data", tmp_path), "not a regular file")


def test_a_late_failure_on_the_command_line_is_a_refusal_not_an_internal_error(
    tmp_path: Path,
) -> None:
    bundle = (
        Forger()
        .call("call_a", ringyo("call_a"))
        .call("call_b", ringyo("call_b"), {"sync_offset_ms": 10**30})
        .write(tmp_path / "late.crbundle")
    )
    assert_refused(run_cli(tmp_path / "data", bundle), "sync offset")
    lib = open_library(tmp_path / "data")
    try:
        assert lib.refs() == []
    finally:
        lib.close()


def test_the_import_is_refused_cleanly_when_the_library_fails(
    tmp_path: Path, library: SqliteLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error inside the transaction (here: placing the file) undoes the calls, the notes
    and the files already moved."""
    bundle = (
        Forger()
        .call("call_a", ringyo("call_a"), {"notes": [{"text": "a"}]}, WAV)
        .call("call_b", ringyo("call_b"), None, WAV)
        .write(tmp_path / "b.crbundle")
    )
    real = os.replace
    calls = {"n": 0}

    def flaky(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr("callreview.library.calls.os.replace", flaky)
    with pytest.raises(StorageError, match="Nothing was imported"):
        import_bundle(library, bundle)
    assert snapshot(library) == ([], [], [])


def test_an_existing_recording_is_kept(tmp_path: Path, library: SqliteLibrary) -> None:
    from callreview.providers.ringyo import map_call

    ref = library.save_call(map_call(ringyo("call_a")), "acme").call.ref
    mine = WAV + b"mine"
    path = library.recording_path(ref, "wav")
    path.write_bytes(mine)
    library.set_recording(ref, RecordingFile(path, len(mine), sha(mine), "audio/wav"))
    bundle = Forger().call("call_a", ringyo("call_a"), None, WAV).write(tmp_path / "b.crbundle")
    assert import_bundle(library, bundle).recordings == 0
    assert path.read_bytes() == mine
    assert sorted(p.name for p in library.recordings_dir.iterdir()) == [path.name]
