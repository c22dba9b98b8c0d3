"""The synchronized transcript: list model, delegate, and a view that follows playback."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPolygon,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from callreview.domain import Role, Segment
from callreview.domain.timeline import segment_at
from callreview.ui.call_table import format_ms
from callreview.ui.plain import plain_tooltip

_LONG_RUN = re.compile(r"\S{40,}")


@lru_cache(maxsize=4096)
def breakable(text: str) -> str:
    """The text with zero-width spaces inside very long unbroken runs (JSON tool results,
    URLs), so word wrap can break them instead of cutting them off at the edge."""

    def split(match: re.Match[str]) -> str:
        run = match.group(0)
        return "\u200b".join(run[i : i + 20] for i in range(0, len(run), 20))

    return _LONG_RUN.sub(split, text)


SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 1
CURRENT_ROLE = Qt.ItemDataRole.UserRole + 2
MATCH_ROLE = Qt.ItemDataRole.UserRole + 3
# The match Next/Previous landed on: drawn stronger than the other matches.
CURRENT_MATCH_ROLE = Qt.ItemDataRole.UserRole + 4
# What the find field holds, so the delegate can mark the words inside each line.
FIND_TEXT_ROLE = Qt.ItemDataRole.UserRole + 5
# Hues, not fixed colours: mixed with the palette so light and dark themes both read well.
ROLE_HUE = {
    Role.AGENT: QColor(40, 110, 210),
    Role.USER: QColor(30, 150, 90),
    Role.TOOL_CALL: QColor(170, 110, 30),
    Role.TOOL_RESULT: QColor(170, 110, 30),
}
_LABEL_SAMPLE = "Tool result "
# Find results: a warm yellow, away from the palette's highlight (the playing line).
MATCH_HUE = QColor(250, 200, 40)
CURRENT_MATCH_HUE = QColor(240, 140, 20)
# A line where a reviewer pinned a note (notes_panel.py): a small flag in the corner.
NOTE_ROLE = Qt.ItemDataRole.UserRole + 10
NOTE_HUE = QColor(150, 70, 200)


@lru_cache(maxsize=256)
def _find_pattern(needle: str) -> re.Pattern[str]:
    # Breakable text may hold zero-width spaces anywhere inside a long run.
    return re.compile("\u200b?".join(re.escape(c) for c in needle), re.IGNORECASE)


def match_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """(start, length) of each case-insensitive occurrence of `needle` in `text`."""
    needle = needle.strip()
    if not needle:
        return []
    return [(m.start(), m.end() - m.start()) for m in _find_pattern(needle).finditer(text)]


def speaker(seg: Segment) -> str:
    return seg.speaker


def mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        int(a.red() * (1 - t) + b.red() * t),
        int(a.green() * (1 - t) + b.green() * t),
        int(a.blue() * (1 - t) + b.blue() * t),
    )


class TranscriptModel(QAbstractListModel):
    """One row per line; knows the current line and the search matches.

    The current line changes many times a minute: it is announced with `current_changed`
    (the view repaints two rows) rather than `dataChanged`, which makes QListView lay out
    every row again when rows have different heights.
    """

    current_changed = Signal(int, int)
    _note_rows: frozenset[int] = frozenset()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._segments: tuple[Segment, ...] = ()
        self._timed = True
        self._current = -1
        self._matches: set[int] = set()
        self._needle = ""
        self._current_match = -1

    @property
    def timed(self) -> bool:
        return self._timed

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self._segments

    @property
    def current(self) -> int:
        return self._current

    def set_segments(self, segments: tuple[Segment, ...], timed: bool = True) -> None:
        self.beginResetModel()
        self._segments = segments
        self._timed = timed
        self._current = -1
        self._matches = set()
        self._needle = ""
        self._current_match = -1
        self._note_rows = frozenset()
        self.endResetModel()

    def set_current(self, row: int) -> None:
        previous, self._current = self._current, row
        if previous != row:
            self.current_changed.emit(previous, row)

    def find(self, text: str) -> list[int]:
        """Rows containing `text` (case-insensitive); they are marked as matches."""
        needle = text.casefold().strip()
        old = self._matches
        self._matches = (
            {i for i, s in enumerate(self._segments) if needle in s.text.casefold()}
            if needle
            else set()
        )
        self._needle = text.strip()
        self._current_match = -1
        # Every old and new match repaints: the marked words change even where the row stays.
        for row in old | self._matches:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [MATCH_ROLE, CURRENT_MATCH_ROLE, FIND_TEXT_ROLE])
        return sorted(self._matches)

    @property
    def current_match(self) -> int:
        return self._current_match

    def set_current_match(self, row: int) -> None:
        """The match Next/Previous is on (-1: none); it gets its own, stronger look."""
        previous, self._current_match = self._current_match, row
        for changed in {previous, row}:
            if changed >= 0:
                index = self.index(changed, 0)
                self.dataChanged.emit(index, index, [CURRENT_MATCH_ROLE])

    def set_note_positions(self, positions_ms: Sequence[int]) -> None:
        """Mark the lines being spoken at these transcript times (notes pinned there)."""
        starts = [s.start_ms for s in self._segments]
        rows = {segment_at(starts, p) for p in positions_ms} if self._timed and starts else set()
        old, self._note_rows = self._note_rows, frozenset(r for r in rows if r >= 0)
        for row in old ^ self._note_rows:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [NOTE_ROLE])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._segments)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._segments):
            return None
        seg = self._segments[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = f"[{format_ms(seg.start_ms)}] " if self._timed else ""
            return f"{when}{speaker(seg)}: {seg.text}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{speaker(seg)} at {format_ms(seg.start_ms)}: {seg.text}"
        if role == Qt.ItemDataRole.ToolTipRole and seg.flags:
            return plain_tooltip("Timing looked wrong: " + ", ".join(seg.flags))
        if role == SEGMENT_ROLE:
            return seg
        if role == CURRENT_ROLE:
            return index.row() == self._current
        if role == MATCH_ROLE:
            return index.row() in self._matches
        if role == CURRENT_MATCH_ROLE:
            return index.row() == self._current_match
        if role == FIND_TEXT_ROLE:
            return self._needle if index.row() in self._matches else ""
        if role == NOTE_ROLE:
            return index.row() in self._note_rows
        return None


class TranscriptDelegate(QStyledItemDelegate):
    """Speaker label in its colour, start time, wrapped text; the current line highlighted."""

    PAD = 6

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Row heights per (row, width): text layout is the expensive part of a long list.
        self._heights: dict[tuple[int, int], int] = {}

    def clear_cache(self) -> None:
        self._heights.clear()

    def _label_width(self, fm: QFontMetrics) -> int:
        # The label is drawn bold: leave room for the wider glyphs.
        return int(fm.horizontalAdvance(_LABEL_SAMPLE) * 1.15) + self.PAD

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        seg = index.data(SEGMENT_ROLE)
        if seg is None:
            return super().sizeHint(option, index)
        view = option.widget
        width = view.viewport().width() if isinstance(view, QAbstractItemView) else 600
        key = (index.row(), width)
        height = self._heights.get(key)
        if height is None:
            fm = QFontMetrics(option.font)
            text_w = max(80, width - self._label_width(fm) - 3 * self.PAD)
            flags = int(Qt.TextFlag.TextWordWrap)
            bounds = fm.boundingRect(0, 0, text_w, 100_000, flags, breakable(seg.text))
            height = max(fm.height() * 2, bounds.height()) + self.PAD
            self._heights[key] = height
        return QSize(width, height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        seg: Segment | None = index.data(SEGMENT_ROLE)
        if seg is None:
            super().paint(painter, option, index)
            return
        painter.save()
        palette = option.palette
        rect = option.rect
        base = palette.color(QPalette.ColorRole.Base)
        current = bool(index.data(CURRENT_ROLE))
        current_match = bool(index.data(CURRENT_MATCH_ROLE))
        if current:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
            text_color = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            if current_match:
                painter.fillRect(rect, mix(base, CURRENT_MATCH_HUE, 0.3))
            elif index.data(MATCH_ROLE):
                painter.fillRect(rect, mix(base, MATCH_HUE, 0.15))
            elif option.state & QStyle.StateFlag.State_HasFocus:
                painter.fillRect(rect, mix(base, palette.color(QPalette.ColorRole.Highlight), 0.15))
            text_color = palette.color(QPalette.ColorRole.Text)
        if current_match:
            # A frame, so the match Next/Previous is on stands out even on the playing line.
            painter.setPen(QPen(CURRENT_MATCH_HUE, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        hue = ROLE_HUE.get(seg.role, palette.color(QPalette.ColorRole.PlaceholderText))
        painter.fillRect(QRect(rect.left(), rect.top() + 1, 4, rect.height() - 2), hue)
        fm = QFontMetrics(option.font)
        label_w = self._label_width(fm)
        left = rect.left() + self.PAD + 2
        top = rect.top() + self.PAD // 2
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color if current else mix(text_color, hue, 0.7))
        painter.drawText(QRect(left, top, label_w, fm.height()), 0, speaker(seg))
        painter.setFont(option.font)
        model = index.model()
        if getattr(model, "timed", True):
            painter.setPen(text_color)
            painter.drawText(
                QRect(left, top + fm.height(), label_w, fm.height()), 0, format_ms(seg.start_ms)
            )
        text_rect = QRect(left + label_w, top, rect.width() - label_w - 3 * self.PAD, rect.height())
        font = QFont(option.font)
        font.setItalic(seg.role in (Role.TOOL_CALL, Role.TOOL_RESULT))
        painter.setFont(font)
        text = breakable(seg.text)
        painter.setPen(text_color)
        needle = index.data(FIND_TEXT_ROLE)
        if not (
            needle and self._draw_marked(painter, font, text_rect, text, needle, current_match)
        ):
            painter.drawText(text_rect, int(Qt.TextFlag.TextWordWrap), text)
        if index.data(NOTE_ROLE):
            # A folded corner at the top right: a note is pinned to this line. Outlined in
            # the base colour so it shows on the highlighted (playing) line too.
            size = self.PAD * 2 + 2
            r, t = rect.right(), rect.top()
            corner = QPolygon([QPoint(r - size, t), QPoint(r, t), QPoint(r, t + size)])
            painter.setPen(palette.color(QPalette.ColorRole.Base))
            painter.setBrush(NOTE_HUE)
            painter.drawPolygon(corner)
        painter.restore()

    @staticmethod
    def _draw_marked(
        painter: QPainter, font: QFont, rect: QRect, text: str, needle: str, strong: bool
    ) -> bool:
        """Draw the text with each occurrence of `needle` marked; False if there is none.

        Wrapped the way `drawText` wraps (word wrap, lines `leading` apart), so a line keeps
        its height (the row heights come from `QFontMetrics.boundingRect`)."""
        spans = match_spans(text, needle)
        if not spans:
            return False
        layout = QTextLayout(text, font)
        wrap = QTextOption()
        wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(wrap)
        leading = QFontMetrics(font).leading()
        layout.beginLayout()
        y = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(rect.width())
            line.setPosition(QPointF(0, y))
            y += line.height() + leading
        layout.endLayout()
        mark = QTextCharFormat()
        mark.setBackground(CURRENT_MATCH_HUE if strong else MATCH_HUE)
        # Dark text on the marker whatever the row's colours (the playing line is white text).
        mark.setForeground(QColor(0, 0, 0))
        ranges = []
        for start, length in spans:
            fmt = QTextLayout.FormatRange()
            fmt.start, fmt.length, fmt.format = start, length, mark
            ranges.append(fmt)
        painter.save()
        painter.setClipRect(rect)
        layout.draw(painter, QPointF(rect.topLeft()), ranges)
        painter.restore()
        return True


class TranscriptView(QListView):
    """Follows the current line while playing, until the person scrolls away.

    `segment_activated(row)`: a click or Enter on a line (the panel plays from there).
    `following_changed(bool)`: the panel shows "Follow playback" while not following.

    A line just clicked stays where it is while it plays (it is under the pointer); following
    moves the list again from the next line on.
    """

    segment_activated = Signal(int)
    following_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._following = True
        self._held_row = -1
        self._pressing = False
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._delegate = TranscriptDelegate(self)
        self.setItemDelegate(self._delegate)
        # Lay out long transcripts in batches: the first screen paints at once, the rest
        # follows while the event loop keeps running.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setAccessibleName("Transcript")
        self.clicked.connect(lambda index: self._activate(index.row()))
        # actionTriggered fires only for what the person does to the scroll bar, never for
        # our own scrollTo calls.
        self.verticalScrollBar().actionTriggered.connect(lambda _: self.set_following(False))
        self.viewport().installEventFilter(self)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        self._delegate.clear_cache()
        if isinstance(model, TranscriptModel):
            model.current_changed.connect(self._on_model_current_changed)
            model.modelReset.connect(self._delegate.clear_cache)
            model.modelReset.connect(self._release_hold)

    def _on_model_current_changed(self, previous: int, row: int) -> None:
        model = self.model()
        for changed in (previous, row):
            if changed >= 0:
                self.viewport().update(self.visualRect(model.index(changed, 0)))

    @property
    def following(self) -> bool:
        return self._following

    def _release_hold(self) -> None:
        self._held_row = -1

    def set_following(self, on: bool) -> None:
        if not on:
            self._held_row = -1  # scrolled away: "Follow playback" brings the line back
        if on != self._following:
            self._following = on
            self.following_changed.emit(on)

    def follow_to(self, row: int) -> None:
        """Bring the current line into view, if following (not the line just clicked)."""
        if row == self._held_row:
            return
        self._held_row = -1
        if self._following and row >= 0:
            self.scrollTo(self.model().index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def _activate(self, row: int) -> None:
        self._held_row = row
        self.segment_activated.emit(row)

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        # A press makes the line current, and Qt scrolls a half-visible current line into
        # view: the row would jump away from the pointer before the click lands.
        if not self._pressing:
            super().scrollTo(index, hint)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressing = True
        try:
            super().mousePressEvent(event)
        finally:
            self._pressing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel:
            self.set_following(False)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex().row())
            return
        if event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.set_following(False)
        super().keyPressEvent(event)
