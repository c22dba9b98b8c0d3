"""Rounded API client: get one call, page through the call list by cursor or by page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from callreview.domain import AuthError, Call, NotFoundError, RateLimitedError, SchemaError
from callreview.providers.base import CallPage, ListFilters, check_call_id
from callreview.providers.http import ErrorInfo, HttpCore, HttpPolicy
from callreview.providers.redact import Redactor
from callreview.providers.rounded.mapping import LABEL, PROVIDER, map_call
from callreview.providers.rounded.schema import RoundedEnvelope, RoundedErrorDetail
from callreview.providers.wire import validate

DEFAULT_BASE_URL = "https://api.callrounded.com"

_ERROR_KINDS: dict[str, type[Any]] = {
    "not_found": NotFoundError,
    "not_found_error": NotFoundError,
    "unauthorized": AuthError,
    "forbidden": AuthError,
    "rate_limit_error": RateLimitedError,
}


def parse_error(status: int, data: Any) -> ErrorInfo:
    """Rounded error bodies: `{data, message, error: {type, message, status, details}, status}`."""
    if not isinstance(data, dict):
        return ErrorInfo()
    error = data.get("error")
    detail = None
    if isinstance(error, dict):
        try:
            detail = RoundedErrorDetail.model_validate(error)
        except ValueError:
            detail = None
    message = detail.message if detail and detail.message else data.get("message")
    code = detail.type if detail else None
    return ErrorInfo(
        code=code,
        message=message if isinstance(message, str) else None,
        kind=_ERROR_KINDS.get(code or ""),
    )


def _iso(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")


class RoundedClient:
    """One Rounded account."""

    provider = PROVIDER
    label = LABEL

    def __init__(
        self,
        *,
        account_name: str,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        policy: HttpPolicy | None = None,
        redactor: Redactor | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.account_name = account_name
        self._http = HttpCore(
            provider_label=LABEL,
            account_name=account_name,
            base_url=base_url,
            headers={"X-Api-Key": api_key},
            parse_error=parse_error,
            policy=policy,
            redactor=redactor,
            transport=transport,
            on_retry=on_retry,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _envelope(self, data: Any, what: str) -> RoundedEnvelope:
        envelope = validate(RoundedEnvelope, data, LABEL, what)
        # The docs' own 200 example carries a populated `error`: the HTTP status already said
        # success, so `error` is ignored here; only a missing `data` is a failure.
        if envelope.data is None:
            raise SchemaError(f"Rounded answered {what} without any data.", provider=LABEL)
        return envelope

    async def get_call(self, call_id: str) -> Call:
        check_call_id(call_id, LABEL)
        what = f"call '{call_id}'"
        resp = await self._http.get_json(["v1", "calls", call_id], what=what)
        envelope = self._envelope(resp.data, what)
        call = map_call(envelope.data, included=frozenset({"transcript", "recording", "analysis"}))
        if call.call_id != call_id:
            raise SchemaError(
                f"Rounded answered the request for call '{call_id}' with call '{call.call_id}'.",
                provider=LABEL,
            )
        return call

    async def list_calls(
        self,
        filters: ListFilters | None = None,
        *,
        cursor: str | None = None,
        page: int | None = None,
        limit: int = 50,
    ) -> CallPage:
        """GET /v1/calls in cursor mode (default) or page mode (`page` given, 1-indexed)."""
        filters = filters or ListFilters()
        params: dict[str, str] = {"limit": str(max(1, min(limit, 1000)))}
        if page is not None:
            params["use_cursor"] = "false"
            params["page"] = str(max(1, page))
        else:
            params["use_cursor"] = "true"
            if cursor:
                params["cursor"] = cursor
        if filters.agent_id:
            params["agent_id"] = filters.agent_id
        if filters.from_number:
            params["from_number"] = filters.from_number
        if filters.to_number:
            params["to_number"] = filters.to_number
        if filters.since:
            params["start_time_gt"] = _iso(filters.since)
        if filters.until:
            params["start_time_lt"] = _iso(filters.until)
        resp = await self._http.get_json(["v1", "calls"], params, what="the call list")
        envelope = self._envelope(resp.data, "the call list")
        if not isinstance(envelope.data, list):
            raise SchemaError("Rounded sent the call list in an unexpected shape.", provider=LABEL)
        calls = [map_call(item) for item in envelope.data]
        if filters.status:
            # The list endpoint has no status filter: filter what came back.
            calls = [c for c in calls if filters.status in (c.status.value, (c.status_raw or ""))]
        if page is not None:
            return CallPage(
                calls=calls,
                page=envelope.current_page or page,
                total_pages=envelope.total_pages,
                total=envelope.total_items,
            )
        next_cursor = envelope.next_cursor or None
        if next_cursor and next_cursor == cursor:
            raise SchemaError("Rounded returned the same page cursor twice.", provider=LABEL)
        return CallPage(calls=calls, next_cursor=next_cursor)

    async def check_auth(self) -> None:
        await self.list_calls(limit=1)
