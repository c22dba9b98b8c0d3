"""The library from the command line: fetch stores, list/show/delete, bundles, offline use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.standin import StandinServer, seed

run = run_cli


@pytest.fixture
def store() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def data(tmp_path: Path, store: MemorySecretStore, server: StandinServer) -> Path:
    for name, provider, key, base in (
        ("acme", "ringyo", RINGYO_KEY, server.ringyo_base),
        ("support", "rounded", ROUNDED_KEY, server.rounded_base),
    ):
        assert (
            run(
                ["accounts", "add", name, "--provider", provider, "--base-url", base],
                tmp_path,
                store,
                key,
            )[0]
            == 0
        )
    code, _, err = run(
        ["fetch", "--account", "acme", "call_xyz789", "call_000001", "call_000002"], tmp_path, store
    )
    assert code == 0, err
    code, _, err = run(
        ["fetch", "--account", "support", seed.ROUNDED_ANSWERS_ID, "--no-recording"],
        tmp_path,
        store,
    )
    assert code == 0, err
    return tmp_path


def test_list_and_filters(data: Path, store: MemorySecretStore) -> None:
    code, out, _ = run(["calls", "list", "--json"], data, store)
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4
    assert {r["provider"] for r in rows} == {"ringyo", "rounded"}
    code, out, _ = run(["calls", "list", "--json", "--search", "Sarah"], data, store)
    assert [r["call_id"] for r in json.loads(out)] == ["call_xyz789"]
    code, out, _ = run(["calls", "list", "--json", "--provider", "rounded"], data, store)
    assert [r["call_id"] for r in json.loads(out)] == [seed.ROUNDED_ANSWERS_ID]
    code, out, _ = run(
        ["calls", "list", "--json", "--account", "acme", "--limit", "2"], data, store
    )
    assert len(json.loads(out)) == 2
    code, out, _ = run(["calls", "list", "--json", "--since", "2026-01-01"], data, store)
    assert {r["call_id"] for r in json.loads(out)} == {"call_000001", "call_000002"}
    code, out, _ = run(
        ["calls", "list", "--json", "--until", "2025-01-01", "--status", "ended"], data, store
    )
    assert {r["call_id"] for r in json.loads(out)} == {"call_xyz789", seed.ROUNDED_ANSWERS_ID}
    code, out, _ = run(["calls", "list"], data, store)
    assert "ringyo:call_xyz789" in out


def test_show_json_has_review_and_download_state(data: Path, store: MemorySecretStore) -> None:
    code, out, _ = run(["calls", "show", "call_xyz789", "--json"], data, store)
    shown = json.loads(out)
    assert code == 0
    assert shown["recording"]["downloaded"] is True
    assert shown["review"] == {
        "reviewed": False,
        "flagged": False,
        "sync_offset_ms": 0,
        "notes": [],
    }
    assert [s["start_ms"] for s in shown["segments"]] == [0, 3200]
    code, out, _ = run(
        ["calls", "show", f"rounded:{seed.ROUNDED_ANSWERS_ID}", "--json"], data, store
    )
    shown = json.loads(out)
    assert shown["recording"]["downloaded"] is False and shown["analysis"]["items"]


def test_offline_every_stored_call_opens(
    data: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    """With the network gone (the server's port refuses), the library still has everything."""
    store.delete("acme")  # not even a key is needed to read the library
    before = len(server.requests)
    code, out, _ = run(["calls", "show", "call_xyz789"], data, store)
    assert code == 0
    assert "Hello! This is Sarah" in out and "recording:" in out
    code, out, _ = run(["calls", "show", seed.ROUNDED_ANSWERS_ID], data, store)
    assert "recording: not downloaded" in out
    assert "Was the customer's issue resolved?: Yes" in out
    assert len(server.requests) == before  # nothing touched the network


def test_ambiguous_ref_lists_choices(
    data: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    twin = seed.make_rounded_call(5)
    twin["id"] = "call_xyz789"
    server.add_call("rounded", twin)
    assert run(["fetch", "--account", "support", "call_xyz789"], data, store)[0] == 0
    code, _, err = run(["calls", "show", "call_xyz789"], data, store)
    assert code == 2
    assert "ambiguous" in err and "ringyo:call_xyz789" in err and "rounded:call_xyz789" in err


def test_delete_removes_call_and_file(data: Path, store: MemorySecretStore) -> None:
    files = list((data / "recordings").iterdir())
    assert any("call_xyz789" in f.name for f in files)
    code, _out, _ = run(["calls", "delete", "ringyo:call_xyz789"], data, store)
    assert code == 0
    assert not any("call_xyz789" in f.name for f in (data / "recordings").iterdir())
    code, _, err = run(["calls", "show", "call_xyz789"], data, store)
    assert code == 2 and "no call" in err


def test_bundle_round_trip_between_data_dirs(
    data: Path, store: MemorySecretStore, tmp_path: Path
) -> None:
    out_file = tmp_path / "share.crbundle"
    code, out, err = run(
        ["bundle", "export", "call_xyz789", seed.ROUNDED_ANSWERS_ID, "--output", str(out_file)],
        data,
        store,
    )
    assert code == 0, err
    other = tmp_path / "other"
    code, out, err = run(["bundle", "import", str(out_file)], other, MemorySecretStore())
    assert code == 0, err
    assert "Imported 2 new call(s)" in out
    code, out, _ = run(["calls", "show", "call_xyz789", "--json"], other, MemorySecretStore())
    assert json.loads(out)["recording"]["downloaded"] is True
    blob = out_file.read_bytes()
    assert RINGYO_KEY.encode() not in blob and ROUNDED_KEY.encode() not in blob


def test_bad_bundle_exits_with_message(
    data: Path, store: MemorySecretStore, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    code, _, err = run(["bundle", "import", str(junk)], data, store)
    assert code == 1 and "Refused" in err and "Traceback" not in err


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path, store: MemorySecretStore) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data directory should be")
    code, _, err = run(["calls", "list"], blocker, store)
    assert code == 1
    assert "Could not create the library folder" in err and "Traceback" not in err


def test_incomplete_call_is_completed_on_refresh(
    data: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    late = seed.make_ringyo_call(700)
    complete = dict(late)
    late.pop("transcript")
    late.pop("analysis")
    server.add_call("ringyo", late)
    assert run(["fetch", "--account", "acme", late["id"]], data, store)[0] == 0
    code, out, _ = run(["calls", "show", late["id"], "--json"], data, store)
    assert set(json.loads(out)["missing_parts"]) >= {"transcript", "analysis"}
    code, out, _ = run(["calls", "list", "--json"], data, store)
    assert any(r["missing_parts"] for r in json.loads(out) if r["call_id"] == late["id"])
    # The transcript and analysis arrive later; a refresh picks them up.
    server.add_call("ringyo", complete)
    code, out, err = run(["fetch", "--account", "acme", "--incomplete"], data, store)
    assert code == 0, err
    code, out, _ = run(["calls", "show", late["id"], "--json"], data, store)
    shown = json.loads(out)
    assert "transcript" not in shown["missing_parts"] and shown["segments"]
    assert "analysis" not in shown["missing_parts"]
