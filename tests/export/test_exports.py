"""Exports: faithful content, spreadsheet safety, no secrets or URLs, atomic failure."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from callreview.domain import CallRef, ExportError
from callreview.export import ExportOptions
from callreview.library import SqliteLibrary
from callreview.library.sample import import_sample
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.export.factories import export_from
from tests.library.helpers import open_library
from tests.standin import seed

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    import_sample(library)
    doc = seed.ringyo_doc_example()
    doc["id"] = "call_formulas"
    doc["transcript"] = [
        {"role": "agent", "content": f, "timestamp": float(i)} for i, f in enumerate(FORMULAS)
    ] + [{"role": "user", "content": "مرحبا 您好 👍 café", "timestamp": 9.0}]
    doc["metadata"] = {
        "=cmd": "=evil()",
        "nested": {"@x": "+1", "sum": "+1+1"},
        "plain": "ok, with comma",
    }
    library.save_call(ringyo_call(doc), "acme")
    answers = seed.rounded_doc_example_with_answers()
    answers["variable_values"].append(
        {"name": "=var", "type": "string", "value": "-42", "timestamp": None}
    )
    library.save_call(rounded_call(answers), "support")
    library.add_note(CallRef("ringyo", "call_formulas"), "=note starts like a formula", 1000)
    yield library
    library.close()


ALL = [CallRef("ringyo", "call_formulas"), CallRef("rounded", seed.ROUNDED_ANSWERS_ID)]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unformula(value: str) -> str:
    return (
        value[1:]
        if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r")
        else value
    )


def test_calls_csv_round_trips_and_neutralizes_formulas(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, ALL, "csv", tmp_path / "calls.csv").paths
    rows = read_csv(path)
    assert [r["call_id"] for r in rows] == ["call_formulas", seed.ROUNDED_ANSWERS_ID]
    formulas = rows[0]
    assert formulas["metadata:=cmd"] == "'=evil()"
    assert formulas["metadata:nested.@x"] == "+1"  # E.164-shaped: a spreadsheet can't run it
    assert formulas["metadata:nested.sum"] == "'+1+1"
    assert formulas["metadata:plain"] == "ok, with comma"
    assert formulas["notes"] == "[00:01] =note starts like a formula"
    answers = rows[1]
    assert answers["variable:=var"] == "'-42"
    assert answers["answer:issue_resolved"] == "true"
    assert answers["answer:topic"] == "Order status"
    assert answers["answer:callback_date"] == ""
    assert answers["cost_amount"] == "0.15"
    assert formulas["from_number"] == "+18005551234"
    for row in rows:
        for key, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")) or re.fullmatch(
                r"\+[0-9]{1,15}", value
            ), (key, value)
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:5] == ["provider", "call_id", "account", "status", "status_raw"]


def test_segments_csv_round_trips_every_line(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, ALL, "segments-csv", tmp_path / "segments.csv").paths
    rows = read_csv(path)
    stored = lib.get(CallRef("ringyo", "call_formulas"))
    assert stored is not None
    texts = [unformula(r["text"]) for r in rows if r["call_id"] == "call_formulas"]
    assert texts == [s.text for s in stored.call.segments]
    assert rows[0]["start_ms"] == "0" and rows[0]["speaker"] == "Agent"


def test_bom_option(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, ALL, "csv", tmp_path / "bom.csv", ExportOptions(bom=True)).paths
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return unicodedata.normalize("NFKC", text)


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


@needs_poppler
def test_pdf_holds_every_line_and_no_url(qapp: object, lib: SqliteLibrary, tmp_path: Path) -> None:
    refs = [*lib.refs()]
    [path] = export_from(lib, refs, "pdf", tmp_path / "all.pdf").paths
    text = pdf_text(path)
    flat = " ".join(text.split())
    for ref in refs:
        stored = lib.get(ref)
        assert stored is not None
        for seg in stored.call.segments:
            words = " ".join(unicodedata.normalize("NFKC", seg.text).split())
            if any(ord(c) > 0x2000 for c in words):
                continue  # RTL/CJK/emoji extraction order differs; rendering is checked by eye
            assert words in flat, (ref, seg.text)
    assert "http" not in text and "X-Amz" not in text
    assert "Call summaries" in text and "Page 1 of" in text and "Exported 20" in text


@needs_poppler
def test_pdf_masking_and_options(qapp: object, lib: SqliteLibrary, tmp_path: Path) -> None:
    options = ExportOptions(mask=True, timestamps=False)
    [path] = export_from(
        lib, [CallRef("ringyo", "call_7f3a9c21")], "pdf", tmp_path / "m.pdf", options
    ).paths
    text = pdf_text(path)
    assert "+15550100100" not in text and "•••00" in text
    assert "[0:00]" not in text and "[0:03]" not in text
    [path] = export_from(
        lib,
        [CallRef("ringyo", "call_7f3a9c21")],
        "pdf",
        tmp_path / "n.pdf",
        ExportOptions(transcript=False),
    ).paths
    assert "Transcript" not in pdf_text(path)


def test_json_srt_vtt_markdown(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(lib, ALL, "json", tmp_path / "calls.json").paths
    data = json.loads(path.read_text())
    assert [d["call_id"] for d in data] == ["call_formulas", seed.ROUNDED_ANSWERS_ID]
    assert "recording_url" not in path.read_text() and "X-Amz" not in path.read_text()
    out = tmp_path / "subs"
    srts = export_from(lib, ALL, "srt", out).paths
    assert len(srts) == 2 and all(p.parent == out for p in srts)
    first = srts[0].read_text()
    assert first.startswith("1\n00:00:00,000 --> 00:00:01,000\nAgent: =1+1\n")
    [vtt] = export_from(lib, [CallRef("ringyo", "call_formulas")], "vtt", tmp_path / "c.vtt").paths
    body = vtt.read_text()
    assert body.startswith("WEBVTT") and "<v Agent>=1+1" in body
    [md] = export_from(lib, ALL, "md", tmp_path / "calls.md").paths
    assert (
        "**Caller:**" in md.read_text()
        and "| Was the customer's issue resolved? | Yes |" in md.read_text()
    )
    # The same split as the PDF and the window: agent and caller only, adding up to 100.
    splits = re.findall(r"\*\*Talk time:\*\* agent (\d+)%, caller (\d+)%\n", md.read_text())
    assert splits and all(int(a) + int(c) == 100 for a, c in splits)


def test_mask_in_tabular_exports(lib: SqliteLibrary, tmp_path: Path) -> None:
    [path] = export_from(
        lib,
        [CallRef("ringyo", "call_7f3a9c21")],
        "csv",
        tmp_path / "m.csv",
        ExportOptions(mask=True),
    ).paths
    row = read_csv(path)[0]
    assert row["from_number"] == "•••00" and "+1555" not in path.read_text()


def test_missing_destination_and_no_transcript(lib: SqliteLibrary, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export_from(lib, ALL, "csv", tmp_path / "nope" / "calls.csv")
    with pytest.raises(ExportError, match="no transcript"):
        export_from(lib, [CallRef("ringyo", "call_b84e0d55")], "srt", tmp_path / "x.srt")
    assert not (tmp_path / "x.srt").exists()


def test_full_disk_leaves_no_partial_file(
    lib: SqliteLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from callreview.export import text

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(text.os, "fsync", full)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportError, match="No space left on device"):
        export_from(lib, ALL, "json", out / "calls.json")
    assert list(out.iterdir()) == []


def test_cli_export(lib: SqliteLibrary, tmp_path: Path) -> None:
    from callreview import cli
    from callreview.secrets import MemorySecretStore

    data_dir = lib.path.parent
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        [
            "--data-dir",
            str(data_dir),
            "export",
            "call_formulas",
            "--format",
            "md",
            "--output",
            str(tmp_path / "one.md"),
        ],
        secrets=MemorySecretStore(),
        stdout=out,
        stderr=err,
    )
    assert code == 0 and (tmp_path / "one.md").exists()
    code = cli.main(
        [
            "--data-dir",
            str(data_dir),
            "export",
            "call_formulas",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "missing" / "x.csv"),
        ],
        secrets=MemorySecretStore(),
        stdout=out,
        stderr=err,
    )
    assert code == 1 and "does not exist" in err.getvalue() and "Traceback" not in err.getvalue()
