"""Ringyo API client: get one call with everything included, page through the call list."""

from __future__ import annotations

from typing import Any

from callreview.domain import AuthError, Call, NotFoundError, RateLimitedError
from callreview.providers.base import (
    BaseProviderClient,
    CallPage,
    ListFilters,
    read_page_items,
)
from callreview.providers.http import ErrorInfo
from callreview.providers.ringyo import SPEC
from callreview.providers.ringyo.mapping import LABEL, STATUS_MAP, map_call
from callreview.providers.ringyo.schema import RingyoErrorBody, RingyoList
from callreview.providers.wire import validate

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


class RingyoClient(BaseProviderClient):
    """One Ringyo account."""

    spec = SPEC
    parse_error = staticmethod(parse_error)

    async def fetch_call(self, call_id: str) -> Call:
        resp = await self._http.get_json(
            ["v1", "calls", call_id],
            {"include": ",".join(INCLUDE)},
            what=f"call '{call_id}'",
        )
        return map_call(resp.data, included=frozenset(INCLUDE))

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
        listing, items = read_list(resp.data)
        calls, skipped = read_page_items(items, map_call)
        next_cursor = listing.next_cursor if listing.has_more is not False else None
        return CallPage(
            calls=calls,
            next_cursor=self.check_cursor(next_cursor, cursor),
            total=listing.total,
            skipped=skipped,
        )


def read_list(raw: Any) -> tuple[RingyoList, list[Any]]:
    """The list envelope, validated without its items, and the raw items (each read alone).

    The whole-document checks (depth, text, 64-bit numbers) run on the envelope here and on
    each item when it is mapped: a hostile item is that item's problem, not the page's.
    """
    if isinstance(raw, dict) and isinstance(raw.get("data"), list):
        listing = validate(RingyoList, {**raw, "data": []}, LABEL, "the call list")
        return listing, list(raw["data"])
    # Not a list envelope at all: let the schema say what is wrong with it.
    listing = validate(RingyoList, raw, LABEL, "the call list")
    return listing, list(listing.data)
