"""Times and durations as the window shows them, in one place for the window and the exports."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

START_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


def format_ms(ms: int | None) -> str:
    """A position or a length: "M:SS" under an hour, "H:MM:SS" from an hour; "" if unknown."""
    if ms is None:
        return ""
    hours, rest = divmod(max(0, ms) // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def format_duration(ms: int | None, source: str | None) -> str:
    """A call's length; marked " (approx.)" when it is not the provider's own figure
    (worked out from timestamps or the transcript instead)."""
    text = format_ms(ms)
    if text and source and source != "provider":
        text += " (approx.)"
    return text


def format_start(moment: datetime | None) -> str:
    """A moment in UTC to the second, "2026-11-20 10:05:44 UTC"; "" if unknown.

    Naive datetimes are taken as UTC, like everywhere else in the model.
    """
    if moment is None:
        return ""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime(START_FORMAT)


def format_when(position_ms: int | None, moment: datetime | None) -> str:
    """When something happened in a call: its position if known, else the UTC clock time."""
    if position_ms is not None:
        return format_ms(position_ms)
    if moment is None:
        return ""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%H:%M:%S")


# A position the player can take: QMediaPlayer positions are qint64 milliseconds.
MAX_POSITION_MS = 2**63 - 1


def parse_position(text: str) -> int | None:
    """'1:23', '83', '0:01:23' or '83.5' → milliseconds; None if it is not a time.

    Decimal arithmetic, so '0:01.005' is 1005 ms (floats make it 1004); a time beyond what
    the player can seek to is not a time.
    """
    text = text.strip()
    if len(text) > 40 or not re.fullmatch(r"\d+(:\d{1,2}){0,2}(\.\d+)?", text):
        return None
    seconds = Decimal(0)
    for part in text.split(":"):
        seconds = seconds * 60 + Decimal(part)
    ms = int((seconds * 1000).to_integral_value(rounding=ROUND_HALF_UP))
    return ms if ms <= MAX_POSITION_MS else None
