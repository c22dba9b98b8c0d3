"""The shared HTTP core with httpx.MockTransport: retries, Retry-After, error mapping, paths."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from callreview.domain import (
    AuthError,
    ConfigError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    SchemaError,
    UnavailableError,
)
from callreview.providers.base import check_base_url, check_call_id, presigned_expiry
from callreview.providers.http import HttpPolicy, parse_retry_after
from callreview.providers.ringyo import RingyoClient
from callreview.providers.rounded import RoundedClient
from tests.standin import seed

T = TypeVar("T")
FAST = HttpPolicy(backoff_initial=0.01, backoff_max=0.05, max_attempts=4, retry_budget=5)
Handler = Callable[[httpx.Request], httpx.Response]


def ringyo(handler: Handler, policy: HttpPolicy = FAST) -> RingyoClient:
    return RingyoClient(
        account_name="acme",
        api_key="rg_live_secretsecret",
        base_url="https://api.ringyo.test",
        policy=policy,
        transport=httpx.MockTransport(handler),
    )


def arun(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def ok_ringyo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=seed.ringyo_doc_example())


def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok_ringyo(request)

    async def go() -> None:
        client = ringyo(handler)
        call = await client.get_call("call_xyz789")
        await client.aclose()
        assert call.call_id == "call_xyz789"

    arun(go())
    [request] = seen
    assert request.url.path == "/v1/calls/call_xyz789"
    assert request.url.params["include"] == "transcript,recording,analysis"
    assert request.headers["authorization"] == "Bearer rg_live_secretsecret"


def test_429_twice_then_success_with_retry_after() -> None:
    answers = [
        httpx.Response(
            429, headers={"Retry-After": "0.2"}, json={"error": {"code": "rate_limit_exceeded"}}
        ),
        httpx.Response(
            429, headers={"Retry-After": "0.2"}, json={"error": {"code": "rate_limit_exceeded"}}
        ),
    ]
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return answers.pop(0) if answers else ok_ringyo(request)

    async def go() -> None:
        client = ringyo(handler)
        assert (await client.get_call("call_xyz789")).call_id == "call_xyz789"
        await client.aclose()

    arun(go())
    assert len(times) == 3
    assert times[1] - times[0] >= 0.2 and times[2] - times[1] >= 0.2


def test_retry_after_beyond_cap_is_reported_not_waited() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, headers={"Retry-After": "86400"})

    async def go() -> None:
        client = ringyo(handler)
        with pytest.raises(RateLimitedError) as info:
            await client.get_call("call_xyz789")
        await client.aclose()
        assert info.value.retry_after_s == 86400
        assert "86400 s" in str(info.value)

    arun(go())
    assert calls == 1


def test_5xx_exhausts_attempts_in_bounded_time() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, text="upstream down")

    async def go() -> None:
        client = ringyo(handler)
        started = time.monotonic()
        with pytest.raises(UnavailableError) as info:
            await client.get_call("call_xyz789")
        assert time.monotonic() - started < 2
        await client.aclose()
        assert "Gave up after 4 attempts" in str(info.value)

    arun(go())
    assert calls == 4


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": {"code": "unauthorized", "message": "bad key"}}, AuthError),
        (403, {"error": {"code": "forbidden", "message": "scope"}}, AuthError),
        (404, {"error": {"code": "call_not_found", "message": "nope"}}, NotFoundError),
        (400, {"error": {"code": "invalid_cursor", "message": "bad"}}, RequestRejectedError),
        (422, "not json at all", RequestRejectedError),
        (302, {}, RequestRejectedError),
    ],
)
def test_error_mapping_is_not_retried(status: int, body: object, error: type[Exception]) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body, headers={"Location": "https://elsewhere/"})

    async def go() -> None:
        client = ringyo(handler)
        with pytest.raises(error) as info:
            await client.get_call("call_xyz789")
        await client.aclose()
        assert "rg_live_secretsecret" not in str(info.value)

    arun(go())
    assert calls == 1


def test_auth_error_message_is_actionable() -> None:
    async def go() -> None:
        client = ringyo(
            lambda r: httpx.Response(401, json={"error": {"code": "unauthorized", "message": "x"}})
        )
        with pytest.raises(AuthError) as info:
            await client.get_call("call_xyz789")
        await client.aclose()
        text = str(info.value)
        assert "Ringyo rejected the API key for account 'acme' (401" in text
        assert "Update the key" in text

    arun(go())


@pytest.mark.parametrize(
    ("content_type", "body", "needle"),
    [
        ("text/html", b"<html><body>Sign in</body></html>", "web page"),
        ("application/json", b'{"id": ', "malformed JSON"),
        ("application/json", b'{"id": NaN}', "malformed JSON"),
        ("application/json", b"[" * 100_000, "malformed JSON"),
        ("application/json", b"\xff\xfe", "malformed JSON"),
    ],
)
def test_bad_bodies_are_schema_errors(content_type: str, body: bytes, needle: str) -> None:
    async def go() -> None:
        client = ringyo(
            lambda r: httpx.Response(200, content=body, headers={"Content-Type": content_type})
        )
        with pytest.raises(SchemaError, match=needle):
            await client.get_call("call_xyz789")
        await client.aclose()

    arun(go())


def test_body_size_cap() -> None:
    policy = HttpPolicy(max_body_bytes=1000, max_attempts=1)

    async def go() -> None:
        client = ringyo(lambda r: httpx.Response(200, content=b" " * 5000), policy)
        with pytest.raises(SchemaError, match="more than"):
            await client.get_call("call_xyz789")
        await client.aclose()

    arun(go())


def test_connect_errors_are_retried_then_unavailable() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    async def go() -> None:
        client = ringyo(handler)
        with pytest.raises(UnavailableError, match="Could not connect to Ringyo"):
            await client.get_call("call_xyz789")
        await client.aclose()

    arun(go())
    assert calls == FAST.max_attempts


def test_deadline_bounds_a_slow_attempt() -> None:
    policy = HttpPolicy(deadline=0.2, max_attempts=2, backoff_initial=0.01, backoff_max=0.01)

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return ok_ringyo(request)

    async def go() -> None:
        client = ringyo(slow, policy)  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(UnavailableError, match="within"):
            await client.get_call("call_xyz789")
        assert time.monotonic() - started < 1.5
        await client.aclose()

    arun(go())


def test_rounded_success_is_decided_by_http_status_not_error_field() -> None:
    call_doc = seed.rounded_doc_example()
    call_doc["id"] = "6f1c2a7e-1d2b-4c3d-9e8f-0a1b2c3d4e5f"
    doc = {
        "data": call_doc,
        "message": "Call retrieved successfully",
        "error": {"details": [], "message": "An error", "status": 400, "type": "generic_error"},
        "status": 200,
    }

    async def go() -> None:
        client = RoundedClient(
            account_name="r",
            api_key="rnd_secretsecret",
            base_url="https://api.rounded.test",
            policy=FAST,
            transport=httpx.MockTransport(lambda r: httpx.Response(200, json=doc)),
        )
        call = await client.get_call(call_doc["id"])
        await client.aclose()
        assert call.call_id == call_doc["id"]

    arun(go())


@pytest.mark.parametrize(
    "hostile",
    ["../admin", "..", ".", "a/b", "a?b=1", "a#b", "%2e%2e%2fx", "a b", "", "a\x00b", "x" * 300],
)
def test_hostile_call_ids_are_refused(hostile: str) -> None:
    with pytest.raises(ConfigError):
        check_call_id(hostile, "Ringyo")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.ringyo.ai", True),
        ("https://api.ringyo.ai/", True),
        ("http://127.0.0.1:8080/ringyo", True),
        ("http://localhost:9", True),
        ("http://[::1]:9", True),
        ("http://api.ringyo.ai", False),
        ("https://user:pw@api.ringyo.ai", False),
        ("https://api.ringyo.ai?key=1", False),
        ("file:///etc/passwd", False),
        ("ftp://x", False),
        ("not a url", False),
    ],
)
def test_base_url_rules(url: str, ok: bool) -> None:
    if ok:
        assert check_base_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ConfigError):
            check_base_url(url)


def test_parse_retry_after_forms() -> None:
    now = 1_705_312_000.0
    assert parse_retry_after({"retry-after": "3"}, now) == 3
    assert parse_retry_after({"retry-after": "Mon, 15 Jan 2024 09:46:50 GMT"}, now) == 10
    assert parse_retry_after({"x-ratelimit-reset": "1705312800"}, now) == 800
    assert parse_retry_after({"x-ratelimit-reset": "7"}, now) == 7
    assert parse_retry_after({"retry-after": "soon"}, now) is None
    assert parse_retry_after({"retry-after": "-4"}, now) is None
    assert parse_retry_after({}, now) is None


def test_presigned_expiry() -> None:
    url = seed.rounded_doc_example()["recording_url"]
    expiry = presigned_expiry(url)
    assert expiry is not None and expiry.isoformat() == "2025-04-01T17:38:38+00:00"
    assert presigned_expiry("https://storage.ringyo.ai/recordings/call_xyz789.mp3") is None
    assert presigned_expiry("https://x/?X-Amz-Date=garbage&X-Amz-Expires=3600") is None
