"""Multi-call exports of transcript-only formats skip calls without a transcript."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from callreview.domain import CallRef, ExportError
from callreview.export import ExportResult
from callreview.library import SqliteLibrary
from callreview.library.sample import import_sample
from tests.export.factories import export_from, save_ringyo, save_rounded
from tests.library.helpers import open_library

BARE = CallRef("ringyo", "call_b84e0d55")  # the sample library's no-answer call


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    import_sample(library)
    yield library
    library.close()


def spoken(lib: SqliteLibrary) -> list[tuple[str, str]]:
    refs = []
    for ref in lib.refs():
        stored = lib.get(ref)
        assert stored is not None
        if stored.call.segments:
            refs.append(ref)
    return refs


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_subtitles_of_many_calls_skip_the_one_without_transcript(
    lib: SqliteLibrary, tmp_path: Path, fmt: str
) -> None:
    refs = lib.refs()
    assert BARE in refs and len(spoken(lib)) == len(refs) - 1
    seen: list[tuple[int, int]] = []
    out = tmp_path / "subs"
    result = export_from(lib, refs, fmt, out, progress=lambda *p: seen.append(p))
    assert isinstance(result, ExportResult)
    assert result.skipped == [(BARE, "no transcript")]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in result.paths)
    assert len(result.paths) == len(refs) - 1
    assert not any("b84e0d55" in p.name for p in result.paths)
    assert all(p.read_text().strip() for p in result.paths)
    assert seen[-1] == (len(refs), len(refs))


def test_segments_csv_skips_and_lists_every_line_of_the_others(
    lib: SqliteLibrary, tmp_path: Path
) -> None:
    result = export_from(lib, lib.refs(), "segments-csv", tmp_path / "lines.csv")
    assert result.skipped == [(BARE, "no transcript")]
    with open(result.paths[0], encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = 0
    for ref in spoken(lib):
        stored = lib.get(ref)
        assert stored is not None
        expected += len(stored.call.segments)
    assert len(rows) == expected and "call_b84e0d55" not in {r["call_id"] for r in rows}


@pytest.mark.parametrize("fmt", ["srt", "vtt", "segments-csv"])
def test_nothing_to_write_is_an_error_and_creates_nothing(
    lib: SqliteLibrary, tmp_path: Path, fmt: str
) -> None:
    other = save_ringyo(lib, "call_silent", [], status="no-answer")
    out = tmp_path / "subs"
    with pytest.raises(ExportError, match=r"None of the 2 calls has transcript lines") as error:
        export_from(lib, [BARE, other], fmt, out)
    assert "ringyo:call_b84e0d55" in str(error.value) and "ringyo:call_silent" in str(error.value)
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "lib"]


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_one_call_without_transcript_is_an_error(
    lib: SqliteLibrary, tmp_path: Path, fmt: str
) -> None:
    with pytest.raises(ExportError, match=r"call_b84e0d55 has no transcript"):
        export_from(lib, [BARE], fmt, tmp_path / f"x.{fmt}")
    assert list(tmp_path.iterdir()) == [tmp_path / "lib"]


def test_the_folder_layout_follows_the_calls_asked_for(lib: SqliteLibrary, tmp_path: Path) -> None:
    # Two calls asked for, one left: still a folder with one file, not a file named "two.srt".
    [spoke] = spoken(lib)[:1]
    result = export_from(lib, [spoke, BARE], "srt", tmp_path / "two.srt")
    [path] = result.paths
    assert path.parent == tmp_path / "two.srt" and path.is_file()


def test_formats_that_describe_the_call_skip_nothing(lib: SqliteLibrary, tmp_path: Path) -> None:
    for fmt in ("csv", "json", "md"):
        result = export_from(lib, lib.refs(), fmt, tmp_path / f"all.{fmt}")
        assert result.skipped == [] and len(result.paths) == 1


def test_a_transcript_as_one_block_of_text_is_named_as_such(
    lib: SqliteLibrary, tmp_path: Path
) -> None:
    text_only = save_rounded(lib, transcript=[])
    stored = lib.get(text_only)
    assert stored is not None and stored.call.transcript_text and not stored.call.segments
    result = export_from(
        lib, [CallRef("ringyo", "call_7f3a9c21"), text_only], "vtt", tmp_path / "v"
    )
    assert result.skipped == [(text_only, "a transcript without lines")]
    with pytest.raises(ExportError, match="has a transcript without lines, so there is nothing"):
        export_from(lib, [text_only], "segments-csv", tmp_path / "lines.csv")
