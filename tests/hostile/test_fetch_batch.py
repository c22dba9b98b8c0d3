"""Issue 13 item 4: one hostile call never sinks a batch.

The stand-in server serves hostile calls (JSON nested 600 deep, a lone surrogate, a duration of
1e300, an integer of 2**70, a recording URL ``http://[::1``, a recording redirect loop) beside
good ones. Each bad call gets an error in words, the good ones are stored, the command line
prints each failure and exits 1, never "internal error".
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from callreview.domain import CallQuery, CallReviewError
from callreview.providers.http import HttpPolicy
from callreview.secrets import MemorySecretStore
from callreview.workspace import FetchResult, Stage, build_workspace
from tests.cli_helpers import run_cli
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.standin import StandinServer, seed

FAST = HttpPolicy(backoff_initial=0.02, backoff_max=0.1, max_attempts=2, retry_budget=5)
GOOD_RINGYO = ["call_xyz789", "call_000001", "call_000002"]


class _Shared(dict[str, Any]):
    """A dict the stand-in's deepcopy shares instead of copying (it would recurse too deep)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Shared:
        return self


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return _Shared(deeper=value)


class _Loop(BaseHTTPRequestHandler):
    """Every GET redirects to itself: a recording that never arrives."""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.path + "x")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[StandinServer]:
    """A stand-in server of its own: the hostile calls must not reach the session's server,
    whose call list other tests page through."""
    with seed.seeded_server(n_each=5, ringyo_key=RINGYO_KEY, rounded_key=ROUNDED_KEY) as own:
        yield own


@pytest.fixture
def redirect_loop() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Loop)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/loop/rec.wav"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def ringyo_hostile(server: StandinServer, loop_url: str) -> dict[str, str]:
    """Add the hostile Ringyo calls; returns {call id: what is wrong with it}."""
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "hostile_deep": ("nested", {"metadata": {"x": nested(600)}}),
        "hostile_deep_500": ("nested", {"analysis": nested(500)}),
        "hostile_surrogate": ("surrogate", {"agent_id": "agent\ud800"}),
        "hostile_surrogate_key": ("surrogate", {"metadata": {"k\udfff": 1}}),
        "hostile_huge_duration": ("duration", {"duration": 1e300}),
        "hostile_big_int": ("integer", {"metadata": {"n": 2**70}}),
        "hostile_big_int_segment": (
            "integer",
            {"transcript": [{"role": "agent", "content": "hi", "timestamp": 2**70}]},
        ),
        "hostile_bad_url": ("recording", {"recording_url": "http://[::1"}),
        "hostile_redirect_loop": ("recording", {"recording_url": loop_url}),
    }
    for call_id, (_what, extra) in calls.items():
        wire = seed.make_ringyo_call(3)
        wire.update(extra, id=call_id)
        server.add_call("ringyo", wire)
    return {call_id: what for call_id, (what, _extra) in calls.items()}


def fetch_all(data: Path, server: StandinServer, ids: list[str]) -> tuple[list[FetchResult], int]:
    events: list[tuple[str, Stage]] = []

    async def scenario() -> tuple[list[FetchResult], int]:
        ws = build_workspace(data, secrets=MemorySecretStore(), policy=FAST)
        try:
            await ws.save_account("acme", "ringyo", RINGYO_KEY, server.ringyo_base)
            async with asyncio.timeout(60):
                results = await ws.fetch(
                    "acme", ids, on_event=lambda e: events.append((e.call_id, e.stage))
                )
            return results, await ws.count(CallQuery())
        finally:
            await ws.aclose()

    results, count = asyncio.run(scenario())
    # Every call ended with a last event, as the window's list needs.
    for call_id in ids:
        assert (call_id, Stage.DONE) in events or (call_id, Stage.FAILED) in events, call_id
    return results, count


def test_hostile_calls_fail_alone_and_the_good_ones_are_stored(
    tmp_path: Path, server: StandinServer, redirect_loop: str, caplog: pytest.LogCaptureFixture
) -> None:
    hostile = ringyo_hostile(server, redirect_loop)
    ids = [*GOOD_RINGYO[:1], *hostile, *GOOD_RINGYO[1:]]
    results, count = fetch_all(tmp_path / "data", server, ids)
    assert [r.call_id for r in results] == ids
    by_id = {r.call_id: r for r in results}
    for call_id in GOOD_RINGYO:
        assert by_id[call_id].ok, (call_id, by_id[call_id])
        assert by_id[call_id].stored is not None
    for call_id, what in hostile.items():
        result = by_id[call_id]
        problem = result.error or result.recording_error
        assert isinstance(problem, CallReviewError), (call_id, result)
        text = str(problem)
        assert text and "internal error" not in text.lower(), text
        if what == "recording":
            # The call itself is fine and stored; only its recording failed.
            assert result.error is None and result.stored is not None, (call_id, text)
        else:
            assert result.stored is None, (call_id, text)
    stored_recording = sum(1 for w in hostile.values() if w == "recording")
    assert count == len(GOOD_RINGYO) + stored_recording


