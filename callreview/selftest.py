"""`callreview --self-test`: the window on the sample library, one second of audio, a PDF."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from callreview import APP_ID, APP_NAME

T = TypeVar("T")


def _wait(app: object, predicate: Callable[[], bool], timeout: float) -> bool:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)  # type: ignore[attr-defined]
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def run_self_test() -> int:
    """Returns 0 when every step worked; prints what failed otherwise."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyside6")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    import qasync
    from PySide6.QtWidgets import QApplication

    from callreview.domain import CallQuery, CallRef
    from callreview.library.sample import make_demo_dir
    from callreview.secrets import MemorySecretStore
    from callreview.ui.icons import set_window_icon
    from callreview.ui.main_window import MainWindow
    from callreview.workspace import build_workspace

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    set_window_icon(app)
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    failures: list[str] = []
    demo = make_demo_dir()
    out = Path(tempfile.mkdtemp(prefix="callreview-selftest-"))
    workspace = build_workspace(demo, secrets=MemorySecretStore())
    window = MainWindow(workspace)

    def run(coro: Coroutine[Any, Any, T], timeout: float) -> T:
        task = asyncio.ensure_future(coro)
        if not _wait(app, task.done, timeout):
            task.cancel()
            raise TimeoutError(f"not done in {timeout:.0f} s")
        return task.result()

    def step(name: str, check: Callable[[], str | None]) -> None:
        try:
            problem = check()
        except Exception as exc:  # a self-test reports everything, it does not crash
            problem = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        print(
            f"{'ok  ' if problem is None else 'FAIL'} {name}" + (f": {problem}" if problem else "")
        )
        if problem is not None:
            failures.append(name)

    def open_window() -> str | None:
        window.show()
        if not _wait(app, lambda: window.isVisible() and window.model.total > 0, 10):
            return "the window did not show the sample library"
        return None if window.model.total == 6 else f"{window.model.total} calls instead of 6"

    def play_one_second() -> str | None:
        row = window.model.row_of(CallRef.parse("ringyo:call_7f3a9c21"))
        window.table.selectRow(row)
        if not _wait(app, lambda: window.player.state.value == "paused", 10):
            return f"the recording did not load (player state {window.player.state.value})"
        window.player.play()
        if not _wait(app, lambda: window.player.position() >= 1000, 10):
            return f"playback did not advance (position {window.player.position()} ms)"
        window.player.pause()
        return None if window.listen.model.current >= 0 else "no transcript line was highlighted"

    def export_pdf() -> str | None:
        page = run(workspace.page(CallQuery(limit=1000)), 10)
        refs = [row.ref for row in page.rows]
        [pdf] = run(workspace.export(refs, "pdf", out / "self-test.pdf"), 60).paths
        head = pdf.read_bytes()[:5]
        return None if head == b"%PDF-" else f"{pdf} is not a PDF"

    try:
        step("main window on the sample library", open_window)
        step("play one second of a recording", play_one_second)
        step("export a PDF", export_pdf)
    finally:
        window.close()
        _wait(app, lambda: window._closed, 10)
        try:
            run(workspace.aclose(), 10)
        except Exception:  # reported as a failure, and the folders are still removed
            traceback.print_exc()
            failures.append("close the library")
        shutil.rmtree(demo, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        # The worker threads behind asyncio.to_thread must end before Qt tears down.
        executor = getattr(loop, "_QEventLoop__default_executor", None)
        if executor is not None:
            executor.shutdown(wait=True)
    print("self-test passed" if not failures else f"self-test FAILED: {', '.join(failures)}")
    return 0 if not failures else 1
