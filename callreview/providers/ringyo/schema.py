"""Ringyo's documented wire shapes (GET /v1/calls/{id}, GET /v1/calls, error bodies)."""

from __future__ import annotations

from typing import Any

from callreview.providers.wire import Int64, Seconds, Text, Wire


class RingyoSegment(Wire):
    role: Text | None = None
    content: Text | None = None
    timestamp: Seconds | None = None


class RingyoCall(Wire):
    id: Text
    status: Text | None = None
    phone_number: Text | None = None
    from_number: Text | None = None
    agent_id: Text | None = None
    duration: Seconds | None = None
    transcript: list[RingyoSegment] | None = None
    recording_url: Text | None = None
    # The analysis object's shape is undocumented: kept whole, read by well-known keys.
    analysis: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    created_at: Text | None = None
    ended_at: Text | None = None


class RingyoList(Wire):
    # Raw items: each is validated on its own as a RingyoCall, so one bad item skips alone.
    data: list[Any]
    has_more: bool | None = None
    next_cursor: Text | None = None
    total: Int64 | None = None


class RingyoErrorDetail(Wire):
    code: Text | None = None
    message: Text | None = None
    details: Any = None


class RingyoErrorBody(Wire):
    error: RingyoErrorDetail
    meta: dict[str, Any] | None = None
