"""A 20,000-line transcript: load and show, one position update, memory; beside QListWidget.

Targets: load (model + first painted view) under 150 ms; a position update (bisect lookup +
highlight + follow) under 0.5 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.transcript [--lines 20000]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QListWidget

from callreview.domain import Role, Segment
from callreview.player import TranscriptSync
from callreview.ui.listen import ListenPanel
from callreview.ui.transcript import TranscriptModel, TranscriptView

WORDS = "the order arrived late and the customer wants a refund or a replacement today".split()


def make_segments(n: int) -> tuple[Segment, ...]:
    rng = random.Random(3)
    out, pos = [], 0
    for i in range(n):
        text = " ".join(rng.choices(WORDS, k=rng.randint(4, 40)))
        length = rng.randint(800, 6000)
        out.append(Segment(i, Role.AGENT if i % 2 else Role.USER, "agent", text, pos, pos + length))
        pos += length + rng.randint(100, 900)
    return tuple(out)


def rss() -> int:
    """Resident memory in bytes (Linux), Qt's C++ allocations included."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


def paint(app: QApplication, widget: object) -> None:
    widget.show()  # type: ignore[attr-defined]
    widget.repaint()  # type: ignore[attr-defined]
    app.processEvents()


def bench_ours(app: QApplication, segments: tuple[Segment, ...]) -> tuple[float, list[float], int]:
    gc.collect()
    base = rss()
    t0 = time.perf_counter()
    model = TranscriptModel()
    model.set_segments(segments)
    view = TranscriptView()
    view.setModel(model)
    view.resize(700, 600)
    paint(app, view)
    load = time.perf_counter() - t0
    memory = rss() - base
    sync = TranscriptSync()
    sync.set_starts([s.start_ms for s in segments])

    def on_change(row: int) -> None:
        model.set_current(row)
        view.follow_to(row)

    sync.current_segment_changed.connect(on_change)
    rng = random.Random(5)
    end = segments[-1].end_ms or 0
    costs = []
    # Playback-like: positions every 50 ms from random places, most not changing the line.
    for _ in range(200):
        position = rng.randint(0, end)
        for step in range(10):
            t = time.perf_counter()
            sync.update(position + step * 50)
            costs.append((time.perf_counter() - t) * 1000)
        app.processEvents()
    view.close()
    return load, costs, memory


def bench_list_widget(
    app: QApplication, segments: tuple[Segment, ...]
) -> tuple[float, list[float], int]:
    gc.collect()
    base = rss()
    t0 = time.perf_counter()
    widget = QListWidget()
    widget.setWordWrap(True)
    widget.addItems([f"[{s.start_ms // 1000}] {s.role_raw}: {s.text}" for s in segments])
    widget.resize(700, 600)
    paint(app, widget)
    load = time.perf_counter() - t0
    memory = rss() - base
    starts = [s.start_ms for s in segments]
    rng = random.Random(5)
    costs = []
    for _ in range(200):
        position = rng.randint(0, starts[-1])
        for step in range(10):
            t = time.perf_counter()
            # The usual QListWidget approach: scan for the line, select it, scroll to it.
            row = max(i for i, s in enumerate(starts) if s <= position + step * 50)
            widget.setCurrentRow(row)
            widget.scrollToItem(widget.item(row))
            costs.append((time.perf_counter() - t) * 1000)
        app.processEvents()
    widget.close()
    return load, costs, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    segments = make_segments(args.lines)
    # Build a panel once so every import and style is warm for both contenders.
    ListenPanel.__name__  # noqa: B018
    bench_list_widget(app, segments[:100])
    bench_ours(app, segments[:100])
    lw_load, lw_costs, lw_mem = bench_list_widget(app, segments)
    load, costs, memory = bench_ours(app, segments)
    p = lambda v: sorted(v)[int(len(v) * 0.99) - 1]  # noqa: E731
    print(f"{args.lines} transcript lines")
    print(
        f"load + first paint: TranscriptModel+View {load * 1000:7.1f} ms   "
        f"QListWidget {lw_load * 1000:7.1f} ms   (target < 150 ms)"
    )
    print(
        f"position update:    median {statistics.median(costs):.4f} ms, p99 {p(costs):.4f} ms,"
        f" max {max(costs):.3f} ms   QListWidget median {statistics.median(lw_costs):.3f} ms,"
        f" p99 {p(lw_costs):.3f} ms   (target < 0.5 ms)"
    )
    print(
        f"memory (RSS growth while loading): ours {memory / 2**20:.1f} MiB, "
        f"QListWidget {lw_mem / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
