"""Provider and reviewer text shown as the text it is, never as rich text (no <h1> phishing)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def literal_html(text: str) -> str:
    """Rich text that shows `text` literally, for places with no plain-text switch.

    Qt renders a tooltip or a static message box's text as rich text when it merely looks
    like HTML: escaped text inside <qt> is always shown as written.
    """
    escaped = html.escape(text, quote=False).replace("\n", "<br>")
    return f"<qt>{escaped}</qt>"


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` literally (see `literal_html`)."""
    return literal_html(text)


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
) -> QMessageBox:
    """A message box whose text (which may quote a provider or a reviewer) is plain text."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box