def test_rounded_hostile_numbers_and_strings(tmp_path: Path, server: StandinServer) -> None:
    cases: dict[str, dict[str, Any]] = {
        "duration_seconds": {"duration_seconds": 1e300},
        "redirect": {"redirect_duration_seconds": 2.0**80},
        "cost": {"cost": 10**400},
        "answer": {
            "post_call_answers": [
                {"id": "a", "answer_number": 2**70, "question": {"question_type": "number"}}
            ]
        },
        "variable": {"variable_values": [{"name": "v", "value": -(2**64)}]},
        "surrogate": {"transcript_string": "hello \udc00"},
        "nested": {"metadata": nested(700)},
    }
    ids = []
    for n, (name, extra) in enumerate(cases.items()):
        wire = seed.make_rounded_call(40 + n)
        wire.update(extra, id=f"rounded-hostile-{name}")
        server.add_call("rounded", wire)
        ids.append(wire["id"])
    good = seed.ROUNDED_ANSWERS_ID

    async def scenario() -> list[FetchResult]:
        ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore(), policy=FAST)
        try:
            await ws.save_account("support", "rounded", ROUNDED_KEY, server.rounded_base)
            async with asyncio.timeout(60):
                return await ws.fetch("support", [*ids, good])
        finally:
            await ws.aclose()

    results = asyncio.run(scenario())
    by_id = {r.call_id: r for r in results}
    assert by_id[good].ok, by_id[good]
    for call_id in ids:
        error = by_id[call_id].error
        assert isinstance(error, CallReviewError) and by_id[call_id].stored is None, call_id
        assert "internal error" not in str(error).lower()


def test_cli_fetch_prints_each_failure_and_exits_1(
    tmp_path: Path, server: StandinServer, redirect_loop: str
) -> None:
    hostile = ringyo_hostile(server, redirect_loop)
    store = MemorySecretStore()
    code, _out, err = run_cli(
        ["accounts", "add", "acme", "--provider", "ringyo", "--base-url", server.ringyo_base],
        tmp_path,
        store,
        stdin=RINGYO_KEY + "\n",
    )
    assert code == 0, err
    code, out, err = run_cli(
        ["fetch", "--account", "acme", *GOOD_RINGYO, *hostile], tmp_path, store
    )
    assert code == 1, err
    assert "internal error" not in err.lower()
    for call_id in hostile:
        assert f"{call_id}: " in err, (call_id, err)
    for call_id in GOOD_RINGYO:
        assert call_id in out, out


def test_an_unexpected_failure_in_one_call_is_that_calls_error(
    tmp_path: Path,
    server: StandinServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whatever a bug raises inside one call (here a RuntimeError from storing) stays there."""
    from callreview.workspace.store import AsyncLibrary

    original = AsyncLibrary.save_call

    async def save_call(self: AsyncLibrary, call: Any, account: str | None) -> Any:
        if call.call_id == "call_000001":
            raise RuntimeError("boom in storage")
        return await original(self, call, account)

    monkeypatch.setattr(AsyncLibrary, "save_call", save_call)
    caplog.set_level("ERROR")
    results, count = fetch_all(tmp_path / "data", server, GOOD_RINGYO)
    by_id = {r.call_id: r for r in results}
    bad = by_id["call_000001"].error
    assert isinstance(bad, CallReviewError)
    assert "call_000001" in str(bad) and "boom in storage" in str(bad)
    assert by_id["call_xyz789"].ok and by_id["call_000002"].ok and count == 2
    assert any(
        r.exc_info and "boom in storage" in r.getMessage() + str(r.exc_info[1])
        for r in caplog.records
    )


def test_cancelling_a_fetch_still_cancels(tmp_path: Path, server: StandinServer) -> None:
    server.latency = 2.0

    async def scenario() -> None:
        ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore(), policy=FAST)
        try:
            await ws.save_account("acme", "ringyo", RINGYO_KEY, server.ringyo_base)
            task = asyncio.ensure_future(ws.fetch("acme", GOOD_RINGYO))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await ws.aclose()

    asyncio.run(scenario())
