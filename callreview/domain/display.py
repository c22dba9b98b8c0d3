"""Times and durations as the window shows them, in one place for the window and the exports."""

from __future__ import annotations

from datetime import UTC, datetime

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
