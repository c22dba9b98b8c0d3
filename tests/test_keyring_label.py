"""Secret Service entries a person recognises: label, application, no duplicates, old entries."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import closing

import keyring
import keyring.backend
import pytest
import secretstorage
from keyring.backends import SecretService
from secretstorage.exceptions import LockedException, SecretStorageException

from callreview.domain import SecretStoreError
from callreview.redaction import Redactor
from callreview.secrets import SERVICE, KeyringSecretStore, entry_label

KEY = "rg_live_label_0123456789"


class FakeItem:
    """An item as secretstorage hands it out: attributes, label, secret, a D-Bus path."""

    def __init__(self, owner: FakeCollection, label: str, attrs: dict[str, str], secret: bytes):
        self.owner = owner
        self.label = label
        self.attributes = dict(attrs)
        self.secret = secret
        self.item_path = f"/org/freedesktop/secrets/collection/fake/{len(owner.created)}"

    def get_secret(self) -> bytes:
        return self.secret

    def is_locked(self) -> bool:
        return False

    def delete(self) -> None:
        self.owner.items.remove(self)


class FakeConnection:
    closed = False

    def close(self) -> None:
        self.closed = True


class FakeCollection:
    """The Secret Service's matching rules: search by subset, replace only identical attributes."""

    def __init__(self, error: Exception | None = None) -> None:
        self.items: list[FakeItem] = []
        self.created: list[FakeItem] = []
        self.connection = FakeConnection()
        self.error = error

    def search_items(self, query: dict[str, str]) -> Iterator[FakeItem]:
        return iter([i for i in self.items if query.items() <= i.attributes.items()])

    def create_item(
        self, label: str, attrs: dict[str, str], secret: bytes | str, replace: bool = False
    ) -> FakeItem:
        if self.error is not None:
            raise self.error
        if replace:
            self.items = [i for i in self.items if i.attributes != attrs]
        # secretstorage encodes a str secret (keyring passes one) as UTF-8.
        data = secret.encode() if isinstance(secret, str) else secret
        item = FakeItem(self, label, attrs, data)
        self.created.append(item)
        self.items.append(item)
        return item


class FakeSecretService(SecretService.Keyring):
    """keyring's real Secret Service backend (its own set/get/delete) over a fake collection."""

    def __init__(self, collection: FakeCollection) -> None:
        super().__init__()
        self.collection = collection

    def get_preferred_collection(self) -> FakeCollection:  # type: ignore[override]
        self.collection.connection = FakeConnection()
        return self.collection


def test_entry_is_labelled_for_callreview_and_replaces_keyrings_own() -> None:
    collection = FakeCollection()
    backend = FakeSecretService(collection)
    backend.set_password(SERVICE, "acme", "old_key_0123456789")  # how older versions stored it
    assert collection.items[0].attributes["application"] == "Python keyring library"
    store = KeyringSecretStore(Redactor(), backend)
    assert store.get("acme") == "old_key_0123456789"

    store.set("acme", KEY)
    store.set("acme", KEY)  # saving again replaces, never adds
    assert [(i.label, i.attributes, i.secret) for i in collection.items] == [
        (
            "CallReview API key for account 'acme'",
            {"username": "acme", "service": SERVICE, "application": "CallReview"},
            KEY.encode(),
        )
    ]
    assert collection.connection.closed
    assert backend.get_password(SERVICE, "acme") == KEY  # keyring itself still finds it


def test_delete_removes_old_and_new_entries() -> None:
    collection = FakeCollection()
    backend = FakeSecretService(collection)
    store = KeyringSecretStore(Redactor(), backend)
    store.set("acme", KEY)
    backend.set_password(SERVICE, "acme", "old_key_0123456789")
    store.set("other", "rnd_live_abcdefghij")
    assert len(collection.items) == 3
    store.delete("acme")
    assert [i.attributes["username"] for i in collection.items] == ["other"]
    assert store.get("acme") is None
    store.delete("acme")  # already gone is fine


