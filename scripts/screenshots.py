"""Take the README's screenshots from a real window: run under Xvfb (see docs/screenshots/).

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/screenshots.py docs/screenshots

With `--screen NAME`, one picture of the whole screen instead, the window at the size it
chooses for that screen (issue 14: 1600x1000, 1024x700, 1366x768 at QT_SCALE_FACTOR=1.5):

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=1.5 \\
        .venv/bin/python scripts/screenshots.py docs/screenshots --screen 1366x768-150
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from callreview.domain import CallRef
from callreview.library.sample import make_demo_dir
from callreview.ui.main_window import MainWindow
from callreview.workspace import build_workspace


def settle(app: QApplication, ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def screen_shot(app: QApplication, out: Path, name: str) -> None:
    """The whole screen with the window as it first opens on it, playing, with a search."""
    demo = make_demo_dir()
    try:
        workspace = build_workspace(demo)
        window = MainWindow(workspace)
        window.setWindowTitle("CallReview: sample library")
        window.show()
        settle(app, 800)
        window.filter_bar.search.setText("router")
        settle(app, 800)
        window.player.seek(61_000)
        window.player.play()
        settle(app, 1500)
        window.player.pause()
        settle(app, 300)
        screen = app.primaryScreen()
        path = out / f"screen-{name}.png"
        screen.grabWindow(0).save(str(path))
        frame = window.frameGeometry()
        room = screen.availableGeometry()
        print("wrote", path, "window", frame.getRect(), "screen", room.getRect())
        window.close()
        settle(app)
        closing = asyncio.ensure_future(workspace.aclose())
        while not closing.done():
            settle(app, 50)
    finally:
        shutil.rmtree(demo, ignore_errors=True)


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 3 and sys.argv[2] == "--screen":
        app = QApplication(sys.argv[:1])
        app.setApplicationName("CallReview")
        loop = qasync.QEventLoop(app, already_running=True)
        asyncio.set_event_loop(loop)
        try:
            screen_shot(app, out, sys.argv[3])
        finally:
            executor = getattr(loop, "_QEventLoop__default_executor", None)
            if executor is not None:
                executor.shutdown(wait=True)
        return
    app = QApplication(sys.argv[:1])
    app.setApplicationName("CallReview")
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    demo = make_demo_dir()
    try:
        workspace = build_workspace(demo)
        window = MainWindow(workspace)
        window.setWindowTitle("CallReview: sample library")
        window.resize(1500, 900)
        window.show()
        settle(app)
        shots = [
            ("rounded:9b2f6c1a-4e7d-4b8a-a3c5-1d2e3f4a5b6c", 0, "main-window.png"),
            ("rounded:9b2f6c1a-4e7d-4b8a-a3c5-1d2e3f4a5b6c", 1, "analysis.png"),
            ("ringyo:call_7f3a9c21", 2, "details.png"),
        ]
        for ref, tab, name in shots:
            window.table.selectRow(window.model.row_of(CallRef.parse(ref)))
            settle(app)
            window.call_view.tabs.setCurrentIndex(tab)
            settle(app, 200)
            window.message_bar.hide()  # "no sound device" under Xvfb: true, but not the point
            window.grab().save(str(out / name))
            print("wrote", out / name)
        # Listening: the long support call, playing, the spoken line highlighted.
        window.table.selectRow(
            window.model.row_of(CallRef.parse("rounded:c41d8e2b-7a9f-4e3c-b1d0-5f6a7b8c9d0e"))
        )
        settle(app, 800)
        window.call_view.tabs.setCurrentIndex(0)
        window.player.seek(61_000)
        window.player.play()
        settle(app, 1500)
        window.message_bar.hide()
        window.grab().save(str(out / "listening.png"))
        print("wrote", out / "listening.png")
        window.player.pause()
        window.filter_bar.search.setText("router")
        settle(app, 800)
        window.call_view.tabs.setCurrentIndex(0)
        window.message_bar.hide()
        window.grab().save(str(out / "search.png"))
        print("wrote", out / "search.png")
        window.close()
        settle(app)
        closing = asyncio.ensure_future(workspace.aclose())
        while not closing.done():
            settle(app, 50)
    finally:
        shutil.rmtree(demo, ignore_errors=True)
        executor = getattr(loop, "_QEventLoop__default_executor", None)
        if executor is not None:
            executor.shutdown(wait=True)


if __name__ == "__main__":
    main()
