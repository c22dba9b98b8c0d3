"""Guard against a PySide6 regression seen in 6.12.0 on Python 3.11.

Every call of a void Qt method from Python dropped a reference to `None`; after a few
thousand calls (None starts near 4,500) the interpreter aborts with "none_dealloc". Python
3.12+ makes None immortal, which hides it; CallReview supports 3.11, so the pin matters.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QImage, QPainter
from pytestqt.qtbot import QtBot

from callreview.domain import Role, Segment
from callreview.ui.transcript import TranscriptModel, TranscriptView


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    image = QImage(50, 50, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    font = QFont()
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.save()
        painter.fillRect(QRect(0, 0, 5, 5), 0)
        painter.restore()
        font.setBold(True)
    painter.end()
    assert sys.getrefcount(None) >= before - 50


def test_painting_a_long_transcript_keeps_none_alive(qtbot: QtBot) -> None:
    model = TranscriptModel()
    model.set_segments(
        tuple(Segment(i, Role.AGENT, "agent", f"line {i} " * 10, i * 1000) for i in range(300))
    )
    view = TranscriptView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    before = sys.getrefcount(None)
    for row in range(0, 300, 3):
        model.set_current(row)
        view.follow_to(row)
        view.viewport().repaint()
    assert sys.getrefcount(None) >= before - 50
