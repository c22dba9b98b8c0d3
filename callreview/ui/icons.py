"""Icons drawn or loaded by CallReview: the window icon and the call list's review marks."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPen, QPixmap

from callreview import APP_ID
from callreview.desktop import ICON_SIZES, icons_dir


def set_window_icon(app: QGuiApplication) -> None:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icons_dir() / f"{APP_ID}-{size}.png"))
    app.setWindowIcon(icon)


# The review marks of the call list, drawn here rather than taken from the style or the
# icon theme: the style's check mark already means "Ended" in the Status column, and icon
# themes are missing on many desktops (and under Xvfb). Distinct shapes, not only colours.
_MARK_SIZES = (16, 20, 24, 32, 48)
_marks: dict[str, QIcon] = {}


def review_mark(kind: str) -> QIcon:
    """The list's mark for "reviewed", "flagged" or "notes" (cached: one icon per kind)."""
    icon = _marks.get(kind)
    if icon is None:
        icon = QIcon()
        for size in _MARK_SIZES:
            icon.addPixmap(_draw_mark(kind, size))
        _marks[kind] = icon
    return icon


def _draw_mark(kind: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 16  # drawn on a 16-unit grid
    if kind == "reviewed":
        # A white check mark in a green disc.
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2e7d32"))
        p.drawEllipse(QRectF(1 * s, 1 * s, 14 * s, 14 * s))
        pen = QPen(QColor("white"), 2 * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(
            [QPointF(4.5 * s, 8.2 * s), QPointF(7 * s, 10.7 * s), QPointF(11.5 * s, 5.5 * s)]
        )
    elif kind == "flagged":
        # A red-orange pennant on a dark pole.
        p.setPen(QPen(QColor("#424242"), 1.6 * s))
        p.drawLine(QPointF(3.5 * s, 1.5 * s), QPointF(3.5 * s, 14.5 * s))
        path = QPainterPath(QPointF(4.3 * s, 2 * s))
        path.lineTo(13.5 * s, 5 * s)
        path.lineTo(4.3 * s, 8.5 * s)
        path.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#d84315"))
        p.drawPath(path)
    else:
        # A blue sheet of paper with a folded corner and lines of text.
        path = QPainterPath(QPointF(3 * s, 1.5 * s))
        path.lineTo(10 * s, 1.5 * s)
        path.lineTo(13 * s, 4.5 * s)
        path.lineTo(13 * s, 14.5 * s)
        path.lineTo(3 * s, 14.5 * s)
        path.closeSubpath()
        p.setPen(QPen(QColor("#0d47a1"), 1.2 * s))
        p.setBrush(QColor("#e3f2fd"))
        p.drawPath(path)
        p.setPen(QPen(QColor("#1565c0"), 1.2 * s))
        for y in (6.5, 9, 11.5):
            p.drawLine(QPointF(5 * s, y * s), QPointF(11 * s, y * s))
    p.end()
    return pixmap
