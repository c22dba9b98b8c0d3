"""Bundles: a faithful round trip, and every refusal leaves the library exactly as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callreview import __version__
from callreview.domain import CallRef, StorageError
from callreview.library import RecordingFile, SqliteLibrary
from callreview.library.bundle import (
    BundleCall,
    BundleError,
    export_bundle,
    import_bundle,
    inspect_bundle,
)
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.library.helpers import open_library
from tests.standin import seed

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))


def fill(lib: SqliteLibrary) -> None:
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.save_call(rounded_call(seed.rounded_doc_example_with_answers()), "support")
    lib.set_review(CallRef("ringyo", "call_xyz789"), reviewed=True, flagged=True)
    lib.add_note(CallRef("ringyo", "call_xyz789"), "Greeting OK; disclosure missing", 3200)
    audio = lib.recording_path(CallRef("ringyo", "call_xyz789"), "wav")
    audio.write_bytes(WAV)
    lib.set_recording(
        CallRef("ringyo", "call_xyz789"),
        RecordingFile(audio, len(WAV), hashlib.sha256(WAV).hexdigest(), "audio/wav"),
    )


def snapshot(lib: SqliteLibrary) -> object:
    calls = sorted(lib.refs())
    return (
        calls,
        [lib.get(ref) for ref in calls],
        sorted(p.name for p in lib.recordings_dir.iterdir()),
    )


@pytest.fixture
def source(tmp_path: Path) -> SqliteLibrary:
    lib = open_library(tmp_path / "a")
    fill(lib)
    return lib


@pytest.fixture
def bundle(source: SqliteLibrary, tmp_path: Path) -> Path:
    out = tmp_path / "calls.crbundle"
    refs = [
        CallRef("ringyo", "call_xyz789"),
        CallRef("rounded", seed.rounded_doc_example_with_answers()["id"]),
    ]
    assert export_bundle(source, refs, out) == 2
    return out


def test_round_trip_into_an_empty_library(
    bundle: Path, source: SqliteLibrary, tmp_path: Path
) -> None:
    target = open_library(tmp_path / "b")
    report = import_bundle(target, bundle)
    assert (report.added, report.merged, report.recordings) == (2, 0, 1)
    before = source.get(CallRef("ringyo", "call_xyz789"))
    after = target.get(CallRef("ringyo", "call_xyz789"))
    assert before is not None and after is not None
    assert after.call.segments == before.call.segments
    assert after.review.reviewed and after.review.flagged
    assert [n.text for n in after.review.notes] == ["Greeting OK; disclosure missing"]
    assert after.recording is not None and after.recording.path.read_bytes() == WAV
    assert target.integrity_check() == "ok"


def test_bundle_holds_no_url_and_no_key(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        text = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".json"))
    assert b'"recording_url"' not in text and b"X-Amz" not in text and b"https://" not in text


def test_reimport_merges_by_the_documented_rule(bundle: Path, source: SqliteLibrary) -> None:
    source.add_note(CallRef("ringyo", "call_xyz789"), "a later note")
    report = import_bundle(source, bundle)
    assert (report.added, report.merged, report.recordings) == (0, 2, 0)
    stored = source.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None
    assert [n.text for n in stored.review.notes] == [
        "Greeting OK; disclosure missing",
        "a later note",
    ]


def rewrite(bundle: Path, edit: Callable[[dict[str, bytes]], None], out: Path) -> Path:
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    edit(files)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out


def manifest_edit(
    change: Callable[[dict[str, object]], None],
) -> Callable[[dict[str, bytes]], None]:
    def edit(files: dict[str, bytes]) -> None:
        manifest = json.loads(files["manifest.json"])
        change(manifest)
        files["manifest.json"] = json.dumps(manifest).encode()

    return edit


def _first(m: dict[str, object]) -> dict[str, object]:
    calls = m["calls"]
    assert isinstance(calls, list)
    return calls[0]  # type: ignore[no-any-return]


def review_edit(change: Callable[[dict[str, object]], None]) -> Callable[[dict[str, bytes]], None]:
    """Edit the first review file and re-sign it in the manifest, as a forger would."""

    def edit(files: dict[str, bytes]) -> None:
        name = next(n for n in files if n.endswith(".review.json"))
        review = json.loads(files[name])
        change(review)
        files[name] = json.dumps(review).encode()
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["calls"]:
            if name in entry["files"]:
                entry["files"][name] = hashlib.sha256(files[name]).hexdigest()
        files["manifest.json"] = json.dumps(manifest).encode()

    return edit


BAD_EDITS: dict[str, Callable[[dict[str, bytes]], None]] = {
    "unsafe path": lambda f: f.__setitem__("../evil.json", b"{}"),
    "absolute path": lambda f: f.__setitem__("/etc/cron.d/x", b"x"),
    "backslash path": lambda f: f.__setitem__("recordings\\..\\x", b"x"),
    "wrong version": manifest_edit(lambda m: m.__setitem__("version", 99)),
    "not a bundle": manifest_edit(lambda m: m.__setitem__("format", "zip")),
    "checksum": lambda f: f.__setitem__(
        next(n for n in f if n.endswith(".raw.json")), b'{"id": "tampered"}'
    ),
    "duplicate call": manifest_edit(lambda m: m["calls"].append(_first(m))),  # type: ignore[union-attr]
    "recording checksum": lambda f: f.__setitem__(
        next(n for n in f if n.startswith("recordings/")), WAV[:-1] + b"!"
    ),
    "missing file": lambda f: f.pop(next(n for n in f if n.endswith(".review.json"))),
    "no manifest": lambda f: f.pop("manifest.json"),
    "recording not an object": manifest_edit(lambda m: _first(m).__setitem__("recording", "x")),
    "files not an object": manifest_edit(lambda m: _first(m).__setitem__("files", ["a"])),
    "sync offset not a number": review_edit(lambda r: r.__setitem__("sync_offset_ms", "soon")),
}


@pytest.mark.parametrize("case", sorted(BAD_EDITS))
def test_refusals_leave_the_library_untouched(case: str, bundle: Path, tmp_path: Path) -> None:
    target = open_library(tmp_path / "t")
    target.save_call(ringyo_call(seed.make_ringyo_call(1)), "x")
    before = snapshot(target)
    bad = rewrite(bundle, BAD_EDITS[case], tmp_path / "bad.zip")
    with pytest.raises(StorageError) as info:
        import_bundle(target, bad)
    assert "Refused" in str(info.value)
    assert snapshot(target) == before
    assert target.integrity_check() == "ok"


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    target = open_library(tmp_path / "t")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"{}")
        zf.writestr("recordings/x.wav", b"\0" * (50 * 2**20))
    with pytest.raises(BundleError, match="zip bomb"):
        import_bundle(target, bomb)
    assert target.refs() == []


def test_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    target = open_library(tmp_path / "t")
    junk = tmp_path / "junk.zip"
    junk.write_text("hello")
    with pytest.raises(BundleError, match="not a valid bundle"):
        import_bundle(target, junk)
    with pytest.raises(StorageError, match="No such bundle"):
        import_bundle(target, tmp_path / "absent.zip")


def test_export_to_unwritable_place_leaves_nothing(source: SqliteLibrary, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        export_bundle(source, [CallRef("ringyo", "call_xyz789")], blocker / "sub" / "out.zip")
    with pytest.raises(StorageError, match="no call"):
        export_bundle(source, [CallRef("ringyo", "nope")], tmp_path / "o.zip")
    assert not (tmp_path / "o.zip").exists()
    assert not list(tmp_path.glob(".o.zip.*"))


def test_inspect_describes_the_bundle_without_a_library(
    bundle: Path, source: SqliteLibrary
) -> None:
    summary = inspect_bundle(bundle)
    ringyo = source.get(CallRef("ringyo", "call_xyz789"))
    rounded_id = seed.rounded_doc_example_with_answers()["id"]
    rounded = source.get(CallRef("rounded", rounded_id))
    assert ringyo is not None and rounded is not None
    # Ringyo's example has no started_at: the summary falls back to created_at, like the app.
    assert ringyo.call.started_at is None and ringyo.call.created_at is not None
    assert rounded.call.started_at is not None and ringyo.call.from_number is not None
    assert summary.calls == (
        BundleCall(
            provider="ringyo",
            call_id="call_xyz789",
            started_at=ringyo.call.created_at,
            from_number=ringyo.call.from_number,
            to_number=ringyo.call.to_number,
            duration_ms=ringyo.call.duration_ms,
            has_recording=True,
            note_count=1,
            reviewed=True,
            flagged=True,
        ),
        BundleCall(
            provider="rounded",
            call_id=rounded_id,
            started_at=rounded.call.started_at,
            from_number=rounded.call.from_number,
            to_number=rounded.call.to_number,
            duration_ms=rounded.call.duration_ms,
            has_recording=False,
            note_count=0,
            reviewed=False,
            flagged=False,
        ),
    )
    assert (summary.recordings, summary.notes) == (1, 1)
    assert summary.app_version == __version__
    assert summary.created_at is not None
    assert abs(datetime.now(UTC) - summary.created_at) < timedelta(minutes=5)


def test_inspect_tolerates_a_manifest_without_date_or_version(bundle: Path, tmp_path: Path) -> None:
    def drop(m: dict[str, object]) -> None:
        del m["created_at"], m["app_version"]

    summary = inspect_bundle(rewrite(bundle, manifest_edit(drop), tmp_path / "plain.zip"))
    assert (summary.created_at, summary.app_version) == (None, None)
    assert len(summary.calls) == 2


@pytest.mark.parametrize("case", sorted(BAD_EDITS))
def test_inspect_refuses_what_import_refuses(case: str, bundle: Path, tmp_path: Path) -> None:
    bad = rewrite(bundle, BAD_EDITS[case], tmp_path / "bad.zip")
    before = bad.read_bytes()
    with pytest.raises(BundleError, match="Refused"):
        inspect_bundle(bad)
    assert bad.read_bytes() == before


def test_inspect_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_text("hello")
    with pytest.raises(BundleError, match="not a valid bundle"):
        inspect_bundle(junk)
    with pytest.raises(StorageError, match="No such bundle"):
        inspect_bundle(tmp_path / "absent.zip")


def test_entries_are_regular_files_readable_once_extracted(
    source: SqliteLibrary, tmp_path: Path
) -> None:
    stored = source.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None and stored.recording is not None
    stored.recording.path.chmod(0o600)  # the source file's own mode must not leak into the zip
    out = tmp_path / "modes.crbundle"
    export_bundle(source, [CallRef("ringyo", "call_xyz789")], out)
    with zipfile.ZipFile(out) as zf:
        infos = zf.infolist()
        assert {i.filename.split("/")[0] for i in infos} == {"manifest.json", "calls", "recordings"}
        for info in infos:
            mode = info.external_attr >> 16
            assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o644, info.filename
            assert info.create_system == 3, info.filename
        zf.extractall(tmp_path / "py")
    for info in infos:
        assert (tmp_path / "py" / info.filename).read_bytes() == zipfile.ZipFile(out).read(info)
    if shutil.which("unzip") is None:
        return
    target = tmp_path / "unzipped"
    subprocess.run(
        ["sh", "-c", 'umask 022 && exec unzip -q "$0" -d "$1"', str(out), str(target)],
        check=True,
    )
    for info in infos:
        extracted = target / info.filename
        assert stat.S_IMODE(extracted.stat().st_mode) == 0o644, info.filename
        assert extracted.read_bytes() == (tmp_path / "py" / info.filename).read_bytes()
