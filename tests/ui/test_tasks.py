"""The task runner: named tasks, cancellation by name, writes in order, failures routed."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Iterator
from types import TracebackType

import pytest
from pytestqt.qtbot import QtBot

from callreview.domain import CallRef, ConfigError
from callreview.library.sample import make_demo_dir
from callreview.secrets import MemorySecretStore
from callreview.ui.main_window import MainWindow
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace, build_workspace
from tests.ui.conftest import close_workspace, run


@pytest.fixture
def runner(qloop: asyncio.AbstractEventLoop, qtbot: QtBot) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    run(qtbot, tasks.shutdown())


async def forever(started: list[str], name: str) -> None:
    started.append(name)
    await asyncio.Event().wait()


def test_a_new_task_cancels_the_running_one_of_its_name(runner: TaskRunner, qtbot: QtBot) -> None:
    started: list[str] = []
    first = runner.run("show", forever(started, "first"))
    qtbot.waitUntil(lambda: started == ["first"])
    second = runner.run("show", forever(started, "second"))
    qtbot.waitUntil(first.done)
    assert first.cancelled()
    qtbot.waitUntil(lambda: started == ["first", "second"])
    assert not second.done() and runner.is_running("show")
    assert runner.running() == ["show"]


def test_tasks_of_other_names_keep_running(runner: TaskRunner, qtbot: QtBot) -> None:
    started: list[str] = []
    one = runner.run("show", forever(started, "one"))
    two = runner.run("list", forever(started, "two"))
    qtbot.waitUntil(lambda: sorted(started) == ["one", "two"])
    assert not one.done() and not two.done()
    assert sorted(runner.running()) == ["list", "show"]
    runner.cancel("show")
    qtbot.waitUntil(one.done)
    assert one.cancelled() and not two.done()


def test_finished_is_emitted_with_the_name(runner: TaskRunner, qtbot: QtBot) -> None:
    async def quick() -> int:
        return 42

    with qtbot.waitSignal(runner.finished, check_params_cb=lambda name: name == "quick"):
        task = runner.run("quick", quick())
    assert task.result() == 42
    assert runner.running() == []


def test_an_expected_error_is_emitted_as_failed(
    runner: TaskRunner, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooked: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: hooked.append(value))
    error = ConfigError("Choose an account first.")

    async def refuse() -> None:
        raise error

    with qtbot.waitSignal(runner.failed) as failed, qtbot.assertNotEmitted(runner.finished):
        runner.run("fetch", refuse())
    assert failed.args == ["fetch", error]
    assert hooked == []  # not a bug: no crash dialog


def test_an_unexpected_error_reaches_the_excepthook(
    runner: TaskRunner, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooked: list[tuple[type[BaseException], BaseException, TracebackType | None]] = []
    monkeypatch.setattr(sys, "excepthook", lambda *args: hooked.append(args))

    async def bug() -> None:
        raise KeyError("a bug")

    with qtbot.assertNotEmitted(runner.failed), qtbot.assertNotEmitted(runner.finished):
        task = runner.run("show", bug())
        qtbot.waitUntil(lambda: bool(hooked))
    [(kind, value, tb)] = hooked
    assert kind is KeyError and value is task.exception() and tb is not None


def test_a_cancelled_task_reports_nothing(runner: TaskRunner, qtbot: QtBot) -> None:
    started: list[str] = []
    with qtbot.assertNotEmitted(runner.failed), qtbot.assertNotEmitted(runner.finished):
        task = runner.run("show", forever(started, "show"))
        qtbot.waitUntil(lambda: started == ["show"])
        runner.cancel("show")
        qtbot.waitUntil(task.done)
    assert task.cancelled()


def test_shutdown_cancels_every_task_and_waits_for_them(runner: TaskRunner, qtbot: QtBot) -> None:
    started: list[str] = []
    ended: list[str] = []

    async def slow_to_stop(name: str) -> None:
        started.append(name)
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.05)  # cleanup that takes a moment
            ended.append(name)

    replaced = runner.run("c", slow_to_stop("replaced"))
    qtbot.waitUntil(lambda: started == ["replaced"])
    tasks = [runner.run(name, slow_to_stop(name)) for name in ("a", "b", "c")]
    qtbot.waitUntil(lambda: len(started) == 4)
    assert not replaced.done()  # cancelled, still cleaning up
    shutdown = asyncio.ensure_future(runner.shutdown())
    qtbot.waitUntil(shutdown.done)
    # By the time shutdown returns, every task has ended, the replaced one too.
    assert all(t.cancelled() for t in [*tasks, replaced])
    assert sorted(ended) == ["a", "b", "c", "replaced"]
    assert runner.running() == []


def test_writes_run_in_order_and_none_cancels_another(runner: TaskRunner, qtbot: QtBot) -> None:
    log: list[str] = []

    async def write(name: str, delay: float) -> str:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")
        return name

    # The first write is the slowest: the later ones wait for it instead of overtaking it.
    tasks = [
        runner.run_in_order("save", write("a", 0.05)),
        runner.run_in_order("save", write("b", 0.0)),
        runner.run_in_order("save", write("c", 0.01)),
    ]
    qtbot.waitUntil(lambda: all(t.done() for t in tasks))
    assert [t.result() for t in tasks] == ["a", "b", "c"]
    assert log == ["start a", "end a", "start b", "end b", "start c", "end c"]


def test_a_failed_write_does_not_stop_the_next(runner: TaskRunner, qtbot: QtBot) -> None:
    async def refuse() -> None:
        raise ConfigError("A note needs some text.")

    async def fine() -> str:
        return "saved"

    with qtbot.waitSignal(runner.failed) as failed:
        runner.run_in_order("save", refuse())
        last = runner.run_in_order("save", fine())
    qtbot.waitUntil(last.done)
    assert last.result() == "saved"
    assert str(failed.args[0]).startswith("save#")


def test_a_write_cancelled_while_waiting_never_starts(runner: TaskRunner, qtbot: QtBot) -> None:
    started: list[str] = []
    blocker = runner.run_in_order("save", forever(started, "blocker"))
    waiting = runner.run_in_order("save", forever(started, "waiting"))
    qtbot.waitUntil(lambda: started == ["blocker"])
    waiting.cancel()
    qtbot.waitUntil(waiting.done)
    blocker.cancel()
    qtbot.waitUntil(blocker.done)
    assert started == ["blocker"]  # and no "coroutine was never awaited" warning (an error here)


# in the window -----------------------------------------------------------------------------

CALL = CallRef("ringyo", "call_7f3a9c21")


@pytest.fixture
def demo_workspace(qtbot: QtBot, qloop: object) -> Iterator[Workspace]:
    demo = make_demo_dir()
    ws = build_workspace(demo, secrets=MemorySecretStore())
    try:
        yield ws
    finally:
        close_workspace(qtbot, ws)
        shutil.rmtree(demo)


def shown_window(qtbot: QtBot, ws: Workspace) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.list_loaded):
        window.show()
    window.table.selectRow(window.model.row_of(CALL))
    qtbot.waitUntil(
        lambda: window.call_view.stored is not None and window.call_view.stored.ref == CALL
    )
    return window


def test_notes_added_and_deleted_at_once_are_all_saved(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    """Adding and deleting notes shared one task name, so one click cancelled the other."""
    window = shown_window(qtbot, demo_workspace)
    view = window.call_view
    view.note_added.emit("first", None)
    qtbot.waitUntil(lambda: view.notes_model.rowCount() == 1)
    [first] = run(qtbot, demo_workspace.call(CALL)).review.notes
    # Three changes in one go, before the loop runs any of them.
    view.note_added.emit("second", 2_000)
    view.note_deleted.emit(first.id)
    view.note_added.emit("third", None)
    qtbot.waitUntil(lambda: not window.runner.running())
    notes = run(qtbot, demo_workspace.call(CALL)).review.notes
    assert [n.text for n in notes] == ["second", "third"]
    qtbot.waitUntil(lambda: view.notes_model.rowCount() == 2)
    window.player.release()


def test_review_changes_at_once_land_in_the_order_made(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    view = window.call_view
    view.review_changed.emit(True, False)
    view.review_changed.emit(True, True)
    view.review_changed.emit(False, True)
    window.listen.offset_changed.emit(100)
    window.listen.offset_changed.emit(200)
    qtbot.waitUntil(lambda: not window.runner.running())
    review = run(qtbot, demo_workspace.call(CALL)).review
    assert (review.reviewed, review.flagged, review.sync_offset_ms) == (False, True, 200)
    window.player.release()
