"""Text helpers shared by the writers: times, masking, spreadsheet-safe cells, atomic files."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

from callreview.domain import ExportError, Segment

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A phone number: an optional +, then 7-15 digits possibly split by spaces, dots, dashes or
# parentheses. Shorter digit runs (order numbers, times) are left alone.
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]*\d){6,14}(?!\w)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def speaker(seg: Segment) -> str:
    return seg.speaker


def mask_text(text: str) -> str:
    """Hide e-mail addresses and phone numbers, keeping the last two digits for reference."""
    text = _EMAIL.sub(lambda m: "•••@" + m.group(0).rsplit("@", 1)[1], text)
    return _PHONE.sub(lambda m: "•••" + re.sub(r"\D", "", m.group(0))[-2:], text)


def mmss(ms: int | None) -> str:
    if ms is None:
        return "--:--"
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )


def clock(ms: int, sep: str) -> str:
    """HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT)."""
    ms = max(0, ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def safe_cell(value: str) -> str:
    """Neutralize text a spreadsheet would run as a formula (OWASP CSV injection)."""
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_filename(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "call"
    return name[:120]


def default_mode() -> int:
    """The permissions a normally created file gets (temp files start private)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_output(
    path: Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO]:  # type: ignore[type-arg]
    """Write to a temp file beside `path`, then rename: a failed export leaves nothing behind."""
    directory = path.parent
    if not directory.is_dir():
        raise ExportError(f"The folder {directory} does not exist. Choose an existing folder.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise ExportError(
            f"Cannot write to {directory}: {exc.strerror}. Choose another folder."
        ) from exc
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, default_mode())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportError(
            f"Could not write {path.name}: {exc.strerror or exc}. Free some disk space or "
            "choose another folder; nothing was left half-written."
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
