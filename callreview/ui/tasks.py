"""Named asyncio tasks for the UI: kept, cancelled by name, failures routed, never forgotten."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from callreview.domain import CallReviewError

log = logging.getLogger(__name__)


class TaskRunner(QObject):
    """Keeps a strong reference to every task; a new task cancels the running one of its name.

    Expected errors (our error tree) are emitted as `failed(name, error)` for the message
    bar; anything else is a bug and goes to `sys.excepthook` (the crash dialog).
    """

    failed = Signal(str, object)
    finished = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        previous = self._tasks.get(name)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.ensure_future(coro)
        self._tasks[name] = task
        task.add_done_callback(lambda t: self._done(name, t))
        return task

    def is_running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def cancel(self, name: str) -> None:
        task = self._tasks.get(name)
        if task is not None and not task.done():
            task.cancel()

    async def shutdown(self) -> None:
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _done(self, name: str, task: asyncio.Task[Any]) -> None:
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
