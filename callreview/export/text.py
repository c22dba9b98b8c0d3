"""Text helpers shared by the writers: times, masking, spreadsheet-safe cells, atomic files."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from callreview.domain import ExportError, Segment

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A phone number: an optional +, then 7-15 digits possibly split by spaces, dots, dashes or
# parentheses. Shorter digit runs (order numbers, times) are left alone.
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]*\d){6,14}(?!\w)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number in E.164 form: a spreadsheet reads it as text or a number, never a formula.
_E164 = re.compile(r"\+[0-9]{1,15}")


def value_text(value: Any) -> str:
    """A value as its JSON spelling (`true`, `5`, not Python's `True`, `5.0`); lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, list | tuple):
        return "; ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def decimal_text(amount: Decimal) -> str:
    """An exact amount the way the window and the PDF show it: `5`, `0.15`, never `5.0`."""
    return f"{amount.normalize():f}" if amount.is_finite() else str(amount)


def plain_numbers(value: Any) -> Any:
    """`value` with integral floats as ints (JSON writes 5.0 for 5.0), at any depth; bools,
    other floats and floats too large to be exact integers are left alone."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: plain_numbers(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [plain_numbers(inner) for inner in value]
    return value


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
    """Neutralize text a spreadsheet would run as a formula (OWASP CSV injection) with a
    leading `'`; a phone number in E.164 form (`+` and digits only) cannot run, so it stays."""
    if value.startswith(_FORMULA_START) and not _E164.fullmatch(value):
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
