"""Accounts: names, providers and base URLs in a plain config file; keys in the SecretStore."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callreview.domain import Account, ConfigError, SecretStoreError, StorageError
from callreview.paths import atomic_write_bytes, ensure_data_dir
from callreview.providers.catalog import PROVIDERS, provider_info
from callreview.redaction import Redactor
from callreview.secrets import SecretChain, SecretStore, key_problem

log = logging.getLogger(__name__)

CONFIG_NAME = "accounts.json"
CONFIG_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,63}$")


def check_account_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise ConfigError(
            f"{name!r} is not a usable account name: use 1-64 letters, digits, spaces or . _ @ -."
        )
    return name


class AccountStore:
    """The non-secret account list, as JSON in the data directory (written atomically)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / CONFIG_NAME

    def load(self) -> list[Account]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"Could not read the account list {self.path}: {exc}") from exc
        try:
            doc = json.loads(raw)
            if doc.get("version") != CONFIG_VERSION:
                raise ValueError(f"unsupported version {doc.get('version')!r}")
            return [
                Account(
                    name=str(a["name"]), provider=str(a["provider"]), base_url=str(a["base_url"])
                )
                for a in doc["accounts"]
            ]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StorageError(
                f"The account list {self.path} is damaged ({exc}). Fix or remove the file; "
                "the API keys themselves are safe in the keyring."
            ) from exc

    def save(self, accounts: list[Account]) -> None:
        doc: dict[str, Any] = {
            "version": CONFIG_VERSION,
            "accounts": [
                {"name": a.name, "provider": a.provider, "base_url": a.base_url} for a in accounts
            ],
        }
        try:
            ensure_data_dir(self.path.parent)  # 0700 when new; the file itself is 0600
            atomic_write_bytes(self.path, json.dumps(doc, indent=2).encode("utf-8") + b"\n")
        except OSError as exc:
            raise StorageError(f"Could not save the account list to {self.path}: {exc}") from exc


class Accounts:
    """The account service used by the command line and the window."""

    def __init__(self, store: AccountStore, secrets: SecretStore, redactor: Redactor) -> None:
        self.store = store
        self.secrets = secrets
        self.redactor = redactor

    def list(self) -> list[Account]:
        return self.store.load()

    def get(self, name: str) -> Account:
        for account in self.list():
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.list()) or "none yet"
        raise ConfigError(
            f"There is no account named {name!r} (accounts: {known}). Add it with "
            f"'callreview accounts add {name} --provider {'|'.join(PROVIDERS)}'."
        )

    def add(
        self,
        name: str,
        provider: str,
        key: str | None,
        base_url: str | None = None,
        *,
        session_only: bool = False,
    ) -> Account:
        """Add or replace an account; the key goes to the secret store before anything else.

        `key=None` keeps the stored key (editing the base URL); `session_only` keeps the key
        in memory for this run only (when the OS keyring is unusable and the user chose so).
        """
        # Everything is checked before anything is stored: a refused key, name or base URL
        # leaves the keyring and the account list as they were.
        check_account_name(name)
        spec = provider_info(provider)
        from callreview.providers.base import check_base_url  # the HTTP layer's rules, on use

        account = Account(name, spec.name, check_base_url(base_url or spec.default_base_url))
        if key is not None:
            # ConfigError, not SecretStoreError: the keyring is fine, the key is not (the
            # window offers "keep for this session only" when the keyring fails, not here).
            key = key.strip()
            problem = key_problem(key)
            if problem is not None:
                raise ConfigError(f"{problem} Nothing was stored.")
            self.redactor.add_known_secret(key)
        if session_only and key is not None and not isinstance(self.secrets, SecretChain):
            raise SecretStoreError("Session-only keys are not available here.")
        undo = self._put_key(name, key, session_only=session_only)
        try:
            accounts = [a for a in self.list() if a.name != name]
            accounts.append(account)
            accounts.sort(key=lambda a: a.name.lower())
            self.store.save(accounts)
        except BaseException:
            # The account could not be saved (a read-only or damaged data folder): take the
            # key back out of the keyring, so no orphan entry is left behind.
            undo()
            raise
        log.info("account %r saved (%s, %s)", name, provider, self.secrets.backend_name)
        return account

    def _put_key(self, name: str, key: str | None, *, session_only: bool) -> Callable[[], None]:
        """Store the key; returns how to put back what was there before."""
        if key is None:
            return lambda: None
        if session_only:
            assert isinstance(self.secrets, SecretChain)
            chain = self.secrets
            previous = chain.session.get(name)
            chain.set_session_only(name, key)

            def undo_session() -> None:
                if previous is None:
                    chain.session.delete(name)
                else:
                    chain.session.set(name, previous)

            return undo_session
        store = self.secrets.store if isinstance(self.secrets, SecretChain) else self.secrets
        session_before = (
            self.secrets.session.get(name) if isinstance(self.secrets, SecretChain) else None
        )
        try:
            before: str | None = store.get(name)
            known = True
        except SecretStoreError:
            before, known = None, False  # unreadable: the set below will most likely fail too
        self.secrets.set(name, key)

        def undo() -> None:
            try:
                if before is None and known:
                    store.delete(name)
                elif before is not None:
                    store.set(name, before)
                if session_before is not None and isinstance(self.secrets, SecretChain):
                    self.secrets.set_session_only(name, session_before)
            except SecretStoreError as exc:
                log.warning("could not put back the key of account %r: %s", name, exc)
            else:
                log.info("account %r not saved; its keyring entry was put back", name)

        return undo

    def remove(self, name: str) -> None:
        account = self.get(name)
        self.secrets.delete(account.name)
        self.store.save([a for a in self.list() if a.name != name])

    def key_for(self, account: Account) -> str:
        key = self.secrets.get(account.name)
        if not key:
            raise SecretStoreError(
                f"No API key for account '{account.name}' in {self.secrets.backend_name}. "
                f"Add it again: callreview accounts add {account.name} "
                f"--provider {account.provider}"
            )
        # Every configured key is redacted by value, whatever its length.
        self.redactor.add_known_secret(key)
        # A key stored by an older version may be one that cannot be sent (a non-ASCII or
        # multi-line value); say so instead of failing every request. Short keys still work.
        problem = key_problem(key.strip(), check_length=False)
        if problem is not None:
            raise SecretStoreError(
                f"The API key stored for account '{account.name}' cannot be used: {problem} "
                f"Add it again: callreview accounts add {account.name} "
                f"--provider {account.provider}"
            )
        return key.strip()
