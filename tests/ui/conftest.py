"""Qt fixtures: one session-wide qasync loop (never stopped: that would break later tests)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from callreview.library.sample import make_demo_dir
from callreview.providers.http import HttpPolicy
from callreview.secrets import MemorySecretStore
from callreview.ui.main_window import MainWindow
from callreview.workspace import Workspace, build_workspace
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.standin import StandinServer


@pytest.fixture(scope="session")
def _qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    yield loop
    # Never loop.stop() (it quits the QApplication for every later test); at the very end,
    # only the executor threads behind asyncio.to_thread need to finish.
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


@pytest.fixture
def qloop(_qasync_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The one qasync loop, marked as running for this test only.

    Tests of Qt-free code call asyncio.run(), which refuses to start inside a running loop,
    so the loop is "running" only while a Qt test uses it.
    """
    asyncio.set_event_loop(_qasync_loop)
    asyncio.events._set_running_loop(_qasync_loop)
    yield _qasync_loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def _cancel_leftover_tasks(qloop: asyncio.AbstractEventLoop, qtbot: object) -> Iterator[None]:
    # autouse only within tests/ui and tests/player (the conftests that import it)
    yield
    pending = [t for t in asyncio.all_tasks(qloop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        qtbot.waitUntil(lambda: all(t.done() for t in pending), timeout=3000)  # type: ignore[attr-defined]


T = TypeVar("T")

FAST = HttpPolicy(backoff_initial=0.02, backoff_max=0.1, max_attempts=3, retry_budget=10)


def run(qtbot: object, coro: Coroutine[Any, Any, T], timeout: int = 5000) -> T:
    """Run a coroutine on the shared qasync loop from a test and return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)  # type: ignore[attr-defined]
    return task.result()


def close_workspace(qtbot: object, ws: Workspace) -> None:
    run(qtbot, ws.aclose())


@pytest.fixture
def workspace(
    tmp_path: Path, qloop: asyncio.AbstractEventLoop, qtbot: object
) -> Iterator[Workspace]:
    """A Workspace on an empty library in tmp_path/data, keys in memory, fast retries."""
    ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore(), policy=FAST)
    yield ws
    close_workspace(qtbot, ws)


@pytest.fixture
def with_accounts(workspace: Workspace, server: StandinServer, qtbot: object) -> Workspace:
    """The workspace with two accounts on the stand-in server: 'acme' (Ringyo), 'support'."""
    run(qtbot, workspace.save_account("acme", "ringyo", RINGYO_KEY, server.ringyo_base))
    run(qtbot, workspace.save_account("support", "rounded", ROUNDED_KEY, server.rounded_base))
    return workspace


@pytest.fixture
def demo_workspace(qtbot: QtBot, qloop: object) -> Iterator[Workspace]:
    """A Workspace on a fresh copy of the sample library (keys in memory)."""
    demo = make_demo_dir()
    workspace = build_workspace(demo, secrets=MemorySecretStore())
    try:
        yield workspace
    finally:
        close_workspace(qtbot, workspace)
        shutil.rmtree(demo, ignore_errors=True)


def window_for(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    """The window, shown, with its first page of calls loaded."""
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.show()
    return window
