"""Both clients against the stand-in server: retries, outages, bad bodies, hostile IDs, lists."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from callreview.domain import (
    Account,
    AuthError,
    CallStatus,
    ConfigError,
    NotFoundError,
    SchemaError,
    UnavailableError,
)
from callreview.providers import make_client
from callreview.providers.base import ListFilters, ProviderClient
from callreview.providers.http import HttpPolicy
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.standin import Fault, StandinServer, seed

T = TypeVar("T")
POLICY = HttpPolicy(backoff_initial=0.02, backoff_max=0.1, max_attempts=4, retry_budget=10)


def arun(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def client(server: StandinServer, provider: str, policy: HttpPolicy = POLICY) -> ProviderClient:
    base = server.ringyo_base if provider == "ringyo" else server.rounded_base
    key = RINGYO_KEY if provider == "ringyo" else ROUNDED_KEY
    return make_client(Account("t", provider, base), key, policy=policy)


async def get(server: StandinServer, provider: str, call_id: str, **kw: Any) -> Any:
    c = client(server, provider, **kw)
    try:
        return await c.get_call(call_id)
    finally:
        await c.aclose()


ROUNDED_ID = seed.rounded_doc_example_with_answers()["id"]


@pytest.mark.parametrize(
    ("provider", "call_id"), [("ringyo", "call_xyz789"), ("rounded", ROUNDED_ID)]
)
def test_429_twice_then_200_is_fetched(server: StandinServer, provider: str, call_id: str) -> None:
    server.queue_faults(
        provider,
        call_id,
        [Fault.status(429, retry_after="0.3"), Fault.status(429, retry_after="0.3")],
    )
    started = time.monotonic()
    call = arun(get(server, provider, call_id))
    elapsed = time.monotonic() - started
    assert call.call_id == call_id
    hits = [r for r in server.requests if r.path.endswith(call_id)]
    assert len(hits) == 3
    assert elapsed >= 0.6  # Retry-After respected twice


def test_ringyo_ratelimit_reset_header_is_respected(server: StandinServer) -> None:
    reset = int(time.time()) + 1
    server.queue_faults("ringyo", "call_000004", [Fault.status(429, ratelimit_reset=reset)])
    arun(get(server, "ringyo", "call_000004"))
    stamps = [r for r in server.requests if r.path.endswith("call_000004")]
    assert len(stamps) == 2
    assert time.time() >= reset


def test_5xx_beyond_the_limit_is_unavailable_in_bounded_time(server: StandinServer) -> None:
    server.queue_faults("rounded", ROUNDED_ID, [Fault.status(503)] * 3 + [Fault.status(500)] * 3)
    started = time.monotonic()
    with pytest.raises(UnavailableError) as info:
        arun(get(server, "rounded", ROUNDED_ID))
    assert time.monotonic() - started < 3
    assert "Rounded is unavailable (HTTP 500" in str(info.value)
    assert "Gave up after 4 attempts" in str(info.value)
    server.queue_faults("rounded", ROUNDED_ID, [])  # consume nothing more


def test_truncated_body_is_a_clear_error(server: StandinServer) -> None:
    server.queue_faults("ringyo", "call_000005", [Fault.truncated()] * 4)
    with pytest.raises(UnavailableError, match="closed before the whole answer arrived"):
        arun(get(server, "ringyo", "call_000005"))


def test_truncated_once_then_recovers(server: StandinServer) -> None:
    server.queue_faults("ringyo", "call_000006", [Fault.truncated()])
    assert arun(get(server, "ringyo", "call_000006")).call_id == "call_000006"


@pytest.mark.parametrize(
    ("provider", "call_id"), [("ringyo", "call_xyz789"), ("rounded", ROUNDED_ID)]
)
def test_html_page_is_a_clear_error(server: StandinServer, provider: str, call_id: str) -> None:
    server.queue_faults(provider, call_id, [Fault.html()])
    with pytest.raises(SchemaError, match="web page instead of JSON"):
        arun(get(server, provider, call_id))


def test_bad_json_and_wrong_shapes(server: StandinServer) -> None:
    server.queue_faults("ringyo", "call_000007", [Fault.bad_json()])
    with pytest.raises(SchemaError, match="malformed JSON"):
        arun(get(server, "ringyo", "call_000007"))
    server.queue_faults("ringyo", "call_000007", [Fault.body(200, {"id": 7, "status": []})])
    with pytest.raises(SchemaError, match="unexpected shape"):
        arun(get(server, "ringyo", "call_000007"))
    server.queue_faults("rounded", ROUNDED_ID, [Fault.body(200, {"data": None, "status": 200})])
    with pytest.raises(SchemaError, match="without any data"):
        arun(get(server, "rounded", ROUNDED_ID))


def test_slow_answer_hits_the_deadline(server: StandinServer) -> None:
    policy = HttpPolicy(deadline=0.3, max_attempts=2, backoff_initial=0.01, backoff_max=0.01)
    server.queue_faults("ringyo", "call_000008", [Fault.slow(3)] * 2)
    started = time.monotonic()
    with pytest.raises(UnavailableError, match="within"):
        arun(get(server, "ringyo", "call_000008", policy=policy))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("provider", "call_id"), [("ringyo", "call_nope"), ("rounded", "0000-nope")]
)
def test_not_found_bodies(server: StandinServer, provider: str, call_id: str) -> None:
    with pytest.raises(NotFoundError) as info:
        arun(get(server, provider, call_id))
    assert f"no call '{call_id}'" in str(info.value)


@pytest.mark.parametrize("provider", ["ringyo", "rounded"])
def test_wrong_key_is_an_auth_error(server: StandinServer, provider: str) -> None:
    base = server.ringyo_base if provider == "ringyo" else server.rounded_base

    async def go() -> None:
        c = make_client(Account("acme", provider, base), "wrong_key_12345", policy=POLICY)
        try:
            await c.get_call("call_xyz789")
        finally:
            await c.aclose()

    with pytest.raises(AuthError) as info:
        arun(go())
    assert "rejected the API key for account 'acme' (401" in str(info.value)
    assert "wrong_key_12345" not in str(info.value)


def test_ringyo_envelope_is_accepted(server: StandinServer) -> None:
    server.ringyo_envelope = True
    call = arun(get(server, "ringyo", "call_xyz789"))
    assert [s.start_ms for s in call.segments] == [0, 3200]


HOSTILE = ["../v1/calls", "call_1/../../admin", "a?b=c", "a#frag", "%2e%2e", "..", "a/b", "x\r\ny"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_ids_never_reach_the_server_as_another_path(
    server: StandinServer, hostile: str
) -> None:
    with pytest.raises(ConfigError):
        arun(get(server, "ringyo", hostile))
    assert server.requests == []


def test_ids_are_percent_encoded_on_the_wire(server: StandinServer) -> None:
    # Legal but unusual characters still travel as one path segment.
    with pytest.raises(NotFoundError):
        arun(get(server, "ringyo", "call:odd~id.1"))
    [request] = server.requests
    assert request.raw_path.split("?")[0] == "/ringyo/v1/calls/call%3Aodd~id.1"


def test_rounded_presigned_recording_expiry_is_parsed(server: StandinServer) -> None:
    call = arun(get(server, "rounded", seed.ROUNDED_ANSWERS_ID))
    assert call.recording is not None and call.recording.presigned
    assert call.recording.expires_at is not None
    remaining = call.recording.expires_at.timestamp() - time.time()
    assert 3500 < remaining <= 3601


def test_ringyo_list_pages_by_cursor(server: StandinServer) -> None:
    async def go() -> list[str]:
        c = client(server, "ringyo")
        ids: list[str] = []
        cursor = None
        try:
            while True:
                page = await c.list_calls(cursor=cursor, limit=7)
                ids.extend(call.call_id for call in page.calls)
                if not page.has_more:
                    return ids
                cursor = page.next_cursor
        finally:
            await c.aclose()

    ids = arun(go())
    assert len(ids) == len(set(ids)) == len(server.call_ids("ringyo"))
    queries = [r.query for r in server.requests]
    assert all(q["limit"] == ["7"] for q in queries)
    assert sum("cursor" in q for q in queries) == len(queries) - 1


def test_ringyo_list_filters(server: StandinServer) -> None:
    from datetime import UTC, datetime

    async def go() -> None:
        c = client(server, "ringyo")
        try:
            await c.list_calls(
                ListFilters(since=datetime(2026, 10, 1, tzinfo=UTC), status="ended"), limit=5
            )
        finally:
            await c.aclose()

    arun(go())
    [request] = server.requests
    assert request.query["status"] == ["completed"]
    assert request.query["from_date"] == ["2026-10-01T00:00:00Z"]


@pytest.mark.parametrize("mode", ["cursor", "page"])
def test_rounded_list_modes(server: StandinServer, mode: str) -> None:
    async def go() -> list[str]:
        c = client(server, "rounded")
        ids: list[str] = []
        cursor, page_no = None, 1
        try:
            while True:
                if mode == "cursor":
                    page = await c.list_calls(cursor=cursor, limit=6)
                    cursor = page.next_cursor
                else:
                    page = await c.list_calls(page=page_no, limit=6)
                    page_no += 1
                ids.extend(call.call_id for call in page.calls)
                if not page.has_more or len(ids) > 100:
                    return ids
        finally:
            await c.aclose()

    ids = arun(go())
    assert len(set(ids)) >= 20
    for call_id in ids:
        assert call_id


def test_list_rows_map_without_transcripts(server: StandinServer) -> None:
    async def go() -> None:
        c = client(server, "ringyo")
        try:
            page = await c.list_calls(limit=3)
        finally:
            await c.aclose()
        assert all(call.segments == () for call in page.calls)
        assert all(call.status is not CallStatus.UNKNOWN for call in page.calls)

    arun(go())


def test_concurrent_fetches_share_one_client(server: StandinServer) -> None:
    server.latency = 0.05

    async def go() -> float:
        c = client(server, "ringyo", HttpPolicy(concurrency=8))
        started = time.monotonic()
        try:
            calls = await asyncio.gather(*(c.get_call(f"call_{i:06d}") for i in range(16)))
        finally:
            await c.aclose()
        assert len({call.call_id for call in calls}) == 16
        return time.monotonic() - started

    elapsed = arun(go())
    assert elapsed < 16 * 0.05  # clearly not sequential
