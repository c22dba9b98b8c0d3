"""`TranscriptSync(QObject)`: playback positions in, "current segment changed" out."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from callreview.domain.timeline import segment_at


class TranscriptSync(QObject):
    """Maps positions to the line being spoken; emits only when that line changes.

    The lookup is a bisect over start times, so a position update costs O(log n) whatever
    the transcript's length. `offset_ms` is the per-call sync correction: a line that starts
    at `t` in the transcript is heard at `t + offset_ms` in the recording.
    """

    current_segment_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._starts: list[int] = []
        self._offset = 0
        self._current = -1
        self._last_position = 0

    @property
    def current(self) -> int:
        return self._current

    @property
    def offset_ms(self) -> int:
        return self._offset

    def set_starts(self, starts_ms: Sequence[int]) -> None:
        """Start times in ms, sorted ascending (empty: no timing, nothing is ever current)."""
        self._starts = list(starts_ms)
        self._current = -2  # force an emit on the next position
        self.update(self._last_position)

    def set_offset(self, offset_ms: int) -> None:
        self._offset = int(offset_ms)
        self.update(self._last_position)

    def update(self, position_ms: int) -> None:
        self._last_position = position_ms
        index = segment_at(self._starts, position_ms - self._offset) if self._starts else -1
        if index != self._current:
            self._current = index
            self.current_segment_changed.emit(index)

    def position_of(self, index: int) -> int:
        """Where in the recording a line starts (for click-to-seek)."""
        return max(0, self._starts[index] + self._offset)
