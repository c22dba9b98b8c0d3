"""Issue 13 item 4, list side: one hostile call never sinks a provider's list page.

The stand-in server lists hostile calls (JSON nested 600 deep, a lone surrogate, a duration of
1e300, an integer of 2**70, a status that is not text, no id) beside good ones. Each bad item
becomes a skipped entry (its ID or "item N", a reason in words), the good calls of the page
are returned, and paging goes on: before, the whole page was refused.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callreview.domain import Account, Call, SchemaError
from callreview.providers.base import CallPage, ProviderClient
from callreview.providers.http import HttpPolicy
from callreview.providers.registry import make_client
from callreview.secrets import MemorySecretStore
from callreview.workspace import build_workspace
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.hostile.test_fetch_batch import nested
from tests.standin import Fault, StandinServer, seed

FAST = HttpPolicy(backoff_initial=0.02, backoff_max=0.1, max_attempts=2, retry_budget=5)

RINGYO_HOSTILE: dict[str, dict[str, Any]] = {
    "hostile_deep": {"metadata": {"x": nested(600)}},
    "hostile_surrogate": {"agent_id": "agent\ud800"},
    "hostile_surrogate_key": {"metadata": {"k\udfff": 1}},
    "hostile_huge_duration": {"duration": 1e300},
    "hostile_big_int": {"metadata": {"n": 2**70}},
    "hostile_status_type": {"status": 42},
}
ROUNDED_HOSTILE: dict[str, dict[str, Any]] = {
    "rounded-hostile-deep": {"metadata": nested(700)},
    "rounded-hostile-surrogate": {"transcript_string": "hello \udc00"},
    "rounded-hostile-duration": {"duration_seconds": 1e300},
    "rounded-hostile-big-int": {"variable_values": [{"name": "v", "value": -(2**64)}]},
    "rounded-hostile-status": {"status": {"not": "text"}},
}


@pytest.fixture
def server() -> Iterator[StandinServer]:
    """A stand-in server of its own with hostile calls among the good ones in both lists."""
    with seed.seeded_server(n_each=5, ringyo_key=RINGYO_KEY, rounded_key=ROUNDED_KEY) as own:
        for n, (call_id, extra) in enumerate(RINGYO_HOSTILE.items()):
            wire = seed.make_ringyo_call(100 + n)
            wire.update(extra, id=call_id)
            own.add_call("ringyo", wire)
        for n, (call_id, extra) in enumerate(ROUNDED_HOSTILE.items()):
            wire = seed.make_rounded_call(100 + n)
            wire.update(extra, id=call_id)
            own.add_call("rounded", wire)
        yield own


def client_for(server: StandinServer, provider: str) -> ProviderClient:
    base = server.ringyo_base if provider == "ringyo" else server.rounded_base
    key = RINGYO_KEY if provider == "ringyo" else ROUNDED_KEY
    return make_client(Account("acme", provider, base), key, policy=FAST)


def good_ids(server: StandinServer, provider: str, hostile: dict[str, Any]) -> set[str]:
    return set(server.call_ids(provider)) - set(hostile)


def assert_readable(skipped: tuple[tuple[str, str], ...]) -> None:
    """Every reason is words: one line, short, no traceback, no control characters."""
    for name, reason in skipped:
        assert name and reason, (name, reason)
        assert len(reason) <= 200, reason
        assert "Traceback" not in reason and "internal error" not in reason.lower(), reason
        for text in (name, reason):
            assert not any(unicodedata.category(ch)[0] == "C" for ch in text), repr(text)


async def page_through(
    client: ProviderClient, limit: int, *, by_page: bool = False
) -> list[CallPage]:
    pages: list[CallPage] = []
    cursor: str | None = None
    number = 1
    async with asyncio.timeout(30):
        while True:
            if by_page:
                page = await client.list_calls(page=number, limit=limit)
                number += 1
            else:
                page = await client.list_calls(cursor=cursor, limit=limit)
                cursor = page.next_cursor
            pages.append(page)
            if not page.has_more or len(pages) > 50:
                return pages


def list_all(
    server: StandinServer, provider: str, limit: int, *, by_page: bool = False
) -> list[CallPage]:
    async def scenario() -> list[CallPage]:
        client = client_for(server, provider)
        try:
            return await page_through(client, limit, by_page=by_page)
        finally:
            await client.aclose()

    return asyncio.run(scenario())


@pytest.mark.parametrize(
    ("provider", "hostile", "by_page"),
    [
        ("ringyo", RINGYO_HOSTILE, False),
        ("rounded", ROUNDED_HOSTILE, False),
        ("rounded", ROUNDED_HOSTILE, True),
    ],
    ids=["ringyo-cursor", "rounded-cursor", "rounded-pages"],
)
def test_hostile_items_are_skipped_and_paging_goes_on(
    server: StandinServer, provider: str, hostile: dict[str, Any], by_page: bool
) -> None:
    # Small pages: the hostile calls land on several pages, each with good calls beside them.
    pages = list_all(server, provider, limit=3, by_page=by_page)
    assert len(pages) > 2
    listed = [call.call_id for page in pages for call in page.calls]
    assert sorted(listed) == sorted(good_ids(server, provider, hostile))
    skipped = tuple(entry for page in pages for entry in page.skipped)
    assert sorted(name for name, _ in skipped) == sorted(hostile)
    assert_readable(skipped)
    reasons = dict(skipped)
    assert all(reasons[name].startswith(f"{server_label(provider)} sent") for name in hostile)
    # Pages that mix good and bad calls still return the good ones.
    assert any(page.calls and page.skipped for page in pages)


def server_label(provider: str) -> str:
    return "Ringyo" if provider == "ringyo" else "Rounded"


def test_the_reasons_say_what_is_wrong(server: StandinServer) -> None:
    pages = list_all(server, "ringyo", limit=100)
    assert len(pages) == 1
    reasons = dict(pages[0].skipped)
    assert "nested too deep" in reasons["hostile_deep"]
    assert "lone surrogate" in reasons["hostile_surrogate"]
    assert "lone surrogate" in reasons["hostile_surrogate_key"]
    assert "hostile_huge_duration" in reasons and "duration" in reasons["hostile_huge_duration"]
    assert "too large to store" in reasons["hostile_big_int"]
    assert "status" in reasons["hostile_status_type"]


@pytest.mark.parametrize("provider", ["ringyo", "rounded"])
def test_an_item_without_a_usable_id_is_named_by_its_place(
    server: StandinServer, provider: str
) -> None:
    """No id, an id with control characters, an item that is not an object: "item N"."""
    if provider == "ringyo":
        good = [seed.make_ringyo_call(1), seed.make_ringyo_call(2)]
    else:
        good = [seed.make_rounded_call(1), seed.make_rounded_call(2)]
    no_id = {k: v for k, v in good[0].items() if k != "id"}
    evil_id = {**good[1], "id": "evil\u202e\x1b[31m<b>id</b>", "duration": "soon"}
    evil_id["duration_seconds"] = "soon"
    items = [good[0], no_id, "not a call", evil_id, None, good[1]]
    envelope: dict[str, Any] = {"data": items, "next_cursor": "cursor-after-this-page"}
    if provider == "ringyo":
        envelope.update(has_more=True, total=99)
    else:
        envelope.update(message="ok", error=None, status=200)
    server.queue_faults(provider, None, [Fault.body(200, envelope)])

    async def scenario() -> CallPage:
        client = client_for(server, provider)
        try:
            return await client.list_calls(limit=10)
        finally:
            await client.aclose()

    page = asyncio.run(scenario())
    assert [c.call_id for c in page.calls] == [good[0]["id"], good[1]["id"]]
    assert [name for name, _ in page.skipped] == ["item 2", "item 3", "item 4", "item 5"]
    assert_readable(page.skipped)
    # The envelope's paging survives the bad items.
    assert page.next_cursor == "cursor-after-this-page" and page.has_more


@pytest.mark.parametrize("provider", ["ringyo", "rounded"])
def test_a_bad_envelope_still_fails_the_page(server: StandinServer, provider: str) -> None:
    """Only items are skipped: a page whose envelope is hostile is refused whole, in words."""
    bad: dict[str, Any] = {"data": [], "next_cursor": "x\ud800"}
    if provider == "ringyo":
        bad["total"] = 2**70
    server.queue_faults(provider, None, [Fault.body(200, bad)])

    async def scenario() -> None:
        client = client_for(server, provider)
        try:
            await client.list_calls(limit=10)
        finally:
            await client.aclose()

    with pytest.raises(SchemaError, match="the call list"):
        asyncio.run(scenario())


def test_workspace_list_recent_returns_the_good_calls_and_the_skipped(
    tmp_path: Path, server: StandinServer
) -> None:
    async def scenario() -> tuple[CallPage, CallPage]:
        ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore(), policy=FAST)
        try:
            await ws.save_account("acme", "ringyo", RINGYO_KEY, server.ringyo_base)
            await ws.save_account("support", "rounded", ROUNDED_KEY, server.rounded_base)
            async with asyncio.timeout(30):
                return await ws.list_recent("acme", limit=100), await ws.list_recent(
                    "support", limit=100
                )
        finally:
            await ws.aclose()

    ringyo, rounded = asyncio.run(scenario())
    for page, provider, hostile in (
        (ringyo, "ringyo", RINGYO_HOSTILE),
        (rounded, "rounded", ROUNDED_HOSTILE),
    ):
        assert {c.call_id for c in page.calls} == good_ids(server, provider, hostile)
        assert {name for name, _ in page.skipped} == set(hostile)
        assert_readable(page.skipped)


def test_reasons_are_clipped_and_cleaned_and_bugs_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Provider text in a reason is untrusted: no control characters, one line, ~200 chars;
    an unexpected exception is named by its kind, its traceback goes to the log."""
    from callreview.providers.base import read_page_items

    def map_one(item: object) -> Call:
        if item == "long":
            raise SchemaError("Ringyo sent\x1b[31m a\nbad\u202e call " + "x" * 500)
        raise RuntimeError("boom\nFile 'secret.py', line 1")

    caplog.set_level(logging.WARNING)
    calls, skipped = read_page_items(["long", {"id": "call_1"}], map_one)
    assert calls == []
    (first, long_reason), (second, bug_reason) = skipped
    assert first == "item 1" and second == "call_1"
    # The escape character and the line break are gone (what is left of the escape sequence
    # is harmless printable text); the reason stays one short line.
    assert long_reason.startswith("Ringyo sent [31m a bad call xxx"), long_reason
    assert long_reason.endswith("…")
    assert len(long_reason) <= 200
    assert "RuntimeError" in bug_reason and "boom" not in bug_reason and "secret" not in bug_reason
    assert_readable(skipped)
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
