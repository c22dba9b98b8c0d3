"""Ringyo API client: get one call with everything included, page through the call list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from callreview.domain import (
    AuthError,
    Call,
    NotFoundError,
    RateLimitedError,
    SchemaError,
)
from callreview.providers.base import CallPage, ListFilters, check_call_id
from callreview.providers.http import ErrorInfo, HttpCore, HttpPolicy
from callreview.providers.redact import Redactor
from callreview.providers.ringyo.mapping import LABEL, PROVIDER, STATUS_MAP, map_call
from callreview.providers.ringyo.schema import RingyoErrorBody, RingyoList
from callreview.providers.wire import validate

DEFAULT_BASE_URL = "https://api.ringyo.ai"
INCLUDE = ("transcript", "recording", "analysis")

_ERROR_KINDS: dict[str, type[Any]] = {
    "call_not_found": NotFoundError,
    "not_found": NotFoundError,
    "unauthorized": AuthError,
    "forbidden": AuthError,
    "rate_limit_exceeded": RateLimitedError,
}


def parse_error(status: int, data: Any) -> ErrorInfo:
    """Ringyo error bodies: `{error: {code, message, details}, meta: {request_id}}`."""
    try:
        body = RingyoErrorBody.model_validate(data)
    except ValueError:
        return ErrorInfo()
    request_id = body.meta.get("request_id") if body.meta else None
    code = body.error.code
    return ErrorInfo(
        code=code,
        message=body.error.message,
        request_id=request_id if isinstance(request_id, str) else None,
        kind=_ERROR_KINDS.get(code or ""),
    )


def _to_api_status(status: str) -> str:
    """Accept our normalized words too ("ended" → Ringyo's "completed")."""
    for raw, normalized in STATUS_MAP.items():
        if status in (raw, normalized.value):
            return raw
    return status


class RingyoClient:
    """One Ringyo account."""

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
            headers={"Authorization": f"Bearer {api_key}"},
            parse_error=parse_error,
            policy=policy,
            redactor=redactor,
            transport=transport,
            on_retry=on_retry,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_call(self, call_id: str) -> Call:
        check_call_id(call_id, LABEL)
        resp = await self._http.get_json(
            ["v1", "calls", call_id],
            {"include": ",".join(INCLUDE)},
            what=f"call '{call_id}'",
        )
        call = map_call(resp.data, included=frozenset(INCLUDE))
        if call.call_id != call_id:
            raise SchemaError(
                f"Ringyo answered the request for call '{call_id}' with call '{call.call_id}'.",
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
        """GET /v1/calls: cursor pagination (the cursor is opaque; we never build one)."""
        if page is not None:
            raise ValueError("Ringyo's list endpoint pages by cursor only")
        filters = filters or ListFilters()
        params: dict[str, str] = {"limit": str(max(1, min(limit, 100))), "order": "desc"}
        if cursor:
            params["cursor"] = cursor
        if filters.status:
            params["status"] = _to_api_status(filters.status)
        if filters.agent_id:
            params["agent_id"] = filters.agent_id
        if filters.to_number:
            params["phone_number"] = filters.to_number
        if filters.since:
            params["from_date"] = filters.since.isoformat().replace("+00:00", "Z")
        if filters.until:
            params["to_date"] = filters.until.isoformat().replace("+00:00", "Z")
        resp = await self._http.get_json(["v1", "calls"], params, what="the call list")
        listing = validate(RingyoList, resp.data, LABEL, "the call list")
        calls = [map_call(item) for item in listing.data]
        next_cursor = listing.next_cursor if listing.has_more is not False else None
        if next_cursor and next_cursor == cursor:
            # A cursor that does not advance would loop forever.
            raise SchemaError("Ringyo returned the same page cursor twice.", provider=LABEL)
        return CallPage(calls=calls, next_cursor=next_cursor or None, total=listing.total)

    async def check_auth(self) -> None:
        await self.list_calls(limit=1)
