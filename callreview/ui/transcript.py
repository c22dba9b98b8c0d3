"""The transcript as a list model (the Player issue adds following and highlighting)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from callreview.domain import Role, Segment
from callreview.ui.call_table import format_ms

SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 1
SPEAKER = {
    Role.AGENT: "Agent",
    Role.USER: "Caller",
    Role.SYSTEM: "System",
    Role.TOOL_CALL: "Tool call",
    Role.TOOL_RESULT: "Tool result",
    Role.TRANSFER_TARGET: "Transfer",
    Role.OTHER: "Other",
}


class TranscriptModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._segments: tuple[Segment, ...] = ()
        self._timed = True

    def set_segments(self, segments: tuple[Segment, ...], timed: bool = True) -> None:
        self.beginResetModel()
        self._segments = segments
        self._timed = timed
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._segments)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._segments):
            return None
        seg = self._segments[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            speaker = SPEAKER[seg.role] if seg.role is not Role.OTHER else (seg.role_raw or "Other")
            when = f"[{format_ms(seg.start_ms)}] " if self._timed else ""
            return f"{when}{speaker}: {seg.text}"
        if role == Qt.ItemDataRole.ToolTipRole and seg.flags:
            return "Timing looked wrong: " + ", ".join(seg.flags)
        if role == SEGMENT_ROLE:
            return seg
        return None
