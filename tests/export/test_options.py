"""options_for: which options mean something for each format, checked against the writers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from callreview.domain import CallRef, ExportError
from callreview.export import FORMATS, ExportOptions, ignored_options, options_for
from callreview.library import SqliteLibrary
from tests.export.factories import export_from, save_ringyo
from tests.library.helpers import open_library

FIELDS = [f.name for f in dataclasses.fields(ExportOptions)]
# The one-file formats whose bytes depend only on the calls and the options (a PDF carries
# its creation time; it is checked by its own tests).
STABLE = [f for f in FORMATS if f != "pdf"]
# Content options: one_file_per_call changes where files go, not what they hold.
CONTENT = ["transcript", "timestamps", "mask", "bom"]


def test_the_table() -> None:
    assert options_for("srt") == options_for("vtt") == frozenset({"mask"})
    assert "transcript" not in options_for("segments-csv")
    assert {"transcript", "timestamps"}.isdisjoint(options_for("csv"))
    assert all(options_for(fmt) <= set(FIELDS) and "mask" in options_for(fmt) for fmt in FORMATS)
    assert [fmt for fmt in FORMATS if "bom" in options_for(fmt)] == ["csv", "segments-csv"]
    assert ignored_options("srt", ExportOptions(transcript=False, mask=True)) == ["transcript"]
    assert ignored_options("vtt", ExportOptions(one_file_per_call=True, bom=True)) == [
        "bom",
        "one_file_per_call",
    ]
    assert ignored_options("pdf", ExportOptions()) == []
    with pytest.raises(ExportError, match="Unknown format 'docx'"):
        options_for("docx")


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    save_ringyo(
        library,
        "call_opts",
        ["Call me on +1 555 010 0199 or at jo@example.com.", "Sure."],
        metadata={"email": "jo@example.com"},
    )
    library.add_note(CallRef("ringyo", "call_opts"), "Rang +1 555 010 0199 back", 1000)
    yield library
    library.close()


def written(lib: SqliteLibrary, tmp_path: Path, fmt: str, options: ExportOptions) -> bytes:
    out = tmp_path / f"{fmt}-{len(list(tmp_path.iterdir()))}.{fmt}"
    [path] = export_from(lib, [CallRef("ringyo", "call_opts")], fmt, out, options).paths
    return path.read_bytes()


@pytest.mark.parametrize("fmt", STABLE)
@pytest.mark.parametrize("name", CONTENT)
def test_an_option_changes_the_file_exactly_when_it_is_listed(
    lib: SqliteLibrary, tmp_path: Path, fmt: str, name: str
) -> None:
    default = ExportOptions()
    flipped = dataclasses.replace(default, **{name: not getattr(default, name)})
    changed = written(lib, tmp_path, fmt, default) != written(lib, tmp_path, fmt, flipped)
    assert changed == (name in options_for(fmt)), (fmt, name)
