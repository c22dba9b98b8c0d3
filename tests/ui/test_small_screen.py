"""Issue 14 items 6 and 7: on a 1366×768 laptop at 150 % (911×512 logical) the window fits the
screen and every control the reviewer needs can be reached, at its usable size."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from callreview.library.sample import make_demo_dir, remove_demo_dir

# Qt's offscreen platform with one screen of the given size (its "configfile" option).
SCREEN = {
    "synchronousWindowSystemEvents": False,
    "windowFrameMargins": True,
    "screens": [
        {
            "name": "laptop",
            "x": 0,
            "y": 0,
            "width": 1366,
            "height": 768,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
            "dpr": 1,
        }
    ],
}

CHILD = r"""
import json, os, sys
import callreview.app as app_module
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QScrollArea
from callreview.ui.main_window import MainWindow

original = MainWindow._after_first_paint

def after_first_paint(self):
    original(self)
    QTimer.singleShot(800, lambda: report(self))

def report(window):
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    listen = window.call_view.listen
    wanted = {
        "speed": listen.speed,
        "volume": listen.volume,
        "seek": listen.slider,
        "sync": listen.offset_label,
        "since": window.filter_bar.since,
        "until": window.filter_bar.until,
        "transcript": listen.view,
    }
    scroll = window.findChild(QScrollArea, "call-view-scroll")
    out = {"screen": screen.getRect(), "frame": frame.getRect()}
    out["compact"] = window.call_view.compact
    for name, widget in wanted.items():
        if scroll.isAncestorOf(widget):
            scroll.ensureWidgetVisible(widget)
        QApplication.processEvents()
        top_left = widget.mapToGlobal(widget.rect().topLeft())
        hint = widget.minimumSizeHint()
        out[name] = {
            "visible": widget.isVisible(),
            "rect": [top_left.x(), top_left.y(), widget.width(), widget.height()],
            "min": [hint.width(), hint.height()],
        }
    print("REPORT " + json.dumps(out), flush=True)
    os._exit(0)

MainWindow._after_first_paint = after_first_paint
app_module.main(["--data-dir", sys.argv[1]])
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp_path = tmp_path_factory.mktemp("small-screen")
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SCREEN), encoding="utf-8")
    demo = make_demo_dir(tmp_path)
    try:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
            "QT_SCALE_FACTOR": "1.5",
        }
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(demo)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    finally:
        remove_demo_dir(demo)
    lines = [line for line in out.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, out.stdout + out.stderr[-3000:]
    result: dict[str, object] = json.loads(lines[0].removeprefix("REPORT "))
    return result


def test_the_window_fits_a_small_screen_at_150_percent(report: dict[str, object]) -> None:
    sx, sy, sw, sh = report["screen"]  # type: ignore[misc]
    assert (sw, sh) == (911, 512)
    fx, fy, fw, fh = report["frame"]  # type: ignore[misc]
    assert fx >= sx and fy >= sy and fx + fw <= sx + sw and fy + fh <= sy + sh, report
    assert report["compact"] is True  # the facts fold into one line on a screen this short


@pytest.mark.parametrize(
    "name", ["speed", "volume", "seek", "sync", "since", "until", "transcript"]
)
def test_each_control_is_on_screen_at_a_usable_size(report: dict[str, object], name: str) -> None:
    sx, sy, sw, sh = report["screen"]  # type: ignore[misc]
    control = report[name]
    assert isinstance(control, dict)
    x, y, w, h = control["rect"]
    min_w, min_h = control["min"]
    assert control["visible"], name
    assert x >= sx and x + w <= sx + sw, (name, control)  # never cut off at the side
    assert y >= sy and y + h <= sy + sh, (name, control)  # reachable (the details scroll)
    assert w >= min_w and h >= min_h, (name, control)  # not squeezed below its minimum
