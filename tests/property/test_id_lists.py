"""Pasted and opened lists of call IDs: text, CSV exports and any file read back what they hold."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from callreview.domain import ConfigError
from callreview.workspace.ids import ID_COLUMNS, ids_from_file, parse_ids, read_opened_file

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:~-]{0,40}", fullmatch=True)
separators = st.sampled_from(["\n", "\r\n", ",", ", ", ";", " ", "\t", "\n\n"])


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


@given(st.lists(ids, max_size=20), separators, st.booleans())
def test_pasted_ids_read_back_in_order_without_duplicates(
    values: list[str], sep: str, commented: bool
) -> None:
    text = sep.join(values) + ("\n# pasted from the dashboard, call_zzz\n" if commented else "")
    assert parse_ids(text) == unique(values)


@given(st.text())
def test_any_pasted_text_gives_clean_distinct_tokens(text: str) -> None:
    found = parse_ids(text)
    assert len(found) == len(set(found))
    for token in found:
        assert token and token == token.strip() and not set(token) & set(",;#")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("id_files")


def csv_text(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)  # excel's quoting and line ends
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# Other columns of a calls export: any text, quoted as the csv module writes it. Cells with a
# double quote in them have a test of their own below.
cells = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
plain_cells = cells.filter(lambda c: '"' not in c)
column_names = st.sampled_from(["status", "notes", "agent", "from", "summary"])


@st.composite
def exports(
    draw: st.DrawFn, cell: st.SearchStrategy[str] = plain_cells, min_others: int = 1
) -> tuple[str, list[str]]:
    """A CSV export of calls with a call-ID column somewhere; its text and the IDs in it."""
    others = draw(st.lists(column_names, min_size=min_others, max_size=3))
    at = draw(st.integers(0, len(others)))
    header = [*others[:at], draw(st.sampled_from(ID_COLUMNS)), *others[at:]]
    column = draw(st.lists(ids, min_size=1, max_size=8))
    rows = []
    for call_id in column:
        row = [draw(cell) for _ in others]
        rows.append([*row[:at], call_id, *row[at:]])
    return csv_text(header, rows, draw(st.sampled_from([",", ";", "\t"]))), column


@settings(max_examples=100)
@given(exports())
def test_the_id_column_of_a_csv_export_reads_back(
    folder: Path, export: tuple[str, list[str]]
) -> None:
    text, column = export
    path = folder / "calls.csv"
    path.write_text(text, encoding="utf-8")
    assert ids_from_file(path) == unique(column)


@settings(max_examples=100)
@given(st.binary(max_size=2000), st.sampled_from(["ids.txt", "calls.csv", "x"]))
@example(b'call_id,notes\nc1,"unterminated\n', "calls.csv")
@example(b"PK\x03\x04garbage", "x")
@example(b"\xef\xbb\xbfcall_id\nc1\n", "calls.csv")
def test_any_file_gives_ids_or_config_error(folder: Path, content: bytes, name: str) -> None:
    path = folder / name
    path.write_bytes(content)
    try:
        found = read_opened_file(path)
    except ConfigError:
        return
    assert found is None or (found and all(isinstance(i, str) and i for i in found))


@settings(report_multiple_bugs=False)
@given(exports(cells))
@example(('call_id,status\n0,"""\n0"\n', ["0"]))
def test_the_id_column_of_an_export_with_quotes_in_cells_reads_back(
    folder: Path, export: tuple[str, list[str]]
) -> None:
    text, column = export
    path = folder / "calls.csv"
    path.write_text(text, encoding="utf-8")
    assert ids_from_file(path) == unique(column)


@settings(report_multiple_bugs=False)
@given(exports(min_others=0))
@example(("call_id\nc1\n", ["c1"]))
def test_the_id_column_of_any_csv_export_reads_back(
    folder: Path, export: tuple[str, list[str]]
) -> None:
    text, column = export
    path = folder / "calls.csv"
    path.write_text(text, encoding="utf-8")
    assert ids_from_file(path) == unique(column)


@settings(max_examples=10, report_multiple_bugs=False)
@given(exports(st.just("x" * 140_000)))
@example(("call_id,transcript\r\nc1," + "x" * 140_000 + "\r\n", ["c1"]))
def test_an_export_with_a_long_transcript_column(
    folder: Path, export: tuple[str, list[str]]
) -> None:
    text, column = export
    path = folder / "long.csv"
    path.write_text(text, encoding="utf-8")
    try:
        found = read_opened_file(path)
    except ConfigError:
        return
    assert found == unique(column)
