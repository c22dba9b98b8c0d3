"""Start-up and responsiveness of the window.

1. Time from process start to the first painted main window on the sample library, and to the
   first call's transcript painted in it, beside the same-shape window built with no
   CallReview code on the same asyncio/qasync loop (the "floor"), medians of interleaved runs
   (targets, issue 14: first paint at most 1.2x the qasync floor, the transcript at most 2x).
   A bare PySide6 QMainWindow is printed for reference.
2. The event loop's worst delays (p99) while 500 calls are fetched from the stand-in server,
   beside the same loop idle (target: p99 under 50 ms).

    .venv/bin/python -m benchmarks.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, sys, time


def first_paint_spy():
    # The window's first paint; for the app also the first paint of a filled transcript.
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QMainWindow

    class FirstPaint(QObject):
        window_painted = False

        def eventFilter(self, obj, event):
            if event.type() != QEvent.Type.Paint:
                return False
            if isinstance(obj, QMainWindow) and not self.window_painted:
                self.window_painted = True
                print(f"PAINT {time.time():.6f}", flush=True)
                if sys.argv[1] != "app":
                    os._exit(0)
            elif self.window_painted and type(obj.parent()).__name__ == "TranscriptView":
                model = obj.parent().model()
                if model is not None and model.rowCount() > 0:
                    print(f"TRANSCRIPT {time.time():.6f}", flush=True)
                    os._exit(0)
            return False

    return FirstPaint()


if sys.argv[1] == "app":
    # The app starts as its `callreview` command does (its Qt-free modules load before PySide6,
    # whose import hook then looks at every later module); the spy joins when the app creates
    # its QApplication, through a subclass put in place as PySide6.QtWidgets is first imported.
    import builtins

    real_import = builtins.__import__

    def watching_import(name, *args, **kwargs):
        module = real_import(name, *args, **kwargs)
        widgets = sys.modules.get("PySide6.QtWidgets")
        if widgets is not None and not getattr(widgets, "_spied", False):
            widgets._spied = True
            base = widgets.QApplication

            class SpiedApplication(base):
                def __init__(self, *a):
                    super().__init__(*a)
                    self._spy = first_paint_spy()
                    self.installEventFilter(self._spy)

            widgets.QApplication = SpiedApplication
        return module

    builtins.__import__ = watching_import
    from callreview.app import main

    main(["--data-dir", sys.argv[2]])
    raise SystemExit(0)

from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
spy = first_paint_spy()
app.installEventFilter(spy)
if sys.argv[1] == "bare":
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    app.exec()
elif sys.argv[1].startswith("floor"):
    # The least a window of this shape costs, with no CallReview code: SQLite, menus, a
    # toolbar, a filter row (search, three combos, a date range), a sorted table of the
    # library's calls beside an empty pane, a status bar; "floor-qasync" also starts the
    # asyncio + qasync loop the app runs on.
    import sqlite3
    from PySide6.QtCore import QDate, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import (
        QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit,
        QSplitter, QTableView, QToolBar, QVBoxLayout, QWidget,
    )
    if sys.argv[1] == "floor-qasync":
        import asyncio
        import qasync
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
    window = QMainWindow()
    for title in ("File", "Edit", "View", "Call", "Help"):
        menu = window.menuBar().addMenu(title)
        for i in range(6):
            menu.addAction(f"{title} {i}")
    bar = QToolBar()
    for title in ("Fetch", "Browse", "Refresh", "Download", "Accounts"):
        bar.addAction(title)
    window.addToolBar(bar)
    central = QWidget()
    layout = QVBoxLayout(central)
    filters = QHBoxLayout()
    search = QLineEdit()
    search.setPlaceholderText("Search")
    search.setClearButtonEnabled(True)
    filters.addWidget(search, 3)
    for items in (3, 12, 4):
        combo = QComboBox()
        for i in range(items):
            combo.addItem(f"Item {i}", i)
        filters.addWidget(combo)
    filters.addWidget(QCheckBox("From"))
    for days in (-30, 0):
        edit = QDateEdit(QDate.currentDate().addDays(days))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setEnabled(False)
        filters.addWidget(edit)
    layout.addLayout(filters)
    db = sqlite3.connect(f"file:{sys.argv[2]}/library.sqlite3?mode=ro", uri=True)
    rows = db.execute(
        "SELECT status, provider, account, started_at, from_number, to_number, agent_id "
        "FROM calls ORDER BY started_at DESC LIMIT 200"
    ).fetchall()
    model = QStandardItemModel(len(rows), 7)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            model.setItem(r, c, QStandardItem(str(value)))
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSortingEnabled(True)
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(table)
    splitter.addWidget(QWidget())
    layout.addWidget(splitter, 1)
    window.setCentralWidget(central)
    window.statusBar().addPermanentWidget(QLabel(f"{len(rows)} call(s)"))
    window.resize(1280, 800)
    window.show()
    if sys.argv[1] == "floor-qasync":
        with loop:
            loop.run_forever()
    else:
        app.exec()
"""


