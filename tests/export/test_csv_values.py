"""CSV cells: formulas neutralized but phone numbers and numbers kept; the same values as JSON."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callreview.domain import CallRef
from callreview.export import ExportOptions, export_calls
from callreview.export.records import record_from_stored
from callreview.export.tabular import CALL_COLUMNS, write_calls_csv
from callreview.export.text import safe_cell
from callreview.library import RecordingFile, SqliteLibrary
from tests.export.factories import export_from, save_ringyo, save_rounded
from tests.library.helpers import open_library
from tests.standin import seed


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("+15550100100", "+15550100100"),
        ("+1", "+1"),
        ("+123456789012345", "+123456789012345"),
        ("+1234567890123456", "'+1234567890123456"),  # 16 digits: not E.164
        ("+1 (555) 010-0100", "'+1 (555) 010-0100"),
        ("+1+1", "'+1+1"),
        ("+", "'+"),
        ("+15550100100\n", "'+15550100100\n"),
        ("+١٢٣", "'+١٢٣"),  # digits, but not ASCII ones
        ("=1+1", "'=1+1"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("15550100100", "15550100100"),
        ("plain", "plain"),
    ],
)
def test_safe_cell(text: str, cell: str) -> None:
    assert safe_cell(text) == cell


NUMBERS: dict[str, Any] = {
    "whole": 5.0,
    "negative": -3,
    "half": 0.5,
    "huge": 1e20,
    "yes": True,
    "text_negative": "-3",
    "phone": "+15550100100",
    "list": [1.0, 2.5, "=x"],
}


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    save_ringyo(library, "call_numbers", ["Hello."], metadata=NUMBERS)
    answers = seed.rounded_doc_example_with_answers()["post_call_answers"]
    answers[0].update(
        question={**answers[0]["question"], "question_type": "number", "name": "score"},
        answer_boolean=None,
        answer_number=5.0,
    )
    save_rounded(
        library,
        cost=5.0,
        post_call_answers=answers,
        variable_values=[
            {"name": "count", "type": "number", "value": 7.0, "timestamp": None},
            {"name": "owed", "type": "number", "value": -12.5, "timestamp": None},
        ],
    )
    yield library
    library.close()


REFS = [CallRef("ringyo", "call_numbers"), CallRef("rounded", seed.ROUNDED_ANSWERS_ID)]


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["call_id"]: row for row in csv.DictReader(handle)}


def test_numbers_are_numbers_and_text_is_safe(lib: SqliteLibrary, tmp_path: Path) -> None:
    rows = read_rows(export_from(lib, REFS, "csv", tmp_path / "calls.csv").paths[0])
    ringyo = rows["call_numbers"]
    assert ringyo["metadata:whole"] == "5"
    assert ringyo["metadata:negative"] == "-3"  # a number: data, not a formula
    assert ringyo["metadata:half"] == "0.5"
    assert ringyo["metadata:huge"] == "1e+20"
    assert ringyo["metadata:yes"] == "true"
    assert ringyo["metadata:text_negative"] == "'-3"  # text that starts like a formula
    assert ringyo["metadata:phone"] == "+15550100100"
    assert ringyo["metadata:list"] == "1; 2.5; =x"
    assert ringyo["from_number"] == "+18005551234" and ringyo["to_number"] == "+14155551234"
    assert ringyo["duration_ms"] == "245000" and ringyo["segment_count"] == "1"
    rounded = rows[seed.ROUNDED_ANSWERS_ID]
    assert rounded["answer:score"] == "5"
    assert rounded["variable:count"] == "7" and rounded["variable:owed"] == "-12.5"
    assert rounded["cost_amount"] == "5"


def test_csv_and_json_write_the_same_values(lib: SqliteLibrary, tmp_path: Path) -> None:
    rows = read_rows(export_from(lib, REFS, "csv", tmp_path / "calls.csv").paths[0])
    [path] = export_from(lib, REFS, "json", tmp_path / "calls.json").paths
    documents = {d["call_id"]: d for d in json.loads(path.read_text(encoding="utf-8"))}
    assert "5.0" not in path.read_text(encoding="utf-8")
    ringyo = documents["call_numbers"]
    assert ringyo["metadata"]["whole"] == 5 and isinstance(ringyo["metadata"]["whole"], int)
    assert ringyo["metadata"]["yes"] is True and ringyo["metadata"]["huge"] == 1e20
    assert ringyo["metadata"]["list"] == [1, 2.5, "=x"]
    rounded = documents[seed.ROUNDED_ANSWERS_ID]
    assert rounded["cost"]["amount"] == rows[seed.ROUNDED_ANSWERS_ID]["cost_amount"] == "5"
    [score] = [i for i in rounded["analysis"]["items"] if i["key"] == "score"]
    assert str(score["value"]) == rows[seed.ROUNDED_ANSWERS_ID]["answer:score"] == "5"
    assert [v["value"] for v in rounded["variables"]] == [7, -12.5]


def test_started_at_is_when_the_call_started(lib: SqliteLibrary, tmp_path: Path) -> None:
    # Ringyo gives only a creation time, Rounded only a start.
    rows = read_rows(export_from(lib, REFS, "csv", tmp_path / "calls.csv").paths[0])
    [path] = export_from(lib, REFS, "json", tmp_path / "calls.json").paths
    for document in json.loads(path.read_text(encoding="utf-8")):
        row = rows[document["call_id"]]
        for column in ("started_at", "created_at", "ended_at"):
            assert row[column] == (document[column] or ""), (document["call_id"], column)
    assert rows["call_numbers"]["started_at"] == ""
    assert rows["call_numbers"]["created_at"] == "2024-01-15T10:30:00Z"
    assert rows[seed.ROUNDED_ANSWERS_ID]["started_at"] == "2023-06-15T14:30:00Z"
    assert rows[seed.ROUNDED_ANSWERS_ID]["created_at"] == ""


def test_records_from_stored_calls_keep_start_and_creation_apart(lib: SqliteLibrary) -> None:
    stored = [lib.get(ref) for ref in REFS]
    ringyo, rounded = [record_from_stored(s) for s in stored if s is not None]
    # ISO 8601 in UTC to the millisecond: the library's spelling, so both sources agree.
    assert ringyo["started_at"] is None
    assert ringyo["created_at"] == "2024-01-15T10:30:00.000+00:00"
    assert rounded["started_at"] == "2023-06-15T14:30:00.000+00:00"
    assert rounded["created_at"] is None


def test_stored_calls_and_the_library_give_the_same_rows(
    lib: SqliteLibrary, tmp_path: Path
) -> None:
    # One builder: the library's fast path (no call mapped again) and a stored call give
    # the very same record, and so the very same CSV.
    from_library = {r["call_id"]: r for r in lib.iter_records(REFS)}
    stored = [lib.get(ref) for ref in REFS]
    from_calls = {r["call_id"]: r for r in (record_from_stored(s) for s in stored if s)}
    assert from_library == from_calls and len(from_calls) == 2
    library_csv, calls_csv = tmp_path / "library.csv", tmp_path / "calls.csv"
    write_calls_csv(from_library.values(), library_csv, ExportOptions())
    write_calls_csv(from_calls.values(), calls_csv, ExportOptions())
    assert read_rows(library_csv) == read_rows(calls_csv)


def test_a_stored_call_exports_the_same_csv_as_its_record(
    lib: SqliteLibrary, tmp_path: Path
) -> None:
    stored = [s for s in (lib.get(ref) for ref in REFS) if s is not None]
    [from_calls] = export_calls(stored, "csv", tmp_path / "calls.csv").paths
    [from_records] = export_calls(list(lib.iter_records(REFS)), "csv", tmp_path / "r.csv").paths
    assert read_rows(from_calls) == read_rows(from_records)


def test_records_after_a_refetch_without_the_link_keep_the_stored_file(tmp_path: Path) -> None:
    # The library's "missing" column is written when the call is saved; a call saved again
    # with no recording link, after its file was stored, must not read "recording" from it.
    library = open_library(tmp_path / "lib")
    ref = save_ringyo(library, "call_relinked", ["Hello."])
    audio = library.recording_path(ref, "mp3")
    audio.write_bytes(b"ID3 not really audio")
    digest = hashlib.sha256(audio.read_bytes()).hexdigest()
    library.set_recording(ref, RecordingFile(audio, audio.stat().st_size, digest, "audio/mpeg"))
    save_ringyo(library, "call_relinked", ["Hello."], recording_url=None)
    [record] = library.iter_records([ref])
    stored = library.get(ref)
    library.close()
    assert stored is not None and record == record_from_stored(stored)
    assert "recording" not in record["missing"] and record["recording_downloaded"]


def test_every_documented_column_is_written_in_order(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, REFS, "csv", tmp_path / "calls.csv").paths
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header[: len(CALL_COLUMNS)]) == CALL_COLUMNS
    docs = (Path(__file__).parents[2] / "docs" / "exports.md").read_text(encoding="utf-8")
    documented = docs.split("Fixed, in this order:", 1)[1].split(".\n", 1)[0]
    assert [c.strip(" `\n") for c in documented.split(",")] == list(CALL_COLUMNS)


def test_a_stored_recording_is_not_missing_in_csv_or_json(tmp_path: Path) -> None:
    library = open_library(tmp_path / "lib")
    ref = save_ringyo(library, "call_no_link", ["Hello."], recording_url=None)
    stored = library.get(ref)
    assert stored is not None and stored.call.missing_parts == {"recording", "analysis"}
    audio = library.recording_path(ref, "mp3")
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(b"ID3 not really audio")
    digest = hashlib.sha256(audio.read_bytes()).hexdigest()
    library.set_recording(ref, RecordingFile(audio, audio.stat().st_size, digest, "audio/mpeg"))
    [csv_path] = export_from(library, [ref], "csv", tmp_path / "c.csv").paths
    [json_path] = export_from(library, [ref], "json", tmp_path / "c.json").paths
    library.close()
    assert read_rows(csv_path)["call_no_link"]["missing_parts"] == "analysis"
    [document] = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["missing_parts"] == ["analysis"] and document["recording"]["downloaded"]
