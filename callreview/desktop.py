"""Desktop integration for pip installs: the menu entry and icons in the user's XDG folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from callreview import APP_ID

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=CallReview
GenericName=Call Reviewer
Comment=Review what voice-AI phone agents actually said
Exec={exec} %F
Icon=io.callreview.CallReview
Terminal=false
Categories=AudioVideo;Audio;
Keywords=calls;transcript;voice;agent;review;QA;
StartupNotify=true
StartupWMClass=CallReview
"""


def render_entry(executable: str = "callreview") -> str:
    """The .desktop file; packaging/io.callreview.CallReview.desktop is this with `callreview`."""
    quoted = f'"{executable}"' if " " in executable else executable
    return DESKTOP_ENTRY.format(exec=quoted)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def icons_dir() -> Path:
    try:
        from importlib import resources

        return Path(str(resources.files("callreview.resources").joinpath("icons")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "resources" / "icons"


def installed_files(base: Path | None = None) -> list[Path]:
    base = base or data_home()
    files = [base / "applications" / f"{APP_ID}.desktop"]
    files += [base / "icons/hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES]
    files.append(base / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg")
    return files


def _executable() -> str:
    found = shutil.which("callreview")
    if found:
        return str(Path(found).resolve())
    # Not on PATH (e.g. a venv that isn't activated): run this interpreter's module.
    return f"{sys.executable} -m callreview"


def install_entry(base: Path | None = None) -> list[Path]:
    """Write the menu entry and icons for the current user; returns the files written."""
    base = base or data_home()
    source = icons_dir()
    entry, *pngs, svg = installed_files(base)
    entry.parent.mkdir(parents=True, exist_ok=True)
    executable = _executable()
    text = (
        render_entry(executable)
        if " -m " not in executable
        else render_entry("callreview").replace("Exec=callreview", f"Exec={executable}")
    )
    entry.write_text(text, encoding="utf-8")
    for size, target in zip(ICON_SIZES, pngs, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / f"{APP_ID}-{size}.png", target)
    svg.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / f"{APP_ID}.svg", svg)
    _refresh(base)
    return [entry, *pngs, svg]


def uninstall_entry(base: Path | None = None) -> list[Path]:
    removed = []
    for path in installed_files(base):
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh(base or data_home())
    return removed


def _refresh(base: Path) -> None:
    # Menus pick the entry up by themselves; these caches just make it immediate.
    for tool, args in (
        ("update-desktop-database", [str(base / "applications")]),
        ("gtk-update-icon-cache", ["-q", "-t", str(base / "icons/hicolor")]),
    ):
        if shutil.which(tool):
            subprocess.run([tool, *args], check=False, capture_output=True)
