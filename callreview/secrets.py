"""API keys in the OS keyring (one entry per account), or in memory for this session only."""

from __future__ import annotations

import logging
from contextlib import closing
from typing import TYPE_CHECKING, Protocol

from callreview import APP_ID, APP_NAME
from callreview.domain import SecretStoreError
from callreview.redaction import Redactor

if TYPE_CHECKING:
    import keyring.backend
    import keyring.backends.SecretService
    import secretstorage

log = logging.getLogger(__name__)

SERVICE = APP_ID
# Windows Credential Manager caps a secret at 2560 bytes (UTF-16: ~1280 characters); no real
# API key comes near this, so a longer value is almost certainly a paste mistake.
MAX_KEY_CHARS = 1024
# Shown by Seahorse / KWallet beside the entry; keyring's own ("Python keyring library",
# "Password for 'acme' on 'io.callreview.CallReview'") tells a person nothing.
APPLICATION = APP_NAME


def entry_label(account: str) -> str:
    """The Secret Service label of an account's entry, as a keyring app shows it."""
    return f"{APP_NAME} API key for account '{account}'"


class SecretStore(Protocol):
    """Where API keys live. Implementations never write a key anywhere else."""

    @property
    def backend_name(self) -> str: ...

    @property
    def persistent(self) -> bool: ...

    def get(self, account: str) -> str | None: ...

    def set(self, account: str, key: str) -> None: ...

    def delete(self, account: str) -> None: ...


MIN_KEY_CHARS = 8


def key_problem(key: str, *, check_length: bool = True) -> str | None:
    """Why `key` (already stripped) cannot be an API key, in words that never quote it; or None.

    A key travels in an HTTP header: it must be printable ASCII, with no spaces or line breaks
    inside. Real keys are long; a short value is a paste mistake, and a key that short could
    not be told apart from ordinary words when it is redacted. `check_length=False` checks
    only what could not be sent at all (for keys stored by older versions).
    """
    if not key:
        return "The API key is empty."
    if any(ch.isspace() for ch in key):
        return (
            "The API key contains spaces or line breaks inside it. Paste only the key, on one line."
        )
    if not all("!" <= ch <= "~" for ch in key):
        return (
            "The API key contains characters that are not printable ASCII (letters, digits and "
            "punctuation); an API key never does. Paste only the key."
        )
    if not check_length:
        return None
    if len(key) < MIN_KEY_CHARS:
        return (
            f"The API key is {len(key)} characters long; API keys have at least {MIN_KEY_CHARS}. "
            "Paste the whole key."
        )
    if len(key) > MAX_KEY_CHARS:
        return (
            f"The API key is {len(key)} characters long (more than {MAX_KEY_CHARS}): that is not "
            "one key. Paste only the key."
        )
    return None


def check_key(key: str) -> str:
    """The key without surrounding whitespace; SecretStoreError if it cannot be an API key."""
    key = key.strip()
    problem = key_problem(key)
    if problem is not None:
        raise SecretStoreError(problem)
    return key


