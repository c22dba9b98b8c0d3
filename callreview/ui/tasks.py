"""Named asyncio tasks for the UI: kept, cancelled by name, failures routed, never forgotten."""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from callreview.domain import CallReviewError

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskRunner(QObject):
    """Keeps a strong reference to every task; a new task cancels the running one of its name.

    `run` is for reads whose newer request replaces the older one ("show this call").
    `run_in_order` is for writes: never cancelled by another, run one after the other in
    the order asked (a later save of the same thing must land last).
    Expected errors (our error tree) are emitted as `failed(name, error)` for the message
    bar; anything else is a bug and goes to `sys.excepthook` (the crash dialog).
    """

    failed = Signal(str, object)
    finished = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}  # the latest task of each name
        self._alive: set[asyncio.Task[Any]] = set()  # also those replaced, until they end
        self._queues: dict[str, asyncio.Lock] = {}
        self._serial = 0

    def run(self, name: str, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start `coro` as the task `name`, cancelling the one of that name still running."""
        previous = self._tasks.get(name)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.ensure_future(coro)
        self._tasks[name] = task
        self._alive.add(task)
        task.add_done_callback(lambda t: self._done(name, t))
        return task

    def run_in_order(self, queue: str, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run after every earlier task of `queue` has ended; no task cancels another.

        Each task gets its own name (`queue#n`), so failures still say which queue failed.
        """
        lock = self._queues.setdefault(queue, asyncio.Lock())

        async def in_turn() -> T:
            try:
                async with lock:  # asyncio.Lock wakes its waiters first come, first served
                    return await coro
            finally:
                coro.close()  # cancelled while waiting: never started, and never "not awaited"

        self._serial += 1
        return self.run(f"{queue}#{self._serial}", in_turn())

    def is_running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def running(self) -> list[str]:
        """The names of the tasks not finished yet (tests wait for this to be empty)."""
        return [name for name, task in self._tasks.items() if not task.done()]

    def cancel(self, name: str) -> None:
        task = self._tasks.get(name)
        if task is not None and not task.done():
            task.cancel()

    def cancel_matching(self, *prefixes: str) -> None:
        """Cancel the running tasks whose names start with one of `prefixes`."""
        for name, task in list(self._tasks.items()):
            if name.startswith(prefixes) and not task.done():
                task.cancel()

    def bind(self, owner: QObject, *prefixes: str) -> None:
        """Cancel `owner`'s tasks (named with `prefixes`) when it is destroyed.

        A dialog closed while its task waits for the Workspace must not be updated when
        the answer comes: its widgets are gone by then.
        """
        owner.destroyed.connect(functools.partial(self.cancel_matching, *prefixes))

    async def shutdown(self) -> None:
        """Cancel every task and wait until all have ended."""
        tasks = [t for t in self._alive if not t.done()]
        for task in tasks:
            if not task.cancelling():  # a second cancel would cut short its cleanup
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _done(self, name: str, task: asyncio.Task[Any]) -> None:
        self._alive.discard(task)
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            self.finished.emit(name)
        elif isinstance(exc, CallReviewError):
            log.info("task %s failed: %s", name, exc)
            self.failed.emit(name, exc)
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)
