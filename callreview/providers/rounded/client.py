"""Rounded API client: get one call, page through the call list by cursor or by page."""

from __future__ import annotations

from typing import Any

from callreview.domain import AuthError, Call, NotFoundError, RateLimitedError, SchemaError
from callreview.providers.base import (
    BaseProviderClient,
    CallPage,
    ListFilters,
    read_page_items,
)
from callreview.providers.http import ErrorInfo
from callreview.providers.rounded import SPEC
from callreview.providers.rounded.mapping import LABEL, map_call
from callreview.providers.rounded.schema import RoundedEnvelope, RoundedErrorDetail
from callreview.providers.wire import validate

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


class RoundedClient(BaseProviderClient):
    """One Rounded account."""

    spec = SPEC
    parse_error = staticmethod(parse_error)

    def _envelope(self, data: Any, what: str) -> RoundedEnvelope:
        envelope = validate(RoundedEnvelope, data, LABEL, what)
        # The docs' own 200 example carries a populated `error`: the HTTP status already said
        # success, so `error` is ignored here; only a missing `data` is a failure.
        if envelope.data is None:
            raise SchemaError(f"Rounded answered {what} without any data.", provider=LABEL)
        return envelope

    async def fetch_call(self, call_id: str) -> Call:
        what = f"call '{call_id}'"
        resp = await self._http.get_json(["v1", "calls", call_id], what=what)
        envelope = self._envelope(resp.data, what)
        return map_call(envelope.data, included=frozenset({"transcript", "recording", "analysis"}))

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
        raw = resp.data
        items = raw.get("data") if isinstance(raw, dict) else None
        if not isinstance(items, list):
            # Not a list envelope: say what is wrong with it (no data, a bad shape).
            self._envelope(raw, "the call list")
            raise SchemaError("Rounded sent the call list in an unexpected shape.", provider=LABEL)
        # The envelope is checked without its items; each item is checked when it is mapped,
        # so a hostile item is skipped alone and the rest of the page is read.
        envelope = self._envelope({**raw, "data": []}, "the call list")
        calls, skipped = read_page_items(items, map_call)
        if filters.status:
            # The list endpoint has no status filter: filter what came back.
            calls = [c for c in calls if filters.status in (c.status.value, (c.status_raw or ""))]
        if page is not None:
            return CallPage(
                calls=calls,
                page=envelope.current_page or page,
                total_pages=envelope.total_pages,
                total=envelope.total_items,
                skipped=skipped,
            )
        return CallPage(
            calls=calls,
            next_cursor=self.check_cursor(envelope.next_cursor, cursor),
            skipped=skipped,
        )
