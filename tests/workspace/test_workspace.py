"""The Workspace through its public methods: a temporary library and the stand-in server, no Qt."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from callreview.domain import (
    AuthError,
    CallQuery,
    CallRef,
    ConfigError,
    NotInLibraryError,
    StorageError,
)
from callreview.export import ExportOptions
from callreview.providers.http import HttpPolicy
from callreview.secrets import MemorySecretStore
from callreview.workspace import Stage, Workspace, build_workspace
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.standin import StandinServer, seed

T = TypeVar("T")
FAST = HttpPolicy(backoff_initial=0.02, backoff_max=0.1, max_attempts=3, retry_budget=10)
RINGYO = CallRef("ringyo", "call_xyz789")
ROUNDED = CallRef("rounded", seed.ROUNDED_ANSWERS_ID)


def run(
    make: Callable[[Workspace], Coroutine[Any, Any, T]],
    ws_dir: Path,
    server: StandinServer,
    *,
    accounts: bool = True,
    store: MemorySecretStore | None = None,
) -> T:
    """Build a Workspace on a fresh loop, run one scenario, close it (as the CLI does)."""

    async def scenario() -> T:
        ws = build_workspace(ws_dir, secrets=store or MemorySecretStore(), policy=FAST)
        try:
            if accounts:
                await ws.save_account("acme", "ringyo", RINGYO_KEY, server.ringyo_base)
                await ws.save_account("support", "rounded", ROUNDED_KEY, server.rounded_base)
            return await make(ws)
        finally:
            await ws.aclose()

    return asyncio.run(scenario())


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_accounts_keep_keys_out_of_the_data_folder(data: Path, server: StandinServer) -> None:
    store = MemorySecretStore()

    async def scenario(ws: Workspace) -> list[str]:
        await ws.test_account("acme")
        await ws.remove_account("support")
        return [a.name for a in await ws.accounts()]

    assert run(scenario, data, server, store=store) == ["acme"]
    assert store.get("acme") == RINGYO_KEY and store.get("support") is None
    for path in data.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert RINGYO_KEY.encode() not in blob and ROUNDED_KEY.encode() not in blob, path


def test_a_rejected_key_is_an_auth_error(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> None:
        await ws.save_account("acme", "ringyo", "rg_wrong_key_123", server.ringyo_base)
        await ws.test_account("acme")

    with pytest.raises(AuthError, match="acme"):
        run(scenario, data, server)


def test_fetch_stores_downloads_and_reports_each_call(data: Path, server: StandinServer) -> None:
    events: list[tuple[str, Stage]] = []

    async def scenario(ws: Workspace) -> tuple[list[Any], int]:
        results = await ws.fetch(
            "acme",
            ["call_xyz789", "call_000001", "call_does_not_exist"],
            on_event=lambda e: events.append((e.call_id, e.stage)),
        )
        return results, await ws.count(CallQuery())

    results, count = run(scenario, data, server)
    by_id = {r.call_id: r for r in results}
    assert count == 2
    assert by_id["call_xyz789"].ok and by_id["call_xyz789"].stored.recording is not None
    assert by_id["call_000001"].ok
    failed = by_id["call_does_not_exist"]
    assert failed.stored is None and failed.error is not None
    assert "call_does_not_exist" in str(failed.error)
    assert ("call_xyz789", Stage.DONE) in events
    assert ("call_does_not_exist", Stage.FAILED) in events


def test_review_state_and_notes(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> tuple[Any, Any, Any]:
        await ws.fetch("acme", [RINGYO.call_id], download=False)
        await ws.set_review(RINGYO, reviewed=True)
        await ws.set_review(RINGYO, flagged=True)
        await ws.set_sync_offset(RINGYO, -300)
        first = await ws.add_note(RINGYO, "  greets by name  ", 1200)
        second = await ws.add_note(RINGYO, "no time")
        await ws.delete_note(first.id)
        stored = await ws.call(RINGYO)
        reviewed = await ws.page(CallQuery(reviewed=True))
        return stored, second, reviewed

    stored, second, reviewed = run(scenario, data, server)
    assert stored.review.reviewed and stored.review.flagged
    assert stored.review.sync_offset_ms == -300
    assert [n.text for n in stored.review.notes] == ["no time"]
    assert second.position_ms is None
    assert [r.call_id for r in reviewed.rows] == [RINGYO.call_id] and reviewed.total == 1


def test_an_empty_note_is_refused(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> None:
        await ws.fetch("acme", [RINGYO.call_id], download=False)
        await ws.add_note(RINGYO, "   ")

    with pytest.raises(ConfigError, match="text"):
        run(scenario, data, server)


def test_a_call_not_in_the_library(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> None:
        await ws.call(CallRef("ringyo", "call_nowhere"))

    with pytest.raises(NotInLibraryError, match="call_nowhere"):
        run(scenario, data, server)


def test_resolve_refresh_and_download(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> tuple[CallRef, Any, Any, list[str]]:
        await ws.fetch("support", [ROUNDED.call_id], download=False)
        await ws.add_note(ROUNDED, "kept across a refresh")
        ref = await ws.resolve(ROUNDED.call_id)
        refreshed = await ws.refresh(ref)
        downloaded = await ws.download_recording(ref)
        return ref, refreshed, downloaded, await ws.incomplete_ids("support")

    ref, refreshed, downloaded, incomplete = run(scenario, data, server)
    assert ref == ROUNDED
    assert [n.text for n in refreshed.review.notes] == ["kept across a refresh"]
    assert downloaded.recording is not None and downloaded.recording.path.exists()
    assert ROUNDED.call_id not in incomplete


def test_list_recent_pages_the_providers_list(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> tuple[int, bool]:
        page = await ws.list_recent("acme", limit=5)
        return len(page.calls), page.next_cursor is not None or bool(page.total)

    count, more = run(scenario, data, server)
    assert count == 5 and more


def test_one_client_per_account_even_when_asked_at_once(data: Path, server: StandinServer) -> None:
    async def scenario(ws: Workspace) -> tuple[int, bool]:
        clients = await asyncio.gather(*(ws.client("acme") for _ in range(8)))
        first = clients[0]
        # A changed key builds a new client (and closes the old one).
        await ws.save_account("acme", "ringyo", RINGYO_KEY, server.ringyo_base)
        again = await ws.client("acme")
        return len({id(c) for c in clients}), again is not first

    distinct, rebuilt = run(scenario, data, server)
    assert distinct == 1 and rebuilt


def test_exports_and_progress_on_the_loop(
    data: Path, server: StandinServer, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    threads: set[bool] = set()

    async def scenario(ws: Workspace) -> Any:
        await ws.fetch("acme", ["call_xyz789", "call_000001"], download=False)
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            threads.add(asyncio.get_running_loop() is loop)
            seen.append((done, total))

        refs = [RINGYO, CallRef("ringyo", "call_000001")]
        result = await ws.export(refs, "csv", tmp_path / "calls.csv", ExportOptions(), progress)
        await asyncio.sleep(0)  # progress callbacks are scheduled on the loop
        json_result = await ws.export(refs, "json", tmp_path / "calls.json")
        return result, json_result

    result, json_result = run(scenario, data, server)
    with result.paths[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["call_id"] for r in rows} == {"call_xyz789", "call_000001"}
    assert len(json.loads(json_result.paths[0].read_text(encoding="utf-8"))) == 2
    assert seen and seen[-1] == (2, 2) and threads == {True}


def test_bundle_round_trip_between_workspaces(
    data: Path, server: StandinServer, tmp_path: Path
) -> None:
    bundle = tmp_path / "share.crbundle"

    async def export(ws: Workspace) -> int:
        await ws.fetch("acme", [RINGYO.call_id])
        await ws.add_note(RINGYO, "from the first reviewer", 500)
        return await ws.export_bundle([RINGYO], bundle)

    assert run(export, data, server) == 1

    async def import_(ws: Workspace) -> tuple[Any, Any, Any, Any]:
        summary, present = await ws.inspect_bundle(bundle)
        report = await ws.import_bundle(bundle)
        _, present_after = await ws.inspect_bundle(bundle)
        return summary, present, report, present_after

    summary, present, report, present_after = run(
        import_, tmp_path / "other", server, accounts=False
    )
    assert [c.call_id for c in summary.calls] == [RINGYO.call_id]
    assert present == frozenset() and present_after == frozenset({RINGYO})
    assert report.added == 1 and report.recordings == 1


def test_opened_files(data: Path, server: StandinServer, tmp_path: Path) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text("call_id,status\ncall_a,ended\ncall_b,ended\n", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()

    async def scenario(ws: Workspace) -> list[str] | None:
        return await ws.read_opened_file(ids)

    assert run(scenario, data, server, accounts=False) == ["call_a", "call_b"]

    async def bad(ws: Workspace) -> list[str] | None:
        return await ws.read_opened_file(folder)

    with pytest.raises(ConfigError, match="folder"):
        run(bad, data, server, accounts=False)


def test_account_writes_at_once_are_both_kept(
    data: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The account list is one file, read, changed and rewritten: a save and a remove in
    # flight together (the accounts dialog allows it) once lost one of the two.
    import time

    from callreview.accounts import AccountStore

    write = AccountStore.save

    def slow_save(self: AccountStore, accounts: list[Any]) -> None:
        time.sleep(0.1)  # between reading the list and writing it back
        write(self, accounts)

    monkeypatch.setattr(AccountStore, "save", slow_save)

    async def scenario(ws: Workspace) -> list[str]:
        await asyncio.gather(
            ws.save_account("third", "ringyo", RINGYO_KEY, server.ringyo_base),
            ws.remove_account("support"),
        )
        return [a.name for a in await ws.accounts()]

    assert run(scenario, data, server) == ["acme", "third"]


def test_open_reports_a_library_that_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the library folder should be")

    async def scenario() -> None:
        ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore())
        try:
            await ws.open()
        finally:
            await ws.aclose()

    with pytest.raises(StorageError):
        asyncio.run(scenario())


def test_a_call_the_library_cannot_store_is_a_storage_error(
    data: Path, server: StandinServer
) -> None:
    """Issue 13 item 4: SQLite's OverflowError, a lone surrogate's UnicodeEncodeError and a
    RecursionError while serializing become StorageErrors in words; nothing is changed."""
    deep: Any = "bottom"
    for _ in range(5000):
        deep = {"deeper": deep}

    async def scenario(ws: Workspace) -> tuple[list[str], Any]:
        [result] = await ws.fetch("acme", [RINGYO.call_id], download=False)
        assert result.stored is not None
        call = result.stored.call
        messages = []
        for bad in (
            dataclasses.replace(call, duration_ms=2**70),
            dataclasses.replace(call, agent_id="agent\ud800"),
            dataclasses.replace(call, raw={**call.raw, "deep": deep}),
        ):
            with pytest.raises(StorageError) as caught:
                await ws.library.save_call(bad, "acme")
            messages.append(str(caught.value))
        return messages, await ws.call(RINGYO)

    messages, kept = run(scenario, data, server)
    assert "too large to store" in messages[0]
    assert "not valid Unicode" in messages[1]
    assert "nested too deep" in messages[2]
    assert all("Nothing was changed" in m for m in messages)
    assert kept.call.duration_ms is not None and kept.call.duration_ms < 2**53
    assert kept.call.agent_id is not None and "\ud800" not in kept.call.agent_id
