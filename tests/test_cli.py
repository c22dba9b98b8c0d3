"""The command line against the stand-in server: accounts, fetch, output, exit codes, secrets."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from callreview import cli
from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.conftest import RINGYO_KEY, ROUNDED_KEY
from tests.standin import Fault, StandinServer


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


run = run_cli


@pytest.fixture
def store() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def accounts(tmp_path: Path, store: MemorySecretStore, server: StandinServer) -> Path:
    for name, provider, key, base in (
        ("acme", "ringyo", RINGYO_KEY, server.ringyo_base),
        ("support", "rounded", ROUNDED_KEY, server.rounded_base),
    ):
        code, _out, err = run(
            ["accounts", "add", name, "--provider", provider, "--base-url", base],
            tmp_path,
            store,
            stdin=key + "\n",
        )
        assert code == 0, err
    return tmp_path


def test_accounts_add_list_remove(accounts: Path, store: MemorySecretStore) -> None:
    code, out, _ = run(["accounts", "list", "--json"], accounts, store)
    assert code == 0
    listed = json.loads(out)
    assert [a["name"] for a in listed] == ["acme", "support"]
    assert listed[0]["provider"] == "ringyo"
    assert store.get("acme") == RINGYO_KEY
    config = (accounts / "accounts.json").read_text()
    assert RINGYO_KEY not in config and ROUNDED_KEY not in config
    code, out, _ = run(["accounts", "remove", "acme"], accounts, store)
    assert code == 0 and store.get("acme") is None
    code, out, _ = run(["accounts", "list"], accounts, store)
    assert "acme" not in out and "support" in out


def test_key_is_never_an_argument(tmp_path: Path, store: MemorySecretStore) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--data-dir", str(tmp_path), "accounts", "add", "a", "--key", "k"])
    assert info.value.code == 2


def test_empty_key_on_stdin_is_a_usage_error(tmp_path: Path, store: MemorySecretStore) -> None:
    code, _, err = run(["accounts", "add", "a", "--provider", "ringyo"], tmp_path, store, "\n")
    assert code == 2 and "No API key" in err


def test_accounts_test_ok_and_rejected(
    accounts: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    code, out, _ = run(["accounts", "test", "acme"], accounts, store)
    assert code == 0 and "OK" in out
    store.set("support", "rnd_wrong_key_123")
    code, _, err = run(["accounts", "test", "support"], accounts, store)
    assert code == 1
    assert "Rounded rejected the API key for account 'support' (401" in err
    assert "rnd_wrong_key_123" not in err


def test_fetch_json_contract(accounts: Path, store: MemorySecretStore) -> None:
    code, out, err = run(["fetch", "--account", "acme", "call_xyz789", "--json"], accounts, store)
    assert code == 0, err
    [call] = json.loads(out)
    for key in (
        "provider",
        "call_id",
        "status",
        "status_raw",
        "from_number",
        "to_number",
        "started_at",
        "ended_at",
        "duration_ms",
        "segments",
        "analysis",
        "recording",
        "metadata",
    ):
        assert key in call
    assert call["status"] == "ended" and call["status_raw"] == "completed"
    assert [s["start_ms"] for s in call["segments"]] == [0, 3200]
    assert set(call["segments"][0]) >= {"index", "role", "text", "start_ms", "end_ms"}
    assert call["recording"]["available"] is True
    assert "url" not in call["recording"]


def test_fetch_many_with_one_missing_exits_1(accounts: Path, store: MemorySecretStore) -> None:
    code, out, err = run(
        ["fetch", "--account", "acme", "call_xyz789", "call_000001", "call_nope"], accounts, store
    )
    assert code == 1
    assert out.count("ringyo:") == 2
    [line] = err.strip().splitlines()
    assert line.startswith("call_nope: Ringyo has no call 'call_nope'")


def test_fetch_rounded_with_answers(accounts: Path, store: MemorySecretStore) -> None:
    from tests.standin import seed

    call_id = seed.rounded_doc_example_with_answers()["id"]
    code, out, err = run(["fetch", "--account", "support", call_id, "--json"], accounts, store)
    assert code == 0, err
    [call] = json.loads(out)
    assert call["analysis"]["items"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["fetch", "--account", "ghost", "call_1"], "no account named 'ghost'"),
        (["fetch", "--account", "acme", "../../etc/passwd"], "not a valid Ringyo call ID"),
    ],
)
def test_usage_errors_exit_2(
    accounts: Path, store: MemorySecretStore, argv: list[str], needle: str
) -> None:
    code, _, err = run(argv, accounts, store)
    assert code == 1 if "call ID" in needle else code == 2
    assert needle in err
    assert "Traceback" not in err


def test_missing_key_in_keyring_is_a_configuration_error(
    accounts: Path, store: MemorySecretStore
) -> None:
    store.delete("acme")
    code, _, err = run(["fetch", "--account", "acme", "call_xyz789"], accounts, store)
    assert code == 2 and "No API key for account 'acme'" in err


def test_server_outage_is_explained(
    accounts: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    server.queue_faults("ringyo", "call_000002", [Fault.status(503)] * 10)
    code, _, err = run(["fetch", "--account", "acme", "call_000002"], accounts, store)
    assert code == 1
    assert "Ringyo is unavailable (HTTP 503" in err and "Gave up after" in err


def test_no_key_in_any_file_or_log_line(
    accounts: Path,
    store: MemorySecretStore,
    server: StandinServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every log record and every file under the data directory, after fetches that retried,
    failed and succeeded, is free of keys, auth headers and presigned signatures."""
    from tests.standin import seed

    caplog.set_level(logging.DEBUG)
    server.queue_faults(
        "ringyo", "call_000003", [Fault.status(429, retry_after="0"), Fault.status(500)]
    )
    rounded_id = seed.rounded_doc_example_with_answers()["id"]
    outputs = []
    for argv in (
        ["--debug", "fetch", "--account", "acme", "call_xyz789", "call_000003", "--json"],
        ["--verbose", "fetch", "--account", "support", rounded_id, "--json"],
        ["fetch", "--account", "acme", "call_missing"],
    ):
        _code, out, err = run(argv, accounts, store)
        outputs.append(out + err)
    store.set("acme", "rg_wrong_key_0000")
    _code, out, err = run(["--debug", "accounts", "test", "acme"], accounts, store)
    outputs.append(out + err)

    assert any("rounded" in o for o in outputs)
    forbidden = [RINGYO_KEY, ROUNDED_KEY, "rg_wrong_key_0000", "Bearer rg", "X-Amz-Signature="]
    files = [p for p in accounts.rglob("*") if p.is_file()]
    assert any(p.name == "callreview.log" for p in files)
    log_text = (accounts / "logs" / "callreview.log").read_text()
    assert "GET" in log_text  # the log really recorded the requests
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        for secret in forbidden:
            assert secret not in text, f"{secret!r} found in {path}"
    for text in outputs:
        for secret in forbidden:
            assert secret not in text
