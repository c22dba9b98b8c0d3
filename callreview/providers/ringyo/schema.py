"""Ringyo's documented wire shapes (GET /v1/calls/{id}, GET /v1/calls, error bodies)."""

from __future__ import annotations

from typing import Any

from callreview.providers.wire import Wire


class RingyoSegment(Wire):
    role: str | None = None
    content: str | None = None
    timestamp: float | None = None


class RingyoCall(Wire):
    id: str
    status: str | None = None
    phone_number: str | None = None
    from_number: str | None = None
    agent_id: str | None = None
    duration: float | None = None
    transcript: list[RingyoSegment] | None = None
    recording_url: str | None = None
    # The analysis object's shape is undocumented: kept whole, read by well-known keys.
    analysis: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    ended_at: str | None = None


class RingyoList(Wire):
    data: list[dict[str, Any]]
    has_more: bool | None = None
    next_cursor: str | None = None
    total: int | None = None


class RingyoErrorDetail(Wire):
    code: str | None = None
    message: str | None = None
    details: Any = None


class RingyoErrorBody(Wire):
    error: RingyoErrorDetail
    meta: dict[str, Any] | None = None
