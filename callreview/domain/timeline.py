"""Pure time functions: ISO parsing, offsets against an anchor, segment ends and lookup."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise

from callreview.domain.model import Call, Role, Segment

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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError(f"not a representable time: {value!r}") from None


# Positions and durations are whole milliseconds below 2**53 (exact in a double, storable
# as a 64-bit integer): about 285,000 years, so nothing real comes near it.
MAX_MS = 2**53


def seconds_to_ms(seconds: float) -> int:
    """Seconds (possibly fractional) to whole milliseconds; raises ValueError if not finite
    or beyond ±2**53 ms (a number no recording has, and that storage could not keep)."""
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite number of seconds: {seconds!r}")
    ms = round(seconds * 1000)
    if not -MAX_MS <= ms <= MAX_MS:
        raise ValueError(f"too many seconds for a call: {seconds!r}")
    return ms


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


def spoken_lines(call: Call) -> tuple[Segment, ...]:
    """The call's lines with estimated speech ends, or () when the provider gave no timing
    (the base for talk time and silences in every summary)."""
    return estimate_speech_ends(call.segments) if call.timing.has_positions else ()


def talk_split(spoken: Sequence[Segment]) -> tuple[int, int] | None:
    """The agent's and the caller's share, in whole percent adding up to 100, of the time
    either of them speaks; None if neither has a timed line.

    `spoken` carries speech ends (see `estimate_speech_ends`). Tool calls, tool results and
    system lines are not speech, so they are left out of the split.
    """
    talk = talk_time_ms(spoken)
    agent, caller = talk.get(Role.AGENT.value, 0), talk.get(Role.USER.value, 0)
    if agent + caller == 0:
        return None
    agent_pct = round(agent * 100 / (agent + caller))
    return agent_pct, 100 - agent_pct


def silences(segments: Sequence[Segment], threshold_ms: int) -> list[tuple[int, int, int]]:
    """Gaps longer than `threshold_ms` between one line's end and the next line's start.

    Returns (index of the line after the gap, gap start ms, gap length ms). Lines whose end
    was inferred (it equals the next start) leave no gap, so this only finds real silences
    when the provider gave end times, or the caller estimated speech ends.
    """
    gaps = []
    for before, after in pairwise(segments):
        end = before.end_ms if before.end_ms is not None else before.start_ms
        gap = after.start_ms - end
        if gap > threshold_ms:
            gaps.append((after.index, end, gap))
    return gaps


def response_latencies(segments: Sequence[Segment]) -> list[tuple[int, int]]:
    """For each caller line followed by an agent line: (agent line's position, gap in ms).

    Positions index `segments` as given (sorted by start). The gap runs from the start of
    the agent's line back to the end of the caller's line (its inferred end is the agent's
    start, so without end times this is 0: see `estimate_speech_ends`).
    """
    out = []
    for pos in range(1, len(segments)):
        before, after = segments[pos - 1], segments[pos]
        if before.role is Role.USER and after.role is Role.AGENT:
            end = before.end_ms if before.end_ms is not None else before.start_ms
            out.append((pos, max(0, after.start_ms - end)))
    return out


def estimate_speech_ends(
    segments: Sequence[Segment], ms_per_char: float = 62.0
) -> tuple[Segment, ...]:
    """Segments whose inferred ends are replaced by an estimate of when speaking stopped.

    Providers without end times give only starts; the time a line takes to say is roughly
    proportional to its length (≈ 16 characters a second for conversational speech). The
    estimate never runs past the next line's start. Lines with real end times are kept.
    """
    out = []
    for pos, seg in enumerate(segments):
        if seg.end_ms is not None and not seg.end_inferred:
            out.append(seg)
            continue
        spoken = seg.start_ms + int(len(seg.text) * ms_per_char) + 250
        limit = segments[pos + 1].start_ms if pos + 1 < len(segments) else seg.end_ms
        end = min(spoken, limit) if limit is not None else spoken
        out.append(replace(seg, end_ms=max(seg.start_ms, end), end_inferred=True))
    return tuple(out)
