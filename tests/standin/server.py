"""A real HTTP server on 127.0.0.1 speaking the documented get-call and list contracts.

Switches: per-call fault queues (status codes with Retry-After / X-RateLimit-Reset, slow,
truncated, HTML, bad JSON, arbitrary bodies), added latency, Ringyo's {data, meta}
envelope, and Rounded's expiring presigned recording URLs.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

ROUNDED_DOC_ERROR = {
    "details": [{"field": "email", "message": "Invalid email format"}],
    "message": "An error occurred while processing your request",
    "status": 400,
    "type": "generic_error",
}
RINGYO_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "call_not_found",
    429: "rate_limit_exceeded",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><form action='/login'><input name='user'></form></body></html>"
)


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, consumed by one matching request."""

    kind: str
    code: int = 200
    retry_after: str | None = None
    ratelimit_reset: int | None = None
    seconds: float = 0.0
    payload: Any = None
    content_type: str = "application/json"

    @classmethod
    def status(
        cls, code: int, retry_after: object = None, ratelimit_reset: int | None = None
    ) -> Fault:
        return cls(
            "status", code, None if retry_after is None else str(retry_after), ratelimit_reset
        )

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls("slow", seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        return cls("truncated")

    @classmethod
    def html(cls) -> Fault:
        return cls("html")

    @classmethod
    def bad_json(cls) -> Fault:
        return cls("bad_json")

    @classmethod
    def body(cls, code: int, obj: Any, content_type: str = "application/json") -> Fault:
        return cls("body", code, payload=obj, content_type=content_type)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    raw_path: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class _Recording:
    data: bytes
    content_type: str


@dataclass
class _State:
    ringyo_key: str
    rounded_key: str
    latency: float = 0.0
    ringyo_envelope: bool = False
    recording_ttl: int = 3600
    calls: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"ringyo": {}, "rounded": {}}
    )
    recordings: dict[tuple[str, str], _Recording] = field(default_factory=dict)
    faults: dict[tuple[str, str | None], deque[Fault]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    stopping: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, the client's delayed ACK
    # adds ~40 ms to every response.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # plumbing ---------------------------------------------------------------------------

    @property
    def state(self) -> _State:
        return self.server.state

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.state.stopping.is_set() and time.monotonic() < end:
            time.sleep(min(0.02, max(0.0, end - time.monotonic())))

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers=headers)

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        with self.state.lock:
            self.state.requests.append(
                RecordedRequest(
                    "GET",
                    self.path,
                    split.path,
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                )
            )
        try:
            if self.state.latency:
                self._sleep(self.state.latency)
            self._route(split.path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:
            try:
                self._json(500, {"error": {"code": "internal_error", "message": repr(exc)}})
            except OSError:
                pass

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        parts = path.split("/")
        # ['', provider, 'v1', 'calls', id?] or ['', 'storage', provider, file]
        if len(parts) >= 2 and parts[1] == "storage":
            self._storage(parts[2:], query)
            return
        if len(parts) < 4 or parts[1] not in ("ringyo", "rounded") or parts[2:4] != ["v1", "calls"]:
            self._json(404, {"error": {"code": "not_found", "message": "No such endpoint"}})
            return
        provider = parts[1]
        if not self._authorized(provider):
            self._error(provider, 401, "Invalid or missing API key")
            return
        rest = parts[4:]
        if not rest or rest == [""]:
            if self._fault(provider, None):
                return
            (self._ringyo_list if provider == "ringyo" else self._rounded_list)(query)
            return
        if len(rest) != 1:
            self._error(provider, 404, "No such endpoint", code="not_found")
            return
        call_id = unquote(rest[0])
        if self._fault(provider, call_id):
            return
        stored = self.state.calls[provider].get(call_id)
        if stored is None:
            self._not_found(provider, call_id)
            return
        if provider == "ringyo":
            self._ringyo_get(stored, query)
        else:
            self._rounded_get(stored)

    def _authorized(self, provider: str) -> bool:
        if provider == "ringyo":
            return self.headers.get("Authorization") == f"Bearer {self.state.ringyo_key}"
        return self.headers.get("X-Api-Key") == self.state.rounded_key

    def _request_id(self) -> str:
        return f"req_{secrets.token_hex(6)}"

    def _error(
        self,
        provider: str,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        details: Any = None,
    ) -> None:
        if provider == "ringyo":
            body: Any = {
                "error": {
                    "code": code or RINGYO_CODES.get(status, "error"),
                    "message": message,
                    "details": details or {},
                },
                "meta": {"request_id": self._request_id()},
            }
        elif provider == "rounded":
            kind = code or {
                401: "unauthorized",
                404: "not_found_error",
                429: "rate_limit_error",
            }.get(status, "generic_error")
            body = {
                "data": None,
                "message": message,
                "error": {"details": [], "message": message, "status": status, "type": kind},
                "status": status,
            }
        else:
            self._s3_error(status, message)
            return
        self._json(status, body, headers)

    def _not_found(self, provider: str, call_id: str) -> None:
        if provider == "ringyo":
            self._error(
                "ringyo",
                404,
                "The specified call_id does not exist",
                details={"call_id": call_id},
            )
        else:
            self._error("rounded", 404, "Call not found")

    def _fault(self, provider: str, call_id: str | None) -> bool:
        with self.state.lock:
            queue = self.state.faults.get((provider, call_id))
            fault = queue.popleft() if queue else None
        if fault is None:
            return False
        if fault.kind == "slow":
            self._sleep(fault.seconds)
            return False
        if fault.kind == "status":
            headers: dict[str, str] = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            if fault.ratelimit_reset is not None:
                headers.update(
                    {
                        "X-RateLimit-Limit": "300",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(fault.ratelimit_reset),
                    }
                )
            self._error(provider, fault.code, f"Scripted HTTP {fault.code}", headers=headers)
            return True
        if fault.kind == "html":
            self._send(200, LOGIN_PAGE, "text/html; charset=utf-8")
            return True
        if fault.kind == "bad_json":
            self._send(200, b'{"data": {"id": ')
            return True
        if fault.kind == "body":
            payload = fault.payload
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self._send(fault.code, body, fault.content_type)
            return True
        if fault.kind == "truncated":
            body = self._truncation_body(provider, call_id)
            self.send_response(200)
            self.send_header("Content-Type", self._truncation_type(provider))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return True
        raise ValueError(f"unknown fault {fault.kind}")

    def _truncation_type(self, provider: str) -> str:
        return "audio/wav" if provider == "storage" else "application/json"

    def _truncation_body(self, provider: str, call_id: str | None) -> bytes:
        if provider == "storage" and call_id is not None:
            for (_, cid), rec in self.state.recordings.items():
                if cid == call_id:
                    return rec.data
        stored = self.state.calls.get(provider, {}).get(call_id or "")
        return json.dumps(stored or {"data": [], "padding": "x" * 512}).encode()

    # get-call ---------------------------------------------------------------------------

    def _recording_url(self, provider: str, call_id: str) -> str | None:
        if (provider, call_id) not in self.state.recordings:
            return None
        base = f"{self.server.base_url}/storage/{provider}/{quote(call_id, safe='')}.wav"
        if provider == "ringyo":
            return base
        now = datetime.now(UTC)
        date = now.strftime("%Y%m%dT%H%M%SZ")
        expires = str(self.state.recording_ttl)
        signature = self._sign(f"/storage/{provider}/{quote(call_id, safe='')}.wav", date, expires)
        return (
            f"{base}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential=TEST%2F{now:%Y%m%d}%2Feu-west-3%2Fs3%2Faws4_request"
            f"&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
            f"&X-Amz-Signature={signature}"
        )

    def _sign(self, path: str, date: str, expires: str) -> str:
        message = f"{unquote(path)}|{date}|{expires}".encode()
        return hmac.new(self.state.secret, message, hashlib.sha256).hexdigest()

    def _ringyo_get(self, stored: dict[str, Any], query: dict[str, list[str]]) -> None:
        include = set(",".join(query.get("include", [""])).split(","))
        call = copy.deepcopy(stored)
        for key, part in (("transcript", "transcript"), ("analysis", "analysis")):
            if part not in include:
                call.pop(key, None)
        url = self._recording_url("ringyo", call["id"])
        if "recording" not in include:
            call.pop("recording_url", None)
        elif url:
            call["recording_url"] = url
        if self.state.ringyo_envelope:
            self._json(200, {"data": call, "meta": {"request_id": self._request_id()}})
        else:
            self._json(200, call)

    def _rounded_get(self, stored: dict[str, Any]) -> None:
        call = copy.deepcopy(stored)
        url = self._recording_url("rounded", call["id"])
        if url:
            call["recording_url"] = url
            call["secure_recording_url"] = True
        self._json(
            200,
            {
                "data": call,
                "message": "Call retrieved successfully",
                "error": copy.deepcopy(ROUNDED_DOC_ERROR),
                "status": 200,
            },
        )

    # lists ------------------------------------------------------------------------------

    @staticmethod
    def _one(query: dict[str, list[str]], key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    @staticmethod
    def _parse_time(text: str) -> datetime:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def _ringyo_list(self, query: dict[str, list[str]]) -> None:
        try:
            limit = int(self._one(query, "limit") or 20)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            self._error("ringyo", 400, "limit must be between 1 and 100", code="invalid_parameter")
            return
        order = self._one(query, "order") or "desc"
        calls = list(self.state.calls["ringyo"].values())
        try:
            for key, cmp in (("from_date", 1), ("to_date", -1)):
                text = self._one(query, key)
                if text:
                    bound = self._parse_time(text)
                    calls = [
                        c
                        for c in calls
                        if c.get("created_at")
                        and (self._parse_time(c["created_at"]) - bound).total_seconds() * cmp >= 0
                    ]
        except ValueError:
            self._error("ringyo", 400, "Dates must be ISO 8601", code="invalid_date_format")
            return
        for key, field_name in (
            ("status", "status"),
            ("agent_id", "agent_id"),
            ("phone_number", "phone_number"),
        ):
            value = self._one(query, key)
            if value:
                calls = [c for c in calls if c.get(field_name) == value]
        calls.sort(key=lambda c: (c.get("created_at") or "", c["id"]), reverse=order == "desc")
        cursor = self._one(query, "cursor")
        if cursor:
            try:
                pos = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
                key = (pos["created_at"], pos["id"])
            except (ValueError, KeyError, TypeError, binascii.Error):
                self._error("ringyo", 400, "The cursor is invalid", code="invalid_cursor")
                return
            if order == "desc":
                calls = [c for c in calls if (c.get("created_at") or "", c["id"]) < key]
            else:
                calls = [c for c in calls if (c.get("created_at") or "", c["id"]) > key]
        total = len(self.state.calls["ringyo"])
        page = calls[:limit]
        has_more = len(calls) > limit
        next_cursor = None
        if has_more:
            last = page[-1]
            next_cursor = (
                base64.urlsafe_b64encode(
                    json.dumps(
                        {"created_at": last.get("created_at") or "", "id": last["id"]}
                    ).encode()
                )
                .decode()
                .rstrip("=")
            )
        rows = []
        for c in page:
            row = {
                k: v for k, v in c.items() if k not in ("transcript", "recording_url", "analysis")
            }
            rows.append(row)
        self._json(
            200, {"data": rows, "has_more": has_more, "next_cursor": next_cursor, "total": total}
        )

    def _rounded_list(self, query: dict[str, list[str]]) -> None:
        try:
            limit = int(self._one(query, "limit") or 50)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            self._error("rounded", 400, "limit must be between 1 and 1000")
            return
        calls = list(self.state.calls["rounded"].values())
        for key, field_name in (
            ("agent_id", "agent_id"),
            ("call_type", "type"),
            ("from_number", "from_number"),
            ("to_number", "to_number"),
        ):
            value = self._one(query, key)
            if value:
                calls = [c for c in calls if c.get(field_name) == value]
        try:
            for key, sign in (("start_time_gt", 1), ("start_time_lt", -1)):
                text = self._one(query, key)
                if text:
                    bound = self._parse_time(text)
                    calls = [
                        c
                        for c in calls
                        if c.get("start_time")
                        and (self._parse_time(c["start_time"]) - bound).total_seconds() * sign > 0
                    ]
        except ValueError:
            self._error("rounded", 400, "Invalid date")
            return
        calls.sort(key=lambda c: c.get("start_time") or "", reverse=True)
        include_transcript = self._one(query, "include_transcript") == "true"

        def row(c: dict[str, Any]) -> dict[str, Any]:
            out = copy.deepcopy(c)
            if not include_transcript:
                out.pop("transcript", None)
            out.pop("recording_url", None)
            return out

        envelope: dict[str, Any] = {
            "message": "Calls retrieved successfully",
            "error": None,
            "status": 200,
        }
        if (self._one(query, "use_cursor") or "true") == "false":
            try:
                page_no = int(self._one(query, "page") or 1)
            except ValueError:
                page_no = 0
            if page_no < 1:
                self._error("rounded", 400, "page must be >= 1")
                return
            total = len(calls)
            pages = max(1, -(-total // limit))
            chunk = calls[(page_no - 1) * limit : page_no * limit]
            envelope.update(
                data=[row(c) for c in chunk],
                next_cursor=None,
                current_page=page_no,
                total_pages=pages,
                total_items=total,
            )
        else:
            cursor = self._one(query, "cursor")
            if cursor:
                try:
                    bound = self._parse_time(cursor)
                except ValueError:
                    self._error("rounded", 400, "Invalid cursor")
                    return
                calls = [
                    c
                    for c in calls
                    if c.get("start_time") and self._parse_time(c["start_time"]) < bound
                ]
            chunk = calls[:limit]
            more = len(calls) > limit
            envelope.update(
                data=[row(c) for c in chunk],
                next_cursor=chunk[-1].get("start_time") if more and chunk else None,
            )
        self._json(200, envelope)

    # storage ----------------------------------------------------------------------------

    def _s3_error(self, status: int, message: str) -> None:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
            f"<Message>{message}</Message><RequestId>{secrets.token_hex(8)}</RequestId></Error>"
        ).encode()
        self._send(status, body, "application/xml")

    def _storage(self, parts: list[str], query: dict[str, list[str]]) -> None:
        if (
            len(parts) != 2
            or parts[0] not in ("ringyo", "rounded")
            or not parts[1].endswith(".wav")
        ):
            self._s3_error(404, "NoSuchKey")
            return
        provider = parts[0]
        call_id = unquote(parts[1][: -len(".wav")])
        if self._fault("storage", call_id):
            return
        rec = self.state.recordings.get((provider, call_id))
        if rec is None:
            self._s3_error(404, "NoSuchKey")
            return
        if provider == "rounded":
            date = self._one(query, "X-Amz-Date") or ""
            expires = self._one(query, "X-Amz-Expires") or ""
            signature = self._one(query, "X-Amz-Signature") or ""
            expected = self._sign(f"/storage/{provider}/{parts[1]}", date, expires)
            if not hmac.compare_digest(signature, expected):
                self._s3_error(403, "The request signature we calculated does not match")
                return
            try:
                signed = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                valid_until = signed + timedelta(seconds=int(expires))
            except ValueError:
                self._s3_error(403, "Invalid X-Amz-Date")
                return
            if datetime.now(UTC) > valid_until:
                self._s3_error(403, "Request has expired")
                return
        data = rec.data
        headers = {"Accept-Ranges": "bytes"}
        range_header = self.headers.get("Range")
        if range_header:
            try:
                unit, _, spec = range_header.partition("=")
                first_text, _, last_text = spec.partition("-")
                first = int(first_text)
                last = int(last_text) if last_text else len(data) - 1
                if unit != "bytes" or first >= len(data) or last < first:
                    raise ValueError
            except ValueError:
                self._send(
                    416,
                    b"",
                    rec.content_type,
                    {"Content-Range": f"bytes */{len(data)}", **headers},
                )
                return
            last = min(last, len(data) - 1)
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            self._send(206, data[first : last + 1], rec.content_type, headers)
            return
        self._send(200, data, rec.content_type, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops SYNs under a burst of concurrent connects (a 1 s retry).
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that vanish mid-request (killed, timed out) are part of the tests.
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class StandinServer:
    """The stand-in server; start() serves in a daemon thread; usable as a context manager."""

    def __init__(
        self,
        ringyo_key: str = "rg_test_4f9c2e1d8b7a",
        rounded_key: str = "rnd_test_9a8b7c6d5e4f",
        latency: float = 0.0,
        port: int = 0,
    ) -> None:
        self._state = _State(ringyo_key, rounded_key, latency)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # switches, as plain attributes ------------------------------------------------------

    @property
    def latency(self) -> float:
        return self._state.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._state.latency = value

    @property
    def ringyo_envelope(self) -> bool:
        return self._state.ringyo_envelope

    @ringyo_envelope.setter
    def ringyo_envelope(self, value: bool) -> None:
        self._state.ringyo_envelope = value

    @property
    def recording_ttl(self) -> int:
        return self._state.recording_ttl

    @recording_ttl.setter
    def recording_ttl(self, value: int) -> None:
        self._state.recording_ttl = value

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    # content ----------------------------------------------------------------------------

    def call_ids(self, provider: str) -> list[str]:
        return list(self._state.calls[provider])

    def add_call(self, provider: str, wire: dict[str, Any]) -> None:
        self._state.calls[provider][str(wire["id"])] = copy.deepcopy(wire)

    def add_recording(
        self, provider: str, call_id: str, data: bytes, content_type: str = "audio/wav"
    ) -> None:
        self._state.recordings[(provider, call_id)] = _Recording(data, content_type)

    def queue_faults(self, provider: str, call_id: str | None, faults: list[Fault]) -> None:
        with self._state.lock:
            queue = self._state.faults[(provider, call_id)]
            queue.clear()
            queue.extend(faults)

    # lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        return self._server.base_url

    @property
    def ringyo_base(self) -> str:
        return self.base_url + "/ringyo"

    @property
    def rounded_base(self) -> str:
        return self.base_url + "/rounded"

    def start(self) -> StandinServer:
        self._state.stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
