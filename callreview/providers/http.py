"""The HTTP core shared by every provider: one client per account, deadlines, retries, errors."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)
from tenacity.wait import wait_base

from callreview import __version__
from callreview.domain import (
    AuthError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    RequestRejectedError,
    SchemaError,
    UnavailableError,
)
from callreview.providers.base import check_base_url
from callreview.redaction import Redactor, redact_url

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Timeouts, retry bounds and limits for one account's requests."""

    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    # httpx's read timeout is per chunk, so a trickling server never times out: bound the whole
    # attempt (request to last byte) ourselves.
    deadline: float = 30.0
    max_attempts: int = 5
    retry_budget: float = 60.0
    backoff_initial: float = 0.5
    backoff_max: float = 15.0
    # A Retry-After longer than this is reported to the user instead of silently waited out.
    max_retry_after: float = 60.0
    concurrency: int = 8
    max_body_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a provider's error body said, in the provider-neutral terms the core needs."""

    code: str | None = None
    message: str | None = None
    request_id: str | None = None
    kind: type[ProviderError] | None = None


ErrorParser = Callable[[int, Any], ErrorInfo]


@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    data: Any
    headers: httpx.Headers


# The encodings the core asks for and decodes itself, under a bound (see `BoundedDecoder`).
ACCEPT_ENCODING = "gzip, deflate"
_DECODE_STEP = 1 << 20  # no single decompression step produces more than this


class DecodeRefused(Exception):
    """A body's Content-Encoding can't be decoded safely; `str()` says why, in words."""


