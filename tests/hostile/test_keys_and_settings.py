"""Issue 13 item 8: keys and settings are checked at the door, and nothing is left half-stored.

A key must be printable ASCII with no whitespace inside and at least 8 characters; anything
else is refused with exit 2 and nothing is stored. A base URL with an impossible port is
refused. When the account list cannot be saved, the keyring write is rolled back. Every
configured key is redacted by value, whatever its length. `calls list --limit` is bounded.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from callreview import cli
from callreview.accounts import Accounts, AccountStore
from callreview.domain import Account, ConfigError, SecretStoreError, StorageError
from callreview.providers.base import check_base_url
from callreview.redaction import Redactor
from callreview.secrets import MemorySecretStore, SecretChain, check_key
from tests.cli_helpers import run_cli
from tests.conftest import RINGYO_KEY
from tests.hostile.hostile_server import HostileServer, Reply
from tests.standin import StandinServer

GOOD_KEY = "rg_live_0123456789"


@pytest.fixture
def store() -> MemorySecretStore:
    return MemorySecretStore()


def _add(data_dir: Path, store: MemorySecretStore, stdin: str, *extra: str) -> tuple[int, str]:
    code, _out, err = run_cli(
        ["accounts", "add", "acme", "--provider", "ringyo", *extra], data_dir, store, stdin
    )
    return code, err


# keys at the door -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        ("a\nb", "line breaks"),  # printf 'a\nb': was stored as "a"
        ("rg_live_0123\n456789\n", "line breaks"),
        ("rg_live_0123\r456789", "line breaks"),
        ("rg_live_0123 456789\n", "spaces"),
        ("rg_live_0123\t456789\n", "spaces"),
        ("rg_live_κλειδί_0123456789\n", "printable ASCII"),  # then every fetch failed
        ("rg_live_0123456789\x00\n", "printable ASCII"),
        ("rg_live_\x7f0123456789", "printable ASCII"),
        ("ab12\n", "at least 8"),
        ("x" * 5000, "more than"),
    ],
)
def test_a_key_that_cannot_be_one_is_refused_and_nothing_is_stored(
    tmp_path: Path, store: MemorySecretStore, stdin: str, words: str
) -> None:
    code, err = _add(tmp_path, store, stdin)
    assert code == 2, err
    assert words in err and "internal error" not in err
    assert store.get("acme") is None
    assert not (tmp_path / "accounts.json").exists()
    # The refusal never quotes what was typed.
    for piece in stdin.split():
        if len(piece) >= 4:
            assert piece not in err


@pytest.mark.parametrize("stdin", [GOOD_KEY, GOOD_KEY + "\n", GOOD_KEY + "\r\n", f"  {GOOD_KEY}\n"])
def test_a_good_key_with_or_without_its_line_break_is_stored_whole(
    tmp_path: Path, store: MemorySecretStore, stdin: str
) -> None:
    code, err = _add(tmp_path, store, stdin)
    assert code == 0, err
    assert store.get("acme") == GOOD_KEY


def test_the_library_refuses_bad_keys_too_not_only_the_command_line(tmp_path: Path) -> None:
    """The window's dialog and the Workspace go through Accounts.add: same rules."""
    chain = SecretChain(MemorySecretStore(), Redactor())
    accounts = Accounts(AccountStore(tmp_path), chain, Redactor())
    for bad in ("a\nb", "short", "clé_api_0123456789", "rg live 0123456789"):
        # ConfigError: the window must not offer "keep for this session only" for a bad key.
        with pytest.raises(ConfigError):
            accounts.add("acme", "ringyo", bad)
        with pytest.raises(ConfigError):
            accounts.add("acme", "ringyo", bad, session_only=True)
        with pytest.raises(SecretStoreError):
            chain.set("acme", bad)  # the stores refuse it too
    assert chain.get("acme") is None
    assert accounts.list() == []
    assert check_key(f" {GOOD_KEY}\n") == GOOD_KEY


# base URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com:99999",
        "https://api.example.com:0",
        "https://api.example.com:-1",
        "https://api.example.com:https",
        "http://[::1",
        "https://api.exa mple.com",
        "https://api.example.com/\nHost: evil",
        "https://api.example.com/\ud800",
    ],
)
def test_a_base_url_that_cannot_work_is_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        check_base_url(url)


def test_base_url_with_port_99999_stores_nothing(tmp_path: Path, store: MemorySecretStore) -> None:
    code, err = _add(
        tmp_path, store, GOOD_KEY + "\n", "--base-url", "https://api.example.com:99999"
    )
    assert code == 2 and "65535" in err
    assert store.get("acme") is None and not (tmp_path / "accounts.json").exists()


def test_ordinary_base_urls_still_work() -> None:
    assert check_base_url("https://api.example.com:8443/v1/") == "https://api.example.com:8443/v1"
    assert check_base_url("http://127.0.0.1:65535") == "http://127.0.0.1:65535"
    assert check_base_url("http://[::1]:8080") == "http://[::1]:8080"


