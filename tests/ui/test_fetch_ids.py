"""Call IDs for the window's fetch: pasted text, text files and CSV exports of calls."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from callreview.ui.main_window import MainWindow
from callreview.workspace import Workspace
from callreview.workspace.ids import MAX_ID_FILE_BYTES, ids_from_file, parse_ids


def test_parse_ids_separators_comments_and_duplicates() -> None:
    text = "call_a\n\n# a comment\ncall_b, call_c; call_a  # again\n\tcall_d\n"
    assert parse_ids(text) == ["call_a", "call_b", "call_c", "call_d"]


def test_text_file_one_id_per_line(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("call_a\ncall_b\n\ncall_a\n", encoding="utf-8")
    assert ids_from_file(path) == ["call_a", "call_b"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # This app's calls CSV (byte-order mark, many columns): only call_id is read.
        (
            "\ufeffprovider,call_id,account,status\nringyo,call_1,acme,ended\n"
            "rounded,9b2f-uuid,support,failed\n",
            ["call_1", "9b2f-uuid"],
        ),
        # A dashboard export with semicolons and another header spelling.
        ("Date;Call ID;Status\n2026-11-01;c-1;ended\n2026-11-02;c-2;ended\n", ["c-1", "c-2"]),
        # Quoted cells with commas inside.
        ('id,summary\nc-9,"Hello, world"\nc-10,"a, b, c"\n', ["c-9", "c-10"]),
        # Comma-separated IDs with no header: every value is an ID.
        ("call_x,call_y\ncall_z\n", ["call_x", "call_y", "call_z"]),
    ],
)
def test_csv_files(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(content, encoding="utf-8")
    assert ids_from_file(path) == expected


def test_oversized_file_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "huge.bin"
    with path.open("wb") as f:
        f.truncate(MAX_ID_FILE_BYTES + 1)
    with pytest.raises(ValueError, match="larger than 10 MB"):
        ids_from_file(path)


def test_load_ids_from_file_in_the_window(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    dialog = window.open_fetch_dialog()
    good = tmp_path / "calls.csv"
    good.write_text("provider,call_id\nringyo,call_1\nringyo,call_2\n", encoding="utf-8")
    dialog.choose_file = lambda: str(good)  # type: ignore[method-assign]
    dialog.from_file.click()
    qtbot.waitUntil(lambda: not dialog.runner.is_running("load-ids"), timeout=3000)
    assert dialog.ids.toPlainText() == "call_1\ncall_2"
    assert "2 call ID(s)" in dialog.summary.text()
    unreadable = tmp_path / "gone.txt"
    dialog.choose_file = lambda: str(unreadable)  # type: ignore[method-assign]
    dialog.from_file.click()
    qtbot.waitUntil(lambda: not dialog.runner.is_running("load-ids"), timeout=3000)
    assert "Could not read" in dialog.summary.text()
    assert dialog.ids.toPlainText() == "call_1\ncall_2"  # what was there is kept
    if os.getuid() != 0:  # root reads anything
        locked = tmp_path / "locked.txt"
        locked.write_text("x", encoding="utf-8")
        locked.chmod(0)
        dialog.choose_file = lambda: str(locked)  # type: ignore[method-assign]
        dialog.from_file.click()
        qtbot.waitUntil(lambda: not dialog.runner.is_running("load-ids"), timeout=3000)
        assert "Could not read" in dialog.summary.text()
