"""Pure time functions: ISO parsing, offsets against an anchor, segment ends and lookup."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from callreview.domain.model import Segment

# A line this far past the known end of the call is almost certainly on another clock.
PAST_END_TOLERANCE_MS = 5_000


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC. Raises ValueError."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def seconds_to_ms(seconds: float) -> int:
    """Seconds (possibly fractional) to whole milliseconds; raises ValueError if not finite."""
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite number of seconds: {seconds!r}")
    return round(seconds * 1000)


def offset_ms(moment: datetime, anchor: datetime) -> int:
    """Milliseconds from `anchor` to `moment` (negative when before it)."""
    delta = moment - anchor
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def finish_segments(
    segments: Sequence[Segment], duration_ms: int | None, *, sort: bool = True
) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """Sort by (start, original index), clamp and flag odd starts, infer missing end times.

    With `sort=False` (some lines have no time, so times can't order them) the provider's
    order is kept. Returns the segments and the call-level timing flags.
    """
    flags: set[str] = set()
    fixed: list[Segment] = []
    for seg in segments:
        seg_flags = list(seg.flags)
        start = seg.start_ms
        if start < 0:
            seg_flags.append("before_start")
            flags.add("segments_before_start")
            start = 0
        if duration_ms is not None and start > duration_ms + PAST_END_TOLERANCE_MS:
            seg_flags.append("past_end")
            flags.add("segments_past_end")
        fixed.append(replace(seg, start_ms=start, flags=tuple(seg_flags)))
    if sort:
        fixed.sort(key=lambda s: (s.start_ms, s.index))
    out: list[Segment] = []
    for pos, seg in enumerate(fixed):
        if seg.end_ms is not None and not seg.end_inferred:
            out.append(seg)
            continue
        if pos + 1 < len(fixed):
            end: int | None = fixed[pos + 1].start_ms
        elif duration_ms is not None and duration_ms >= seg.start_ms:
            end = duration_ms
        else:
            end = None
        out.append(replace(seg, end_ms=end, end_inferred=True))
    return tuple(out), tuple(sorted(flags))


def segment_at(starts_ms: Sequence[int], position_ms: int) -> int:
    """Index of the last segment starting at or before `position_ms`, or -1 before the first.

    `starts_ms` must be sorted ascending (as `finish_segments` leaves them).
    """
    return bisect_right(starts_ms, position_ms) - 1


def talk_time_ms(segments: Sequence[Segment]) -> dict[str, int]:
    """Total speaking time per normalized role, from segment start/end positions."""
    totals: dict[str, int] = {}
    for seg in segments:
        if seg.end_ms is None or seg.end_ms <= seg.start_ms:
            continue
        totals[seg.role.value] = totals.get(seg.role.value, 0) + (seg.end_ms - seg.start_ms)
    return totals