# no orphan keyring entry ------------------------------------------------------------------


def test_unwritable_data_dir_leaves_no_orphan_key(store: MemorySecretStore) -> None:
    # /proc refuses new folders even to root: a data directory that cannot be written.
    data_dir = Path("/proc/callreview-test-no-such-dir")
    code, _out, err = run_cli(
        ["accounts", "add", "acme", "--provider", "ringyo"], data_dir, store, GOOD_KEY + "\n"
    )
    assert code != 0 and "Could not save the account list" in err
    assert "internal error" not in err
    assert store.get("acme") is None  # the keyring write was rolled back


def test_read_only_account_list_rolls_back_to_the_previous_key(
    tmp_path: Path, store: MemorySecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err = _add(tmp_path, store, GOOD_KEY + "\n")
    assert code == 0, err

    def read_only(path: Path, data: bytes, mode: int = 0o600) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr("callreview.accounts.atomic_write_bytes", read_only)
    code, err = _add(tmp_path, store, "rg_live_new_key_999999\n")
    assert code == 1 and "Read-only file system" in err
    assert store.get("acme") == GOOD_KEY  # the old key is back, the new one is gone
    # A new account whose list cannot be saved leaves no entry at all.
    code, _out, err = run_cli(
        ["accounts", "add", "other", "--provider", "ringyo"], tmp_path, store, GOOD_KEY + "\n"
    )
    assert code == 1 and store.get("other") is None
    assert [
        a["name"] for a in json.loads((tmp_path / "accounts.json").read_text())["accounts"]
    ] == ["acme"]


def test_session_only_key_is_rolled_back_too(tmp_path: Path) -> None:
    chain = SecretChain(MemorySecretStore(), Redactor())
    accounts = Accounts(AccountStore(tmp_path / "file"), chain, Redactor())
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StorageError):
        accounts.add("acme", "ringyo", GOOD_KEY, session_only=True)
    assert chain.get("acme") is None


# redaction of every configured key ----------------------------------------------------------


def test_known_keys_are_redacted_whatever_their_length() -> None:
    redactor = Redactor()
    redactor.add_secret("ab12")  # the generic minimum stays: short words are not secrets
    assert redactor.redact("Bearer ab12") == "Bearer ab12"
    redactor.add_known_secret("ab12")
    assert "ab12" not in redactor.redact("Authorization failed for Bearer ab12 (ab12)")


def test_a_short_key_stored_by_an_older_version_never_reaches_stderr(
    tmp_path: Path, store: MemorySecretStore
) -> None:
    # A hostile provider that quotes the credential it was sent back in its error.
    body = json.dumps(
        {"error": {"code": "unauthorized", "message": "Bearer ab12 is not a valid key"}}
    ).encode()
    reply = Reply(body, {"Content-Type": "application/json"}, status=401)
    with HostileServer({"/v1/calls/call_xyz789": reply}, lifetime=30) as hostile:
        AccountStore(tmp_path).save([Account("acme", "ringyo", hostile.base)])
        store._keys["acme"] = "ab12"  # stored before keys were checked (bypasses set())
        code, _out, err = run_cli(
            ["--verbose", "fetch", "--account", "acme", "call_xyz789"], tmp_path, store
        )
        assert [r.headers.get("authorization") for r in hostile.requests] == ["Bearer ab12"]
    assert code != 0 and "rejected" in err and "is not a valid key" in err
    assert "ab12" not in err
    assert "ab12" not in (tmp_path / "logs" / "callreview.log").read_text()


def test_an_unsendable_key_from_an_older_version_is_a_clear_error(
    tmp_path: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    AccountStore(tmp_path).save([Account("acme", "ringyo", server.ringyo_base)])
    store._keys["acme"] = "rg_live_κλειδί_0123"
    code, _out, err = run_cli(["fetch", "--account", "acme", "call_xyz789"], tmp_path, store)
    assert code == 2, err
    assert "cannot be used" in err and "accounts add acme" in err
    assert "internal error" not in err and "κλειδί" not in err
    store._keys["acme"] = RINGYO_KEY
    code, _out, err = run_cli(["fetch", "--account", "acme", "call_xyz789"], tmp_path, store)
    assert code == 0, err


# calls list --limit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limit", ["99999999999999999999999", "0", "-5", "100001", "ten", "1" * 5000]
)
def test_calls_list_limit_out_of_range_is_a_usage_error(
    tmp_path: Path, store: MemorySecretStore, limit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--data-dir", str(tmp_path), "calls", "list", "--limit", limit], secrets=store)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--limit" in err and ("from 1 to 100000" in err or "whole number" in err)
    assert "internal error" not in err


def test_calls_list_limit_in_range(tmp_path: Path, store: MemorySecretStore) -> None:
    for limit in ("1", "100000"):
        code, out, err = run_cli(["calls", "list", "--limit", limit], tmp_path, store)
        assert code == 0, err
        assert "The library is empty." in out
