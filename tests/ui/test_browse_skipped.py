"""Issue 13 item 4, list side, in the window: Browse recent calls lists the good calls of a page
with hostile ones in it (before, it showed nothing) and says which calls were left out and why."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from callreview.ui.browse_dialog import BrowseDialog
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace
from tests.hostile.test_list_pages import RINGYO_HOSTILE, server
from tests.standin import Fault, StandinServer, seed

__all__ = ["server"]


def loaded(qtbot: QtBot, workspace: Workspace, account: str) -> BrowseDialog:
    dialog = BrowseDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.accounts_task.done, timeout=3000)
    dialog.account.setCurrentIndex(dialog.account.findData(account))
    dialog.load.click()
    qtbot.waitUntil(lambda: dialog.load.isEnabled(), timeout=5000)
    return dialog


def test_the_good_calls_are_listed_and_the_left_out_ones_named(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    dialog = loaded(qtbot, with_accounts, "acme")
    listed = {dialog.model.item(r, 0).text() for r in range(dialog.model.rowCount())}
    assert listed == set(server.call_ids("ringyo")) - set(RINGYO_HOSTILE)
    note = dialog.skipped_note
    assert not note.isHidden()
    text = note.text()
    count = len(RINGYO_HOSTILE)
    assert text.startswith(f"{count} calls in this page could not be read and are left out: ")
    assert text.endswith(f"; and {count - 3} more (point here to see them all)")
    assert sum(f"{name}: Ringyo sent" in text for name in RINGYO_HOSTILE) == 3
    tooltip = note.toolTip()
    assert all(f"{name}: Ringyo sent" in tooltip for name in RINGYO_HOSTILE)
    assert dialog.info.text() == f"{len(listed)} call(s) listed."
    # Loading again starts over: the note is rebuilt, not appended to.
    dialog.load.click()
    qtbot.waitUntil(lambda: dialog.load.isEnabled(), timeout=5000)
    assert note.text() == text


def test_one_left_out_call_is_said_as_plain_text(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    bad: dict[str, Any] = {**seed.make_ringyo_call(7), "id": "call_phish"}
    bad["created_at"] = "<h1>Call support now</h1>"
    page = {"data": [seed.make_ringyo_call(8), bad], "has_more": False, "next_cursor": None}
    server.queue_faults("ringyo", None, [Fault.body(200, page)])
    dialog = loaded(qtbot, with_accounts, "acme")
    assert dialog.model.rowCount() == 1 and dialog.model.item(0, 0).text() == "call_000008"
    text = dialog.skipped_note.text()
    assert text.startswith("1 call in this page could not be read and is left out: call_phish: ")
    assert "<h1>Call support now</h1>" in text  # shown as written, in a plain-text label
    tooltip = dialog.skipped_note.toolTip()
    assert tooltip.startswith("<qt>") and "&lt;h1&gt;" in tooltip and "<h1>" not in tooltip


def test_a_page_of_only_unreadable_calls_does_not_say_none_were_listed(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    page = {"data": [{"status": "completed"}], "has_more": False}
    server.queue_faults("ringyo", None, [Fault.body(200, page)])
    dialog = loaded(qtbot, with_accounts, "acme")
    assert dialog.model.rowCount() == 0
    assert dialog.skipped_note.text().startswith("1 call in this page could not be read")
    assert "item 1: " in dialog.skipped_note.text()
    assert "could be read" in dialog.table.hint()