class KeyringSecretStore:
    """Keys in the OS keyring through `keyring`'s default backend resolution.

    `PYTHON_KEYRING_BACKEND` and keyring's own config file choose the backend, as keyring
    users expect. There is no plaintext fallback: with no usable backend every call raises
    SecretStoreError and the UI offers "keep for this session only" instead.

    On the Secret Service, entries are written with secretstorage so that they carry a label
    and an application a person recognises (keyring hard-codes both); the lookup attributes
    are keyring's own, so keyring reads them, and entries written by keyring (older versions
    of CallReview) are found, replaced and deleted too.
    """

    def __init__(
        self, redactor: Redactor, backend: keyring.backend.KeyringBackend | None = None
    ) -> None:
        self._redactor = redactor
        self._backend = backend

    @property
    def _keyring(self) -> keyring.backend.KeyringBackend:
        # keyring (and its D-Bus stack) loads on first use, not at start-up.
        import keyring

        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    @property
    def backend_name(self) -> str:
        kr = self._keyring
        name = f"{type(kr).__module__}.{type(kr).__name__}"
        # keyring wraps several viable backends in a chainer; name what it chains.
        chained = getattr(kr, "backends", None)
        if isinstance(chained, list) and chained:
            inner = ", ".join(f"{type(b).__module__}.{type(b).__name__}" for b in chained)
            return f"{name} ({inner})"
        return name

    @property
    def persistent(self) -> bool:
        return True

    def _secret_service(self) -> keyring.backends.SecretService.Keyring | None:
        """The Secret Service backend if keyring writes there, else None."""
        from keyring.backends import SecretService

        kr = self._keyring
        if isinstance(kr, SecretService.Keyring):
            return kr
        # A chainer writes to its highest-priority backend first (its list is sorted).
        chained = getattr(kr, "backends", None)
        if isinstance(chained, list) and chained and isinstance(chained[0], SecretService.Keyring):
            return chained[0]
        return None

    @staticmethod
    def _query(backend: keyring.backends.SecretService.Keyring, account: str) -> dict[str, str]:
        # keyring's attribute names (they depend on its "scheme"), so keyring finds the entry.
        scheme = backend.schemes[backend.scheme]
        return {scheme["username"]: account, scheme["service"]: SERVICE}

    @staticmethod
    def _collection(backend: keyring.backends.SecretService.Keyring) -> secretstorage.Collection:
        # keyring's choice of collection (preferred or default), unlocked as keyring unlocks it.
        collection: secretstorage.Collection = backend.get_preferred_collection()  # type: ignore[no-untyped-call]
        return collection

    def _set_secret_service(
        self, backend: keyring.backends.SecretService.Keyring, account: str, key: str
    ) -> None:
        query = self._query(backend, account)
        collection = self._collection(backend)
        with closing(collection.connection):
            # Create first, then remove the others: a failure half-way never loses the key.
            # replace=True only replaces an item with identical attributes (ours); keyring's
            # entry (application "Python keyring library") goes in the loop below.
            item = collection.create_item(
                entry_label(account),
                {**query, "application": APPLICATION},
                key.encode("utf-8"),
                replace=True,
            )
            for other in collection.search_items(query):
                if other.item_path != item.item_path:
                    other.delete()

    def _delete_secret_service(
        self, backend: keyring.backends.SecretService.Keyring, account: str
    ) -> None:
        # keyring.delete_password removes only the first match; an account may have both an
        # entry of ours and one written by keyring (older versions): remove every one.
        collection = self._collection(backend)
        with closing(collection.connection):
            for item in collection.search_items(self._query(backend, account)):
                item.delete()

    def _fail(self, action: str, exc: Exception) -> SecretStoreError:
        import keyring.errors

        if isinstance(exc, keyring.errors.NoKeyringError):
            text = (
                "No OS keyring is available to keep API keys (keyring found no usable "
                "backend). Install and unlock a Secret Service keyring such as GNOME Keyring "
                "or KWallet, or keep the key for this session only in the app."
            )
        elif isinstance(exc, keyring.errors.KeyringLocked) or _is_locked(exc):
            text = "The OS keyring is locked. Unlock it (log in again or open your keyring app)."
        elif isinstance(exc, keyring.errors.InitError):
            text = (
                "The OS keyring could not be opened (it may be locked, or its unlock prompt "
                "was dismissed). Unlock it and try again."
            )
        else:
            text = f"The OS keyring ({self.backend_name}) failed to {action} the API key."
        log.warning("keyring %s failed: %s", action, type(exc).__name__)
        return SecretStoreError(text)

    def get(self, account: str) -> str | None:
        # keyring's lookup matches on its attributes only, so it finds our entries and its own.
        try:
            value = self._keyring.get_password(SERVICE, account)
        except _backend_errors() as exc:
            raise self._fail("read", exc) from None
        if value:
            self._redactor.add_known_secret(value)
        return value

    def set(self, account: str, key: str) -> None:
        key = check_key(key)
        self._redactor.add_known_secret(key)
        try:
            secret_service = self._secret_service()
            if secret_service is not None:
                self._set_secret_service(secret_service, account, key)
            else:
                self._keyring.set_password(SERVICE, account, key)
        except _backend_errors() as exc:
            # `from None`: the backend's exception text may quote what was being stored.
            raise self._fail("store", exc) from None

    def delete(self, account: str) -> None:
        import keyring.errors

        try:
            secret_service = self._secret_service()
            if secret_service is not None:
                self._delete_secret_service(secret_service, account)
            else:
                self._keyring.delete_password(SERVICE, account)
        except keyring.errors.PasswordDeleteError:
            return  # already gone: removing an account must still succeed
        except _backend_errors() as exc:
            raise self._fail("delete", exc) from None


def _backend_errors() -> tuple[type[Exception], ...]:
    """The exceptions a keyring backend raises (a function: keyring loads on first use)."""
    import keyring.errors

    errors: tuple[type[Exception], ...] = (keyring.errors.KeyringError, RuntimeError, OSError)
    try:  # secretstorage and jeepney exist only where the Secret Service backend can
        import jeepney  # type: ignore[import-untyped]
        import secretstorage.exceptions
    except ImportError:
        return errors
    return (*errors, secretstorage.exceptions.SecretStorageException, jeepney.DBusErrorResponse)


def _is_locked(exc: Exception) -> bool:
    try:
        import secretstorage.exceptions
    except ImportError:
        return False
    return isinstance(exc, secretstorage.exceptions.LockedException)


class MemorySecretStore:
    """Keys kept in this process only: for tests, and for "keep for this session only"."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        self._keys: dict[str, str] = {}
        self._redactor = redactor

    @property
    def backend_name(self) -> str:
        return "memory (this session only)"

    @property
    def persistent(self) -> bool:
        return False

    def get(self, account: str) -> str | None:
        return self._keys.get(account)

    def set(self, account: str, key: str) -> None:
        key = check_key(key)
        if self._redactor is not None:
            self._redactor.add_known_secret(key)
        self._keys[account] = key

    def delete(self, account: str) -> None:
        self._keys.pop(account, None)


class SecretChain:
    """The OS keyring, plus keys the user chose to keep for this session only.

    Session keys are looked up first and never written anywhere; they are gone at exit.
    """

    def __init__(self, store: SecretStore, redactor: Redactor) -> None:
        self.store = store
        self.session = MemorySecretStore(redactor)

    @property
    def backend_name(self) -> str:
        return self.store.backend_name

    @property
    def persistent(self) -> bool:
        return self.store.persistent

    def is_session_only(self, account: str) -> bool:
        return self.session.get(account) is not None

    def get(self, account: str) -> str | None:
        key = self.session.get(account)
        return key if key is not None else self.store.get(account)

    def set(self, account: str, key: str) -> None:
        self.store.set(account, key)
        self.session.delete(account)

    def set_session_only(self, account: str, key: str) -> None:
        self.session.set(account, key)

    def delete(self, account: str) -> None:
        was_session_only = self.is_session_only(account)
        self.session.delete(account)
        try:
            self.store.delete(account)
        except SecretStoreError:
            if not was_session_only:
                raise