def test_attribute_names_follow_keyrings_scheme() -> None:
    collection = FakeCollection()
    backend = FakeSecretService(collection)
    backend.scheme = "KeePassXC"
    store = KeyringSecretStore(Redactor(), backend)
    store.set("acme", KEY)
    assert collection.items[0].attributes == {
        "UserName": "acme",
        "Title": SERVICE,
        "application": "CallReview",
    }
    assert backend.get_password(SERVICE, "acme") == KEY


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (LockedException(f"locked while storing {KEY}"), "locked"),
        (SecretStorageException(f"cannot store {KEY}"), "failed to store"),
    ],
)
def test_secret_service_errors_are_plain_words_without_the_key(
    error: Exception, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = KeyringSecretStore(Redactor(), FakeSecretService(FakeCollection(error)))
    with pytest.raises(SecretStoreError, match=words) as info:
        store.set("acme", KEY)
    assert KEY not in str(info.value) and KEY not in caplog.text
    assert info.value.__cause__ is None and info.value.__suppress_context__


class Chain(keyring.backend.KeyringBackend):
    """keyring's chainer as the store sees it: backends, highest priority first."""

    # keyring registers every backend class it sees: this one must never be its default
    # (a required argument and a negative priority keep keyring's own resolution away).
    priority = -1  # type: ignore[assignment]

    def __init__(self, first: keyring.backend.KeyringBackend) -> None:
        super().__init__()
        self.backends = [first]

    def get_password(self, service: str, username: str) -> str | None:
        found = (b.get_password(service, username) for b in self.backends)
        return next((v for v in found if v is not None), None)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.backends[0].set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.backends[0].delete_password(service, username)


def test_a_chain_led_by_the_secret_service_gets_the_labelled_entry() -> None:
    collection = FakeCollection()
    store = KeyringSecretStore(Redactor(), Chain(FakeSecretService(collection)))
    store.set("acme", KEY)
    assert [i.label for i in collection.items] == [entry_label("acme")]
    assert store.get("acme") == KEY


real = pytest.mark.skipif(
    os.environ.get("CALLREVIEW_REAL_KEYRING") != "1",
    reason="set CALLREVIEW_REAL_KEYRING=1 inside an unlocked Secret Service session (CI does)",
)


def _ours(attributes: dict[str, str]) -> dict[str, str]:
    # gnome-keyring may add "xdg:schema" (org.freedesktop.Secret.Generic) on its own.
    return {k: v for k, v in attributes.items() if k != "xdg:schema"}


def _seen(account: str, *, delete: bool = False) -> list[tuple[str, dict[str, str], bytes]]:
    """Every entry for the account, read straight from the Secret Service (not via keyring)."""
    with closing(secretstorage.dbus_init()) as connection:
        collection = secretstorage.get_default_collection(connection)
        found = list(collection.search_items({"service": SERVICE, "username": account}))
        seen = [(i.get_label(), _ours(i.get_attributes()), i.get_secret()) for i in found]
        if delete:
            for item in found:
                item.delete()
    return seen


@pytest.fixture
def account() -> Iterator[str]:
    name = f"ci-{uuid.uuid4().hex[:8]}"
    yield name
    _seen(name, delete=True)


@pytest.mark.keyring_real
@real
def test_real_entry_has_callreview_label_and_application(account: str) -> None:
    store = KeyringSecretStore(Redactor())
    assert "keyring.backends.SecretService.Keyring" in store.backend_name
    store.set(account, KEY)
    assert _seen(account) == [
        (
            f"CallReview API key for account '{account}'",
            {"service": SERVICE, "username": account, "application": "CallReview"},
            KEY.encode(),
        )
    ]
    assert keyring.get_password(SERVICE, account) == KEY
    assert store.get(account) == KEY


@pytest.mark.keyring_real
@real
def test_real_old_entry_is_found_then_replaced_not_duplicated(account: str) -> None:
    keyring.set_password(SERVICE, account, "old_key_0123456789")
    [(label, attributes, _)] = _seen(account)
    assert attributes["application"] == "Python keyring library" and "Password for" in label
    store = KeyringSecretStore(Redactor())
    assert store.get(account) == "old_key_0123456789"
    store.set(account, KEY)
    store.set(account, KEY)
    [(label, attributes, secret)] = _seen(account)
    assert (label, attributes["application"], secret) == (
        entry_label(account),
        "CallReview",
        KEY.encode(),
    )


@pytest.mark.keyring_real
@real
def test_real_delete_removes_both_kinds(account: str) -> None:
    store = KeyringSecretStore(Redactor())
    store.set(account, KEY)
    keyring.set_password(SERVICE, account, "old_key_0123456789")
    assert sorted(a["application"] for _, a, _ in _seen(account)) == [
        "CallReview",
        "Python keyring library",
    ]
    store.delete(account)
    assert _seen(account) == []
    assert store.get(account) is None
    store.delete(account)
