"""The format table drives every choice, and the writers take calls, never a library."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callreview.cli import build_parser
from callreview.domain import CallRef, ExportError
from callreview.export import FORMATS, ExportOptions, export_calls, format_of
from callreview.export.summary import summarize
from callreview.library import SqliteLibrary
from tests.export.factories import save_ringyo, save_rounded
from tests.library.helpers import open_library
from tests.standin import seed


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path / "lib")
    save_ringyo(library, "call_fmt", ["Ring me on +1 555 010 0199.", "Sure."])
    save_rounded(library)
    yield library
    library.close()


def test_the_command_line_offers_the_table() -> None:
    [export] = [
        action
        for group in build_parser()._subparsers._group_actions  # type: ignore[union-attr]
        for name, action in group.choices.items()
        if name == "export"
    ]
    [fmt] = [a for a in export._actions if a.dest == "format"]
    assert list(fmt.choices or ()) == list(FORMATS)


def test_the_table_is_whole() -> None:
    assert list(FORMATS) == ["pdf", "csv", "segments-csv", "json", "srt", "vtt", "md"]
    for name, spec in FORMATS.items():
        assert spec.name == name and spec.label and spec.suffix and spec.noun
        assert "mask" in spec.options
    assert [n for n, s in FORMATS.items() if not s.combined] == ["srt", "vtt"]
    assert [n for n, s in FORMATS.items() if s.transcript_only] == ["segments-csv", "srt", "vtt"]
    assert [n for n, s in FORMATS.items() if s.takes_records] == ["csv"]
    assert [n for n, s in FORMATS.items() if s.needs_gui] == ["pdf"]
    with pytest.raises(ExportError, match="Unknown format 'docx'; choose one of: pdf, csv"):
        format_of("docx")


def test_only_a_format_that_takes_records_takes_them(lib: SqliteLibrary, tmp_path: Path) -> None:
    records = list(lib.iter_records())
    [path] = export_calls(records, "csv", tmp_path / "calls.csv").paths
    assert path.read_text(encoding="utf-8").count("\n") == 3
    with pytest.raises(TypeError, match="json exports take StoredCall"):
        export_calls(records, "json", tmp_path / "calls.json")
    with pytest.raises(ExportError, match="Nothing to export"):
        export_calls([], "csv", tmp_path / "none.csv")


def test_one_file_per_call_is_named_from_each_call(lib: SqliteLibrary, tmp_path: Path) -> None:
    calls = [s for s in (lib.get(ref) for ref in lib.refs()) if s is not None]
    options = ExportOptions(one_file_per_call=True)
    result = export_calls(calls, "md", tmp_path / "out", options)
    assert sorted(p.name for p in result.paths) == sorted(
        f"{s.call.provider}_{s.call.call_id}.md" for s in calls
    )
    assert result.skipped == []


def test_the_summary_is_decided_once_and_masked_everywhere(lib: SqliteLibrary) -> None:
    ringyo = lib.get(CallRef("ringyo", "call_fmt"))
    rounded = lib.get(CallRef("rounded", seed.ROUNDED_ANSWERS_ID))
    assert ringyo is not None and rounded is not None
    masked = summarize(ringyo, ExportOptions(mask=True))
    assert masked.facts.from_number is not None and masked.facts.from_number.startswith("•••")
    assert masked.transcript is not None
    assert masked.transcript.lines[0].text == "Ring me on •••99."
    plain = summarize(rounded, ExportOptions(transcript=False))
    assert plain.transcript is None and plain.analysis is not None
    # An answer is spelled as data (the PDF, like CSV and JSON) and as the window shows it.
    spelled = {(a.data, a.text) for a in plain.analysis.items}
    assert ("true", "Yes") in spelled