def first_paint(kind: str, data_dir: Path) -> dict[str, float]:
    """Seconds from process start to each mark the child prints (PAINT, TRANSCRIPT)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # Installed copies start from compiled bytecode (pip and PyInstaller compile at install
    # time); a checkout run with PYTHONDONTWRITEBYTECODE would recompile every module each
    # start and measure something no user sees.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    marks = {
        line.split()[0]: float(line.split()[1]) - started
        for line in out.stdout.splitlines()
        if line.startswith(("PAINT ", "TRANSCRIPT "))
    }
    if "PAINT" not in marks or (kind == "app" and "TRANSCRIPT" not in marks):
        raise SystemExit(f"{kind}: no paint\n{out.stderr[-2000:]}")
    return marks


def loop_delays(fetch: bool, calls: int) -> list[float]:
    """Lateness (ms) of a 10 ms QTimer, with or without a 500-call fetch running."""
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from callreview.secrets import MemorySecretStore
    from callreview.workspace import build_workspace
    from tests.standin import seed

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    delays: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        delays.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)

    async def work(tmp: Path) -> None:
        server = seed.seeded_server(n_each=calls, ringyo_key="rg_bench_000000")
        server.start()
        server.latency = 0.02
        workspace = build_workspace(tmp, secrets=MemorySecretStore())
        try:
            await workspace.save_account("b", "ringyo", "rg_bench_000000", server.ringyo_base)
            timer.start()
            last[0] = time.perf_counter()
            if fetch:
                results = await workspace.fetch(
                    "b", [f"call_{i:06d}" for i in range(calls)], download=False
                )
                assert all(r.ok for r in results), [r.error for r in results if r.error][:1]
            else:
                await asyncio.sleep(3)
            timer.stop()
        finally:
            await workspace.aclose()
            server.stop()

    import tempfile

    with tempfile.TemporaryDirectory() as tmp, loop:
        loop.run_until_complete(work(Path(tmp)))
    return delays


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # also for the loop measurements
    sys.path.insert(0, str(ROOT))
    from callreview.library.sample import make_demo_dir

    compileall.compile_dir(ROOT / "callreview", quiet=1)
    data_dir = make_demo_dir()
    try:
        first_paint("app", data_dir)  # warm the page cache and the library's WAL
        kinds = ("bare", "floor", "floor-qasync", "app")
        times: dict[str, list[float]] = {kind: [] for kind in (*kinds, "transcript")}
        for _ in range(args.runs):
            for kind in kinds:
                marks = first_paint(kind, data_dir)
                times[kind].append(marks["PAINT"])
                if kind == "app":
                    times["transcript"].append(marks["TRANSCRIPT"])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    bare, app = statistics.median(times["bare"]), statistics.median(times["app"])
    floor, floor_q = statistics.median(times["floor"]), statistics.median(times["floor-qasync"])
    transcript = statistics.median(times["transcript"])
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    print(f"first paint, median of {args.runs} interleaved runs ({platform}):")
    print(f"  bare QMainWindow:                                       {bare * 1000:5.0f} ms")
    print(f"  same shape, no CallReview code (SQLite, table, menus):  {floor * 1000:5.0f} ms")
    print(f"  the same + asyncio/qasync loop (the floor):             {floor_q * 1000:5.0f} ms")
    print(
        f"  CallReview on the sample library, first paint:          {app * 1000:5.0f} ms "
        f"= {app / floor_q:.2f}x the floor (target <= 1.2x)"
    )
    print(
        f"  CallReview, first call's transcript painted:            {transcript * 1000:5.0f} ms "
        f"= {transcript / floor_q:.2f}x the floor (target <= 2x)"
    )
    idle = loop_delays(False, args.calls)
    busy = loop_delays(True, args.calls)
    print("event loop lateness of a 10 ms timer (p50 / p99 / max):")
    print(
        f"  idle:                        {statistics.median(idle):5.1f} / {p99(idle):5.1f} / "
        f"{max(idle):5.1f} ms"
    )
    print(
        f"  fetching {args.calls} calls:          {statistics.median(busy):5.1f} / "
        f"{p99(busy):5.1f} / {max(busy):5.1f} ms  (target p99 < 50 ms)"
    )


if __name__ == "__main__":
    main()
