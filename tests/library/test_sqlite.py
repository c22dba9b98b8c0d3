"""The SQLite library: upserts that keep review state, search, refs, deletion, bad locations."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callreview.domain import (
    Call,
    CallRef,
    CallStatus,
    ConfigError,
    NotInLibraryError,
    StorageError,
)
from callreview.library import CallQuery, RecordingFile, SqliteLibrary
from callreview.library.schema import MIGRATIONS
from callreview.library.sqlite import fts_query
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.library.helpers import open_library
from tests.standin import seed


@pytest.fixture
def lib(tmp_path: Path) -> SqliteLibrary:
    library = open_library(tmp_path)
    yield library
    library.close()


def test_pragmas_and_schema_version(lib: SqliteLibrary) -> None:
    db = sqlite3.connect(lib.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert lib.integrity_check() == "ok"


def test_save_get_round_trip(lib: SqliteLibrary) -> None:
    call = ringyo_call(seed.ringyo_doc_example(), frozenset({"transcript"}))
    stored = lib.save_call(call, "acme")
    assert stored.call == call
    assert stored.account == "acme" and stored.review.notes == ()
    assert lib.get(CallRef("ringyo", "call_xyz789")) == stored


def test_refetch_updates_provider_data_and_keeps_review(lib: SqliteLibrary) -> None:
    doc = seed.ringyo_doc_example()
    lib.save_call(ringyo_call(doc), "acme")
    lib.set_review(
        CallRef("ringyo", "call_xyz789"), reviewed=True, flagged=True, sync_offset_ms=300
    )
    note = lib.add_note(CallRef("ringyo", "call_xyz789"), "Agent skipped the disclosure", 3200)
    doc["metadata"]["campaign"] = "winter"
    stored = lib.save_call(ringyo_call(doc), None)
    assert stored.call.metadata["campaign"] == "winter"
    assert stored.account == "acme"  # a refetch without an account keeps the old one
    assert stored.review.reviewed and stored.review.flagged
    assert stored.review.sync_offset_ms == 300
    assert stored.review.notes == (note,)


def test_incomplete_calls_are_listed_until_complete(lib: SqliteLibrary) -> None:
    doc = seed.ringyo_doc_example()
    doc.pop("transcript")
    lib.save_call(ringyo_call(doc), "acme")
    assert lib.incomplete() == [(CallRef("ringyo", "call_xyz789"), "acme")]
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    assert lib.incomplete() == [
        (CallRef("ringyo", "call_xyz789"), "acme")
    ]  # still no recording file
    audio = lib.recording_path(CallRef("ringyo", "call_xyz789"), "wav")
    audio.write_bytes(b"RIFF....WAVE")
    lib.set_recording(
        CallRef("ringyo", "call_xyz789"),
        RecordingFile(audio, 12, "0" * 64, "audio/wav", None, None),
    )
    stored = lib.get(CallRef("ringyo", "call_xyz789"))
    assert stored is not None and stored.recording is not None
    # The stored row's missing list no longer names the recording.
    [row] = lib.query(CallQuery())
    assert "recording" not in row.missing


def test_search_and_filters(lib: SqliteLibrary) -> None:
    for i in range(30):
        lib.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
        lib.save_call(rounded_call(seed.make_rounded_call(i)), "support")
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    assert lib.count(CallQuery()) == 61
    hits = lib.query(CallQuery(search="Sarah Acme"))
    assert [h.call_id for h in hits] == ["call_xyz789"]
    assert lib.query(CallQuery(search='"this is sarah"'))[0].call_id == "call_xyz789"
    assert lib.query(CallQuery(search="sar"))  # prefix while typing
    assert [h.call_id for h in lib.query(CallQuery(search="4155551234"))] == ["call_xyz789"]
    assert [h.call_id for h in lib.query(CallQuery(search="cust_456"))] == ["call_xyz789"]
    assert all(r.provider == "rounded" for r in lib.query(CallQuery(provider="rounded")))
    assert lib.count(CallQuery(account="support")) == 30
    assert lib.count(CallQuery(statuses=frozenset({CallStatus.ENDED}))) == 61
    lib.set_review(CallRef("ringyo", "call_000003"), flagged=True)
    assert [r.call_id for r in lib.query(CallQuery(flagged=True))] == ["call_000003"]
    page = lib.query(CallQuery(limit=10, offset=5))
    assert len(page) == 10
    times = [r.started_at for r in lib.query(CallQuery(limit=100))]
    assert times == sorted(times, key=lambda t: t or datetime.min.replace(tzinfo=UTC), reverse=True)
    since = datetime(2026, 11, 1, 11, 50, tzinfo=UTC)
    assert all(r.started_at and r.started_at >= since for r in lib.query(CallQuery(since=since)))


@pytest.mark.parametrize("text", ['"', "AND", "NEAR(", "a OR", "*", "'; DROP TABLE calls; --", ")"])
def test_search_never_raises_on_odd_input(lib: SqliteLibrary, text: str) -> None:
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.query(CallQuery(search=text))
    assert fts_query("") is None


def test_refs_and_ambiguity(lib: SqliteLibrary) -> None:
    ringyo = seed.ringyo_doc_example()
    rounded = seed.rounded_doc_example()
    rounded["id"] = "call_xyz789"  # same ID at two providers
    lib.save_call(ringyo_call(ringyo), "a")
    lib.save_call(rounded_call(rounded), "b")
    assert lib.resolve("ringyo:call_xyz789") == CallRef("ringyo", "call_xyz789")
    with pytest.raises(ConfigError, match=r"ambiguous.*ringyo:call_xyz789.*rounded:call_xyz789"):
        lib.resolve("call_xyz789")
    with pytest.raises(NotInLibraryError, match="no call 'nope'"):
        lib.resolve("nope")
    with pytest.raises(NotInLibraryError, match="no call ringyo:call_nope"):
        lib.resolve("ringyo:call_nope")
    with pytest.raises(NotInLibraryError, match="no call ringyo:call_nope"):
        lib.set_review(CallRef("ringyo", "call_nope"), reviewed=True)
    with pytest.raises(NotInLibraryError):
        lib.delete(CallRef("ringyo", "call_nope"))


def test_delete_removes_row_and_file(lib: SqliteLibrary) -> None:
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    audio = lib.recording_path(CallRef("ringyo", "call_xyz789"), "wav")
    audio.write_bytes(b"RIFF")
    lib.set_recording(CallRef("ringyo", "call_xyz789"), RecordingFile(audio, 4, "0" * 64, None))
    lib.add_note(CallRef("ringyo", "call_xyz789"), "note")
    lib.delete(CallRef("ringyo", "call_xyz789"))
    assert lib.get(CallRef("ringyo", "call_xyz789")) is None and not audio.exists()
    assert lib.query(CallQuery(search="Sarah")) == []
    assert lib.integrity_check() == "ok"


@pytest.mark.parametrize(
    "call_id", ["../../etc/passwd", "a/b", "..", "C:\\x", "con", "x" * 300, "ok-id.1"]
)
def test_recording_paths_stay_inside_the_library(lib: SqliteLibrary, call_id: str) -> None:
    path = lib.recording_path(CallRef("rounded", call_id), "../../sh")
    assert path.parent == lib.recordings_dir.resolve()
    assert path.name.startswith("rounded_") and path.suffix == ".audio"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    open_library(tmp_path).close()
    db = sqlite3.connect(tmp_path / "library.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StorageError, match="newer CallReview"):
        open_library(tmp_path)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "library.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="damaged or is not a CallReview library"):
        open_library(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_is_a_clear_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="not writable"):
            open_library(ro)
    finally:
        ro.chmod(0o700)


def test_read_only_library_file_is_a_clear_error(tmp_path: Path) -> None:
    lib = open_library(tmp_path)
    lib.close()
    db = sqlite3.connect(f"file:{tmp_path / 'library.sqlite3'}?mode=ro", uri=True)
    db.close()
    lib = open_library(tmp_path)
    # Simulate a read-only medium by opening the same file read-only under the hood.
    lib._database.conn.close()
    lib._database.conn = sqlite3.connect(
        f"file:{tmp_path / 'library.sqlite3'}?mode=ro",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
    )
    with pytest.raises(StorageError, match="not writable"):
        lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.close()


def test_unknown_status_stored_as_unknown(lib: SqliteLibrary) -> None:
    doc = seed.ringyo_doc_example()
    doc["status"] = "time_travelling"
    call = lib.save_call(ringyo_call(doc), None).call
    assert call.status is CallStatus.UNKNOWN and call.status_raw == "time_travelling"
    assert lib.query(CallQuery())[0].status_raw == "time_travelling"
    assert replace(call) == call


def test_full_database_is_a_clear_error_and_loses_nothing(lib: SqliteLibrary) -> None:
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    before = lib.get(CallRef("ringyo", "call_xyz789"))
    pages = lib._database.conn.execute("PRAGMA page_count").fetchone()[0]
    lib._database.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now "full"
    with pytest.raises(StorageError, match="disk is full"):
        lib.save_calls([ringyo_call(seed.make_ringyo_call(i)) for i in range(200)], "acme")
    assert lib.get(CallRef("ringyo", "call_xyz789")) == before
    assert lib.count(CallQuery()) == 1
    assert lib.integrity_check() == "ok"


@pytest.mark.parametrize("key", ["started_at", "duration_ms", "cost", "provider", "review"])
def test_sort_orders(lib: SqliteLibrary, key: str) -> None:
    for i in range(12):
        lib.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
        lib.save_call(rounded_call(seed.make_rounded_call(i)), "support")
    lib.set_review(CallRef("ringyo", "call_000004"), flagged=True)
    asc = lib.query(CallQuery(order_by=key, descending=False, limit=100))
    desc = lib.query(CallQuery(order_by=key, descending=True, limit=100))
    assert len(asc) == 24
    assert [r.ref for r in asc] == [r.ref for r in reversed(desc)]
    if key == "duration_ms":
        values = [r.duration_ms or 0 for r in asc]
        assert values == sorted(values)
    if key == "review":
        assert desc[0].call_id == "call_000004"


def test_upgrade_fills_start_and_creation_times_from_the_raw_json(tmp_path: Path) -> None:
    library = open_library(tmp_path)
    ringyo = ringyo_call(seed.ringyo_doc_example(), frozenset({"transcript"}))
    rounded = rounded_call(seed.make_rounded_call(1))
    library.save_call(ringyo, "acme")
    library.save_call(rounded, "support")
    library.close()
    # Back to a version-2 library, as the previous release wrote it.
    db = sqlite3.connect(tmp_path / "library.sqlite3")
    db.execute("ALTER TABLE calls DROP COLUMN call_started_at")
    db.execute("ALTER TABLE calls DROP COLUMN created_at")
    db.execute("ALTER TABLE calls DROP COLUMN agent_name")
    db.execute("ALTER TABLE notes DROP COLUMN author")
    for table in ("call_tags", "tags", "scores", "scorecards"):
        db.execute(f"DROP TABLE {table}")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()

    library = open_library(tmp_path)
    try:
        records = {r["call_id"]: r for r in library.iter_records(library.refs())}
    finally:
        library.close()

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    assert ringyo.started_at is None and ringyo.created_at is not None
    assert records[ringyo.call_id]["started_at"] is None
    assert when(records[ringyo.call_id]["created_at"]) == ringyo.created_at
    assert rounded.started_at is not None
    assert when(records[rounded.call_id]["started_at"]) == rounded.started_at
    assert when(records[rounded.call_id]["created_at"]) == rounded.created_at


def test_stored_calls_are_read_back_through_the_injected_mapper(tmp_path: Path) -> None:
    from callreview.providers.registry import map_raw_call

    seen: list[tuple[str, frozenset[str]]] = []

    def mapper(provider: str, raw: Any, included: frozenset[str]) -> Call:
        seen.append((provider, included))
        return map_raw_call(provider, raw, included)

    library = SqliteLibrary(tmp_path, mapper=mapper)
    try:
        ringyo = ringyo_call(seed.ringyo_doc_example(), frozenset({"transcript"}))
        library.save_call(ringyo, "acme")  # returns the call as read back
        assert library.get(ringyo.ref) is not None
        assert seen == [("ringyo", frozenset({"transcript"}))] * 2
    finally:
        library.close()


def test_a_call_that_no_longer_maps_says_so_and_can_still_be_deleted(tmp_path: Path) -> None:
    open_library(tmp_path).save_call(ringyo_call(seed.ringyo_doc_example()), "acme")

    def broken(provider: str, raw: Any, included: frozenset[str]) -> Call:
        raise ValueError("a field this version cannot read")

    library = SqliteLibrary(tmp_path, mapper=broken)
    ref = CallRef("ringyo", "call_xyz789")
    try:
        with pytest.raises(StorageError, match=r"can no longer be read.*Refresh the call"):
            library.get(ref)
        # Review state and notes need no mapping; nor does deleting the call.
        assert library.set_review(ref, flagged=True).flagged
        assert library.add_note(ref, "checked").text == "checked"
        assert library.refs() == [ref]
        library.delete(ref)
        assert library.refs() == []
    finally:
        library.close()
