"""Keys in the keyring: the real Secret Service in CI, a fake backend here, no fallback."""

from __future__ import annotations

import os
import uuid

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from callreview.domain import SecretStoreError
from callreview.redaction import Redactor
from callreview.secrets import SERVICE, KeyringSecretStore, MemorySecretStore


class DictKeyring(keyring.backend.KeyringBackend):
    """A keyring backend holding entries in a dict, to see exactly what was stored where."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError("No such password!")
        del self.entries[(service, username)]


class LockedKeyring(DictKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked(f"Failed to unlock the collection! {password}")


def test_one_entry_per_account_under_the_app_service() -> None:
    backend = DictKeyring()
    redactor = Redactor()
    store = KeyringSecretStore(redactor, backend)
    store.set("acme", "rg_live_0123456789")
    store.set("other", "rnd_live_abcdefghij")
    assert backend.entries == {
        (SERVICE, "acme"): "rg_live_0123456789",
        (SERVICE, "other"): "rnd_live_abcdefghij",
    }
    assert SERVICE == "io.callreview.CallReview"
    assert store.get("acme") == "rg_live_0123456789"
    store.delete("acme")
    store.delete("acme")  # deleting twice is fine
    assert store.get("acme") is None
    assert redactor.redact("key rg_live_0123456789!") == "key [REDACTED]!"


def test_no_backend_is_a_clear_error_never_a_plaintext_fallback(tmp_path: object) -> None:
    store = KeyringSecretStore(Redactor(), keyring.backends.fail.Keyring())
    with pytest.raises(SecretStoreError) as info:
        store.set("acme", "rg_live_0123456789")
    text = str(info.value)
    assert "No OS keyring is available" in text and "this session only" in text
    assert "rg_live_0123456789" not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_locked_keyring_message_does_not_leak_the_key() -> None:
    store = KeyringSecretStore(Redactor(), LockedKeyring())
    with pytest.raises(SecretStoreError, match="locked") as info:
        store.set("acme", "rg_live_0123456789")
    assert "rg_live_0123456789" not in str(info.value)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "two words",
        "x" * 2000,
        "line\nbreak",
        "rg_live_0123\n456789",
        "ab12",  # too short to be a key (or to be redacted safely)
        "rg_live_clé_0123456789",  # not ASCII: it could never be sent in a header
        "rg_live_\x000123456789",
    ],
)
def test_implausible_keys_are_refused(bad: str) -> None:
    with pytest.raises(SecretStoreError):
        MemorySecretStore().set("acme", bad)


def test_memory_store_is_session_only() -> None:
    store = MemorySecretStore()
    assert not store.persistent and "session" in store.backend_name
    store.set("a", "k_123456789")
    assert store.get("a") == "k_123456789"


def test_default_backend_resolution_honours_python_keyring_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    previous = keyring.get_keyring()  # before the variable is set: restored afterwards
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    try:
        keyring.core.init_backend()
        store = KeyringSecretStore(Redactor())
        assert store.backend_name == "keyring.backends.fail.Keyring"
        with pytest.raises(SecretStoreError):
            store.get("acme")
    finally:
        keyring.set_keyring(previous)


@pytest.mark.keyring_real
@pytest.mark.skipif(
    os.environ.get("CALLREVIEW_REAL_KEYRING") != "1",
    reason="set CALLREVIEW_REAL_KEYRING=1 inside an unlocked Secret Service session (CI does)",
)
def test_round_trip_through_the_real_secret_service() -> None:
    store = KeyringSecretStore(Redactor())
    assert "keyring.backends.SecretService.Keyring" in store.backend_name
    account = f"ci-{uuid.uuid4().hex[:8]}"
    store.set(account, "rg_test_real_backend_123")
    assert store.get(account) == "rg_test_real_backend_123"
    store.delete(account)
    assert store.get(account) is None
