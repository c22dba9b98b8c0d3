"""Accounts: names, providers and base URLs in a plain config file; keys in the SecretStore."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callreview.domain import Account, ConfigError, SecretStoreError, StorageError
from callreview.paths import atomic_write_bytes
from callreview.providers.base import ProviderClient, check_base_url
from callreview.providers.catalog import PROVIDERS, provider_info
from callreview.providers.registry import make_client
from callreview.redaction import Redactor
from callreview.secrets import SecretChain, SecretStore

if TYPE_CHECKING:
    import httpx

    from callreview.providers.http import HttpPolicy

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
        check_account_name(name)
        spec = provider_info(provider)
        account = Account(name, spec.name, check_base_url(base_url or spec.default_base_url))
        if key is not None and session_only:
            if not isinstance(self.secrets, SecretChain):
                raise SecretStoreError("Session-only keys are not available here.")
            self.secrets.set_session_only(name, key)
        elif key is not None:
            self.secrets.set(name, key)
        accounts = [a for a in self.list() if a.name != name]
        accounts.append(account)
        accounts.sort(key=lambda a: a.name.lower())
        self.store.save(accounts)
        log.info("account %r saved (%s, %s)", name, provider, self.secrets.backend_name)
        return account

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
        return key

    def client(
        self,
        account: Account,
        *,
        policy: HttpPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> ProviderClient:
        return make_client(
            account,
            self.key_for(account),
            policy=policy,
            redactor=self.redactor,
            transport=transport,
            on_retry=on_retry,
        )
