"""The export dialog: skipped calls reported in plain text; options that mean nothing off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from callreview.domain import CallRef
from callreview.export import FORMATS, ignored_options, options_for
from callreview.library.sample import import_sample
from callreview.secrets import MemorySecretStore
from callreview.ui.export_dialog import ExportDialog
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace, build_workspace
from tests.export.factories import save_ringyo
from tests.library.helpers import open_library
from tests.ui.conftest import close_workspace

HOSTILE_ID = "<b>bold</b>&amp;"


@dataclass
class Library:
    """A Workspace on the sample library plus a call whose ID is markup, and its calls."""

    workspace: Workspace
    refs: list[CallRef]


@pytest.fixture
def lib(tmp_path: Path, qloop: object, qtbot: QtBot) -> Iterator[Library]:
    data = tmp_path / "lib"
    library = open_library(data)
    try:
        import_sample(library)
        save_ringyo(library, HOSTILE_ID, [], status="no-answer")
        refs = list(library.refs())
    finally:
        library.close()
    workspace = build_workspace(data, secrets=MemorySecretStore())
    yield Library(workspace, refs)
    close_workspace(qtbot, workspace)


def dialog_for(qtbot: QtBot, lib: Library, refs: list[CallRef]) -> ExportDialog:
    dialog = ExportDialog(lib.workspace, TaskRunner(), refs)
    qtbot.addWidget(dialog)
    return dialog


def run(qtbot: QtBot, dialog: ExportDialog, fmt: str, destination: Path) -> None:
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    dialog.destination.setText(str(destination))
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=10000)
    assert dialog.export.isEnabled()


def test_skipped_calls_are_listed_beside_the_result(
    qtbot: QtBot, qloop: object, lib: Library, tmp_path: Path
) -> None:
    refs = lib.refs
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
    qtbot: QtBot, qloop: object, lib: Library, tmp_path: Path
) -> None:
    dialog = dialog_for(
        qtbot, lib, [CallRef("ringyo", "call_b84e0d55"), CallRef("ringyo", HOSTILE_ID)]
    )
    run(qtbot, dialog, "vtt", tmp_path / "subs")
    assert "None of the 2 calls has transcript lines" in dialog.status.text()
    assert not (tmp_path / "subs").exists() and not dialog.show_folder.isVisibleTo(dialog)


def test_a_clean_export_mentions_no_skipping(
    qtbot: QtBot, qloop: object, lib: Library, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, lib, [CallRef("ringyo", "call_7f3a9c21")])
    run(qtbot, dialog, "srt", tmp_path)
    assert dialog.status.text() == f"Wrote {tmp_path / 'ringyo_call_7f3a9c21.srt'}."


def test_boxes_follow_what_the_format_reads(qtbot: QtBot, qloop: object, lib: Library) -> None:
    dialog = dialog_for(qtbot, lib, lib.refs)
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


def test_one_call_has_no_per_call_choice(qtbot: QtBot, qloop: object, lib: Library) -> None:
    dialog = dialog_for(qtbot, lib, [CallRef("ringyo", "call_7f3a9c21")])
    for fmt in FORMATS:
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        assert not dialog.per_call.isEnabled() and not dialog.per_call.isChecked()


def test_the_choices_are_the_format_table(qtbot: QtBot, qloop: object, lib: Library) -> None:
    dialog = dialog_for(qtbot, lib, lib.refs)
    choices = [(dialog.format.itemData(i), dialog.format.itemText(i)) for i in range(7)]
    assert dialog.format.count() == len(FORMATS)
    assert choices == [(spec.name, spec.label) for spec in FORMATS.values()]


def test_one_call_into_a_folder_is_named_safely(
    qtbot: QtBot, qloop: object, lib: Library, tmp_path: Path
) -> None:
    # The file is named by the export (made safe), not from the raw ID: "</b>" has a slash.
    dialog = dialog_for(qtbot, lib, [CallRef("ringyo", HOSTILE_ID)])
    out = tmp_path / "out"
    out.mkdir()
    run(qtbot, dialog, "json", out)
    [written] = dialog.written
    assert written.parent == out and written.suffix == ".json" and written.exists()
    assert dialog.status.text() == f"Wrote {written}."


def test_two_exports_at_once_both_finish(
    qtbot: QtBot, qloop: object, lib: Library, tmp_path: Path
) -> None:
    runner = TaskRunner()
    first = ExportDialog(lib.workspace, runner, lib.refs)
    second = ExportDialog(lib.workspace, runner, [CallRef("ringyo", "call_7f3a9c21")])
    tasks = []
    for dialog, fmt, out in ((first, "csv", "a.csv"), (second, "md", "b.md")):
        qtbot.addWidget(dialog)
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        dialog.destination.setText(str(tmp_path / out))
        tasks.append(dialog.start())
    qtbot.waitUntil(lambda: all(t.done() for t in tasks), timeout=10_000)
    assert not any(t.cancelled() for t in tasks)
    assert (tmp_path / "a.csv").exists() and (tmp_path / "b.md").exists()
