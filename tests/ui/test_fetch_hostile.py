"""Issue 13 item 4, in the window: hostile calls in a batch and the fetch dialog still finishes
(it stayed on "Fetching 5 call(s)…" forever), each bad call with its error in the list."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from callreview.ui.fetch_dialog import FetchDialog
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace
from tests.hostile.test_fetch_batch import GOOD_RINGYO, redirect_loop, ringyo_hostile, server
from tests.standin import StandinServer

__all__ = ["redirect_loop", "server"]


@pytest.fixture
def dialog(qtbot: QtBot, with_accounts: Workspace) -> Iterator[FetchDialog]:
    window = FetchDialog(with_accounts, TaskRunner())
    qtbot.addWidget(window)
    yield window


def test_the_dialog_finishes_with_hostile_calls_in_the_batch(
    qtbot: QtBot, dialog: FetchDialog, server: StandinServer, redirect_loop: str
) -> None:
    hostile = ringyo_hostile(server, redirect_loop)
    ids = [*GOOD_RINGYO, *hostile]
    task = dialog.start_fetch("acme", ids)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=60_000)
    assert task.exception() is None
    summary = dialog.summary.text()
    assert summary.startswith("Done: ") and "Fetching" not in summary, summary
    assert dialog.start.isEnabled() and not dialog.cancel.isEnabled()
    assert len(dialog.results) == len(ids)
    for call_id in GOOD_RINGYO:
        assert dialog.model.item(dialog.rows[call_id], 2).text() == "OK"
    for call_id in hostile:
        text = dialog.model.item(dialog.rows[call_id], 2).text()
        assert text and text != "OK" and "internal error" not in text.lower(), (call_id, text)


def test_the_dialog_finishes_even_when_the_fetch_itself_breaks(
    qtbot: QtBot, dialog: FetchDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug outside any one call (here in Workspace.fetch) still ends the dialog's run: the
    summary says so, the buttons come back, and the crash handler gets the exception."""
    crashes: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _t, exc, _tb: crashes.append(exc))

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(dialog.workspace, "fetch", broken)
    task = dialog.start_fetch("acme", ["call_xyz789", "call_000001"])
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10_000)
    qtbot.waitUntil(lambda: bool(crashes), timeout=3000)
    assert "unexpected problem" in dialog.summary.text()
    assert dialog.start.isEnabled() and not dialog.cancel.isEnabled()
    assert [dialog.model.item(r, 1).text() for r in dialog.rows.values()] == ["failed", "failed"]
    assert isinstance(crashes[0], RuntimeError)
