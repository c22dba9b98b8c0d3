"""Desktop integration for pip installs: the menu entry and icons in the user's XDG folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from callreview import APP_ID
from callreview.domain import ConfigError

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
MimeType=application/x-callreview-bundle;
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


def _resource_dir(name: str) -> Path:
    """A folder of the installed `callreview.resources`, or of the checkout's `resources/`."""
    try:
        from importlib import resources

        return Path(str(resources.files("callreview.resources").joinpath(name)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "resources" / name


def icons_dir() -> Path:
    return _resource_dir("icons")


def mime_dir() -> Path:
    """The shared-mime-info XML that registers the bundle type (*.crbundle)."""
    return _resource_dir("mime")


def installed_files(base: Path | None = None) -> list[Path]:
    """Where install_entry writes: the entry first, then the icons, then the MIME type."""
    return [target for _source, target in _copies(base or data_home())]


def _copies(base: Path) -> list[tuple[Path | None, Path]]:
    # (source, target); the entry has no source: it is rendered for this installation.
    icons, mime = icons_dir(), mime_dir()
    copies: list[tuple[Path | None, Path]] = [(None, base / "applications" / f"{APP_ID}.desktop")]
    copies += [
        (
            icons / f"{APP_ID}-{s}.png",
            base / "icons/hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png",
        )
        for s in ICON_SIZES
    ]
    copies.append((icons / f"{APP_ID}.svg", base / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg"))
    copies.append((mime / f"{APP_ID}.xml", base / "mime/packages" / f"{APP_ID}.xml"))
    return copies


def _executable() -> str:
    found = shutil.which("callreview")
    if found:
        return str(Path(found).resolve())
    # Not on PATH (e.g. a venv that isn't activated): run this interpreter's module.
    return f"{sys.executable} -m callreview"


def install_entry(base: Path | None = None) -> list[Path]:
    """Write the menu entry, icons and bundle MIME type for the current user.

    Returns the files written. Raises ConfigError if this installation lacks its icons or
    MIME file (nothing is written then), or if the XDG folders cannot be written.
    """
    base = base or data_home()
    copies = _copies(base)
    missing = [source for source, _ in copies if source is not None and not source.is_file()]
    if missing:
        more = f" and {len(missing) - 1} more file(s)" if len(missing) > 1 else ""
        raise ConfigError(
            f"Reinstall CallReview: the installed copy has no {missing[0].name} in "
            f"{missing[0].parent}{more}, needed for the menu entry."
        )
    executable = _executable()
    text = (
        render_entry(executable)
        if " -m " not in executable
        else render_entry("callreview").replace("Exec=callreview", f"Exec={executable}")
    )
    try:
        for source, target in copies:
            target.parent.mkdir(parents=True, exist_ok=True)
            if source is None:
                target.write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(source, target)
    except OSError as exc:
        raise ConfigError(
            f"Could not add CallReview to the applications menu: {exc.filename}: "
            f"{exc.strerror or exc}."
        ) from exc
    _refresh(base)
    return [target for _source, target in copies]


def uninstall_entry(base: Path | None = None) -> list[Path]:
    """Remove what install_entry wrote; returns the files removed."""
    removed = []
    try:
        for path in installed_files(base):
            if path.exists():
                path.unlink()
                removed.append(path)
    except OSError as exc:
        raise ConfigError(
            f"Could not remove the CallReview menu entry: {exc.filename}: {exc.strerror or exc}."
        ) from exc
    _refresh(base or data_home())
    return removed


def _refresh(base: Path) -> None:
    # Menus pick the entry up by themselves; these caches just make it immediate.
    # The MIME database is different: without update-mime-database the new type is unknown
    # until the next login's (or another package's) rebuild.
    for tool, folder, args in (
        ("update-desktop-database", base / "applications", []),
        ("gtk-update-icon-cache", base / "icons/hicolor", ["-q", "-t"]),
        ("update-mime-database", base / "mime", []),
    ):
        if folder.is_dir() and shutil.which(tool):
            subprocess.run([tool, *args, str(folder)], check=False, capture_output=True)
