"""The export dialog: skipped calls reported in plain text; options that mean nothing off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from callreview.export import FORMATS, ignored_options, options_for
from callreview.library import SqliteLibrary
from callreview.library.sample import import_sample
from callreview.ui.export_dialog import ExportDialog
from callreview.ui.tasks import TaskRunner
from tests.export.factories import save_ringyo

HOSTILE_ID = "<b>bold</b>&amp;"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = SqliteLibrary(tmp_path / "lib")
    import_sample(library)
    save_ringyo(library, HOSTILE_ID, [], status="no-answer")
    yield library
    library.close()


def dialog_for(qtbot: QtBot, lib: SqliteLibrary, refs: list[tuple[str, str]]) -> ExportDialog:
    dialog = ExportDialog(lib, TaskRunner(), refs)
    qtbot.addWidget(dialog)
    return dialog


def run(qtbot: QtBot, dialog: ExportDialog, fmt: str, destination: Path) -> None:
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    dialog.destination.setText(str(destination))
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=10000)
    assert dialog.export.isEnabled()


def test_skipped_calls_are_listed_beside_the_result(
    qtbot: QtBot, qloop: object, lib: SqliteLibrary, tmp_path: Path
) -> None:
    refs = list(lib.refs())
    dialog = dialog_for(qtbot, lib, refs)
    run(qtbot, dialog, "srt", tmp_path / "subs")
    assert dialog.export_result is not None and len(dialog.written) == len(refs) - 2
    assert sorted(p.name for p in (tmp_path / "subs").iterdir()) == sorted(
        p.name for p in dialog.written
    )
    text = dialog.status.text()
    assert text.startswith(f"Wrote {len(refs) - 2} file(s) to {tmp_path / 'subs'}.\n")
    assert "Skipped 2 call(s) with nothing to write:" in text
    assert "ringyo:call_b84e0d55: no transcript" in text
    # Shown as typed: the label never interprets a provider's ID as markup.
    assert f"ringyo:{HOSTILE_ID}: no transcript" in text
    assert dialog.status.textFormat() == Qt.TextFormat.PlainText
    assert dialog.show_folder.isVisibleTo(dialog) and dialog.progress.value() == len(refs)


def test_nothing_to_write_says_so_and_writes_nothing(
    qtbot: QtBot, qloop: object, lib: SqliteLibrary, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, lib, [("ringyo", "call_b84e0d55"), ("ringyo", HOSTILE_ID)])
    run(qtbot, dialog, "vtt", tmp_path / "subs")
    assert "None of the 2 calls has transcript lines" in dialog.status.text()
    assert not (tmp_path / "subs").exists() and not dialog.show_folder.isVisibleTo(dialog)


def test_a_clean_export_mentions_no_skipping(
    qtbot: QtBot, qloop: object, lib: SqliteLibrary, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, lib, [("ringyo", "call_7f3a9c21")])
    run(qtbot, dialog, "srt", tmp_path)
    assert dialog.status.text() == f"Wrote {tmp_path / 'ringyo_call_7f3a9c21.srt'}."


def test_boxes_follow_what_the_format_reads(
    qtbot: QtBot, qloop: object, lib: SqliteLibrary
) -> None:
    dialog = dialog_for(qtbot, lib, list(lib.refs()))
    boxes = dialog._boxes
    for fmt in FORMATS:
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        for name, box in boxes.items():
            assert box.isEnabled() == (name in options_for(fmt)), (fmt, name)
            if not box.isEnabled():
                assert not box.isChecked(), (fmt, name)
        assert ignored_options(fmt, dialog.options()) == []
    # What the person chose comes back when the box means something again.
    dialog.format.setCurrentIndex(dialog.format.findData("md"))
    assert dialog.transcript.isChecked() and dialog.timestamps.isChecked()
    dialog.timestamps.setChecked(False)
    dialog.mask_box.setChecked(True)
    dialog.format.setCurrentIndex(dialog.format.findData("srt"))
    assert not dialog.transcript.isChecked() and not dialog.transcript.isEnabled()
    assert dialog.mask_box.isChecked()
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    assert dialog.transcript.isChecked() and not dialog.timestamps.isChecked()
    assert dialog.mask_box.isChecked()


def test_one_call_has_no_per_call_choice(qtbot: QtBot, qloop: object, lib: SqliteLibrary) -> None:
    dialog = dialog_for(qtbot, lib, [("ringyo", "call_7f3a9c21")])
    for fmt in FORMATS:
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        assert not dialog.per_call.isEnabled() and not dialog.per_call.isChecked()