class BoundedDecoder:
    """Decompresses one Content-Encoding in steps of at most `step` bytes.

    httpx inflates each received chunk in full, so a 2 KB `gzip, gzip` answer reaches gigabytes
    before any size cap sees it. This decoder is fed the raw bytes (`aiter_raw`) and yields
    decoded pieces of bounded size, so the caller's cap stops a bomb after at most one step.
    Stacked encodings (`gzip, gzip`) and encodings we never asked for are refused outright.
    """

    def __init__(self, content_encoding: str | None, step: int = _DECODE_STEP) -> None:
        codings = [
            c.strip().lower()
            for c in (content_encoding or "").split(",")
            if c.strip() and c.strip().lower() != "identity"
        ]
        if len(codings) > 1:
            raise DecodeRefused(
                f"its answer was compressed several times over ({', '.join(codings)}), "
                "which no honest server does; refusing to decode it"
            )
        self.coding = codings[0] if codings else None
        if self.coding not in (None, "gzip", "x-gzip", "deflate"):
            raise DecodeRefused(
                f"its answer was compressed with {self.coding[:40]!r}, which CallReview did not "
                "ask for and does not decode"
            )
        self._step = step
        self._first = True
        self._zlib: Any = None
        if self.coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces of `data`, none longer than the step."""
        if self._zlib is None:
            for start in range(0, len(data), self._step):
                yield data[start : start + self._step]
            return
        if self._zlib.eof:
            return  # bytes after the end of the compressed stream are ignored, as httpx does
        first, self._first = self._first, False
        while True:
            try:
                out = self._zlib.decompress(data, self._step)
            except zlib.error as exc:
                if first and self.coding == "deflate":
                    # "deflate" is zlib-wrapped by the standard, raw by many servers.
                    first = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise DecodeRefused(f"its {self.coding} answer is corrupt ({exc})") from exc
            first = False
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            if self._zlib.eof or (not data and len(out) < self._step):
                return

    def finish(self) -> None:
        """Raise if the compressed stream stopped before its end."""
        if self._zlib is not None and not self._zlib.eof and not self._first:
            # A truncated deflate stream is what many servers send; only gzip has a trailer.
            if self.coding != "deflate":
                raise DecodeRefused(f"its {self.coding} answer stopped before its end")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset`."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            seconds = float(value)
            if seconds >= 0 and math.isfinite(seconds):  # not NaN, not "inf" or 1e400
                return seconds
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, when.timestamp() - now)
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            number = float(reset.strip())
        except ValueError:
            return None
        if not math.isfinite(number) or number < 0:
            return None
        # Ringyo documents epoch seconds; small numbers are taken as a delay in seconds.
        return max(0.0, number - now) if number > 1_000_000_000 else number
    return None


class _WaitRetryAfter(wait_base):
    """Jittered exponential backoff that never waits less than the server asked for."""

    def __init__(self, policy: HttpPolicy, rng: Callable[[], float]) -> None:
        self._policy = policy
        self._rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        ceiling = min(
            self._policy.backoff_max,
            self._policy.backoff_initial * 2 ** (retry_state.attempt_number - 1),
        )
        backoff = ceiling * (0.5 + 0.5 * self._rng())  # "equal jitter": spread, never zero
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after_s is not None:
            return float(exc.retry_after_s + min(backoff, 1.0) * self._rng() * 0.25)
        return float(backoff)


async def _aiter_list(items: list[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


class HttpCore:
    """One `httpx.AsyncClient` for one account, with the policy applied to every request."""

    def __init__(
        self,
        *,
        provider_label: str,
        account_name: str,
        base_url: str,
        headers: Mapping[str, str],
        parse_error: ErrorParser,
        policy: HttpPolicy | None = None,
        redactor: Redactor | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: Callable[[], float] = random.random,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.label = provider_label
        self.account = account_name
        self.policy = policy or HttpPolicy()
        self.base_url = check_base_url(base_url)
        self._parse_error = parse_error
        self._redactor = redactor or Redactor()
        for value in headers.values():
            self._redactor.add_secret(value.removeprefix("Bearer "))
        self._rng = rng
        self._on_retry = on_retry
        self._sem = asyncio.Semaphore(self.policy.concurrency)
        p = self.policy
        self._client = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={
                **headers,
                "Accept": "application/json",
                # Only what BoundedDecoder decodes (httpx would add br/zstd when installed).
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": f"CallReview/{__version__}",
            },
            timeout=httpx.Timeout(p.read_timeout, connect=p.connect_timeout),
            limits=httpx.Limits(
                max_connections=p.concurrency, max_keepalive_connections=p.concurrency
            ),
            # Redirects could forward the key header to another host (httpx strips only
            # Authorization): an API that redirects is an error, not something to follow.
            follow_redirects=False,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def url_path(self, segments: Sequence[str]) -> str:
        """A relative path whose every segment is percent-encoded: an ID can't change the path."""
        return "/".join(quote(seg, safe="") for seg in segments)

    async def get_json(
        self,
        segments: Sequence[str],
        params: Mapping[str, str] | None = None,
        *,
        what: str = "the request",
    ) -> JsonResponse:
        """GET a JSON document, retrying what is worth retrying, raising our error tree."""
        path = self.url_path(segments)
        started = time.monotonic()
        attempts = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.max_attempts)
            | stop_before_delay(self.policy.retry_budget),
            wait=_WaitRetryAfter(self.policy, self._rng),
            retry=retry_if_exception(self._is_retryable),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    return await self._attempt(path, params, what)
        except UnavailableError as exc:
            if attempts > 1:
                elapsed = time.monotonic() - started
                raise UnavailableError(
                    f"{exc} Gave up after {attempts} attempts in {elapsed:.1f} s; try again later.",
                    provider=exc.provider,
                    status=exc.status,
                    code=exc.code,
                    request_id=exc.request_id,
                ) from exc
            raise
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _is_retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, UnavailableError):
            return True
        if isinstance(exc, RateLimitedError):
            return exc.retry_after_s is None or exc.retry_after_s <= self.policy.max_retry_after
        return False

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.upcoming_sleep
        text = f"{self.label} ({self.account}): {exc} Retrying in {wait:.1f} s."
        log.info("%s (attempt %d of %d)", text, state.attempt_number, self.policy.max_attempts)
        if self._on_retry is not None:
            self._on_retry(text)

    async def _attempt(
        self, path: str, params: Mapping[str, str] | None, what: str
    ) -> JsonResponse:
        host = httpx.URL(self.base_url).host
        try:
            async with self._sem, asyncio.timeout(self.policy.deadline):
                async with self._client.stream("GET", path, params=params) as resp:
                    body = await self._read_capped(resp, what)
        except TimeoutError as exc:
            raise self._unavailable(
                f"{self.label} did not finish answering within {self.policy.deadline:.0f} s."
            ) from exc
        except httpx.TimeoutException as exc:
            raise self._unavailable(f"{self.label} timed out ({type(exc).__name__}).") from exc
        except httpx.ConnectError as exc:
            raise self._unavailable(
                f"Could not connect to {self.label} at {host}. Check the network connection "
                "and the account's base URL."
            ) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise self._unavailable(
                f"The connection to {self.label} closed before the whole answer arrived."
            ) from exc
        except httpx.HTTPError as exc:
            detail = self._redactor.redact(str(exc))[:200]
            raise self._unavailable(f"Network error talking to {self.label}: {detail}") from exc
        log.debug(
            "%s GET %s -> %d (%d bytes)", self.label, redact_url(path), resp.status_code, len(body)
        )
        return self._interpret(resp, body, what)

    def _unavailable(self, message: str, status: int | None = None) -> UnavailableError:
        return UnavailableError(message, provider=self.label, status=status)

    async def _read_capped(self, resp: httpx.Response, what: str) -> bytes:
        """The decoded body, refused as soon as it (or the raw stream) passes the cap.

        The raw stream is decoded here in bounded steps, never by httpx: a small compressed
        answer can't inflate beyond the cap (plus one step) before it is refused.
        """
        limit = self.policy.max_body_bytes
        try:
            decoder = BoundedDecoder(resp.headers.get("content-encoding"))
        except DecodeRefused as exc:
            raise self._refused(resp, what, str(exc)) from None
        body = bytearray()
        raw_size = 0
        source: AsyncIterator[bytes]
        if resp.is_stream_consumed:  # built in memory (a test transport): already decoded
            source, decoder = _aiter_list([resp.content]), BoundedDecoder(None)
        else:
            source = resp.aiter_raw()
        try:
            async for raw in source:
                raw_size += len(raw)
                for piece in decoder.feed(raw):
                    if len(body) + len(piece) > limit:
                        raise self._too_large(resp, what)
                    body += piece
                if raw_size > limit:
                    raise self._too_large(resp, what)
            decoder.finish()
        except DecodeRefused as exc:
            raise self._refused(resp, what, str(exc)) from None
        return bytes(body)

    def _too_large(self, resp: httpx.Response, what: str) -> SchemaError:
        return SchemaError(
            f"{self.label} sent more than {self.policy.max_body_bytes // 2**20} MiB for "
            f"{what} (the response was larger than the "
            f"{self.policy.max_body_bytes / 2**20:g} MiB limit); refusing to read further.",
            provider=self.label,
            status=resp.status_code,
        )

    def _refused(self, resp: httpx.Response, what: str, why: str) -> SchemaError:
        return SchemaError(
            f"{self.label} could not be read for {what}: {why}. Check the account's base URL "
            "and any proxy in between.",
            provider=self.label,
            status=resp.status_code,
        )

    def _decode(self, body: bytes, content_type: str) -> Any:
        if "html" in content_type or body.lstrip()[:1] == b"<":
            raise ValueError("html")
        return json.loads(body, parse_constant=_reject_constant)

    def _interpret(self, resp: httpx.Response, body: bytes, what: str) -> JsonResponse:
        status = resp.status_code
        content_type = resp.headers.get("content-type", "").lower()
        data: Any = None
        decode_error: Exception | None = None
        try:
            data = self._decode(body, content_type)
        except (ValueError, RecursionError) as exc:
            decode_error = exc
        if 200 <= status < 300:
            if decode_error is not None:
                if str(decode_error) == "html":
                    raise SchemaError(
                        f"{self.label} answered {what} with a web page instead of JSON. "
                        "A proxy, captive portal or wrong base URL is the usual cause: check the "
                        "account's base URL.",
                        provider=self.label,
                        status=status,
                    )
                raise SchemaError(
                    f"{self.label} answered {what} with malformed JSON "
                    f"({type(decode_error).__name__}).",
                    provider=self.label,
                    status=status,
                )
            return JsonResponse(status, data, resp.headers)
        info = self._parse_error(status, data) if decode_error is None else ErrorInfo()
        said = f": {self._redactor.redact(info.message)[:300]}" if info.message else ""
        ref = f" (request {info.request_id})" if info.request_id else ""
        common: dict[str, Any] = {
            "provider": self.label,
            "status": status,
            "code": info.code,
            "request_id": info.request_id,
        }
        kind = info.kind
        if kind is AuthError or (kind is None and status in (401, 403)):
            raise AuthError(
                f"{self.label} rejected the API key for account '{self.account}' "
                f"({status}{said}). Update the key in Accounts "
                f"(callreview accounts add {self.account} --provider ... replaces it).",
                **common,
            )
        if kind is NotFoundError or (kind is None and status in (404, 410)):
            raise NotFoundError(
                f"{self.label} has no {what} for account '{self.account}' ({status}{said}).",
                **common,
            )
        if status == 429 or kind is RateLimitedError:
            wait = parse_retry_after(resp.headers)
            when = f" It asked to wait {wait:.0f} s." if wait is not None else ""
            raise RateLimitedError(
                f"{self.label} is rate limiting account '{self.account}' (429).{when}",
                retry_after_s=wait,
                **common,
            )
        if status >= 500 or kind is UnavailableError:
            raise UnavailableError(
                f"{self.label} is unavailable (HTTP {status}{said}){ref}.", **common
            )
        if 300 <= status < 400:
            raise RequestRejectedError(
                f"{self.label} redirected {what} (HTTP {status}); the account's base URL is "
                "probably wrong.",
                **common,
            )
        raise RequestRejectedError(
            f"{self.label} refused {what} (HTTP {status}{said}){ref}.", **common
        )
