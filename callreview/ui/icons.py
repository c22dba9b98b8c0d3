"""The application icon for windows (the menu entry uses the installed copies)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QIcon

from callreview import APP_ID
from callreview.desktop import ICON_SIZES, icons_dir


def set_window_icon(app: QGuiApplication) -> None:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icons_dir() / f"{APP_ID}-{size}.png"))
    app.setWindowIcon(icon)
