"""A bar above the content for expected problems: what happened, and what to do about it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class MessageBar(QFrame):
    """One message at a time, with an optional action button and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._action: Callable[[], object] | None = None
        self._setup_ui()
        self.hide()

    def _setup_ui(self) -> None:
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Message bar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        # Messages may quote provider text: never let it be interpreted as rich text.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.clicked.connect(self._on_action_button_clicked)
        close = QToolButton()
        close.setText("✕")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)

    def show_message(
        self,
        text: str,
        level: str = "error",
        action_text: str | None = None,
        action: Callable[[], object] | None = None,
    ) -> None:
        palette = self.palette()
        base = self.palette().color(QPalette.ColorRole.Window)
        tint = {"error": (220, 60, 60), "warning": (230, 160, 40), "info": (60, 130, 220)}[level]
        # A light tint of the system window colour keeps light and dark themes readable.
        mixed = [
            int(base.red() * 0.8 + tint[0] * 0.2),
            int(base.green() * 0.8 + tint[1] * 0.2),
            int(base.blue() * 0.8 + tint[2] * 0.2),
        ]
        palette.setColor(QPalette.ColorRole.Window, base.fromRgb(*mixed))
        self.setPalette(palette)
        self.label.setText(text)
        self._action = action
        self.action_button.setVisible(action is not None)
        self.action_button.setText(action_text or "")
        self.show()

    def _on_action_button_clicked(self) -> None:
        action = self._action
        self.hide()
        if action is not None:
            action()
