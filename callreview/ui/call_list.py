"""The call list's view and the window's fit on screen: the parts of the list a person touches."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QTableView, QWidget

# Below this height (device-independent pixels) the call's facts take one line.
COMPACT_BELOW = 600


class CallListView(QTableView):
    """A table that keeps its selection when empty space is clicked and says why it is empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty_text = ""

    def set_empty_text(self, text: str) -> None:
        """What the list says when it has no rows (a search with no result, an empty library)."""
        self._empty_text = text
        self.viewport().update()

    def empty_text(self) -> str:
        return self._empty_text

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # Clicking the empty space under the rows would clear the selection and with it the
        # call a reviewer is listening to; only a click on a row changes it.
        if not self.indexAt(event.position().toPoint()).isValid():
            event.accept()
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if self._empty_text and model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            area = self.viewport().rect().adjusted(24, 24, -24, -24)
            painter.drawText(
                QRect(area),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                | int(Qt.TextFlag.TextWordWrap),
                self._empty_text,
            )
            painter.end()


def fit_to_screen(window: QWidget, preferred: tuple[int, int] = (1280, 800)) -> None:
    """Keep `window` within the available area of the screen it opens on.

    A first window takes its preferred size where the screen has room for it, more of a big
    screen, less of a small one (at 150 % on a 1366×768 laptop the preferred size would hang
    off the bottom, hiding controls); a restored geometry from a bigger monitor is shrunk and
    moved back onto this one.
    """
    screen = window.screen()
    if screen is None:
        return
    room = screen.availableGeometry()
    frame = window.frameGeometry()
    # The title bar and borders the window manager adds (none offscreen).
    extra_w = max(0, frame.width() - window.width())
    extra_h = max(0, frame.height() - window.height())
    width = min(max(window.width(), 1), room.width() - extra_w)
    height = min(max(window.height(), 1), room.height() - extra_h)
    if window.width() == preferred[0] and window.height() == preferred[1]:
        # A first window: its preferred size, or 85 % of a bigger screen, within 92 % of it.
        width = min(max(preferred[0], int(room.width() * 0.85)), int(room.width() * 0.92))
        height = min(max(preferred[1], int(room.height() * 0.85)), int(room.height() * 0.92))
        width, height = width - extra_w, height - extra_h
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), room.left()), room.right() - frame.width() + 1)
    y = min(max(frame.y(), room.top()), room.bottom() - frame.height() + 1)
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


class DetailsScrollArea(QScrollArea):
    """Holds the call view: scrolls when the window is shorter than its controls need, and
    says its height so the view can fold its facts into one line first."""

    compact_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._compact: bool | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        compact = event.size().height() < COMPACT_BELOW
        if compact != self._compact:
            self._compact = compact
            self.compact_changed.emit(compact)
