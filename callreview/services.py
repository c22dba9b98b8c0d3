"""The services the window uses, built and closed in one place (Qt-free)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from callreview.accounts import Accounts, AccountStore
from callreview.domain import Account
from callreview.library import SqliteLibrary
from callreview.library.sync import LibrarySync
from callreview.providers.base import ProviderClient
from callreview.providers.redact import Redactor
from callreview.secrets import KeyringSecretStore, SecretChain, SecretStore

if TYPE_CHECKING:
    import httpx

    from callreview.library.downloads import RecordingDownloader
    from callreview.providers.http import HttpPolicy

log = logging.getLogger(__name__)


class Services:
    """Accounts, the library, downloads and one HTTP client per account."""

    def __init__(
        self,
        data_dir: Path,
        *,
        redactor: Redactor | None = None,
        secrets: SecretStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: HttpPolicy | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.redactor = redactor or Redactor()
        self.secrets = SecretChain(secrets or KeyringSecretStore(self.redactor), self.redactor)
        self.accounts = Accounts(AccountStore(data_dir), self.secrets, self.redactor)
        self.library = SqliteLibrary(data_dir)
        self._downloader: RecordingDownloader | None = None
        self._sync: LibrarySync | None = None
        self._transport = transport
        self._policy = policy
        self._clients: dict[str, tuple[Account, ProviderClient]] = {}

    # The HTTP stack loads on first use, so the window paints before it is imported.

    @property
    def downloader(self) -> RecordingDownloader:
        if self._downloader is None:
            from callreview.library.downloads import RecordingDownloader

            self._downloader = RecordingDownloader(self.library, transport=self._transport)
        return self._downloader

    @property
    def sync(self) -> LibrarySync:
        if self._sync is None:
            self._sync = LibrarySync(self.library, self.downloader)
        return self._sync

    def client(self, account: Account) -> ProviderClient:
        """The one client for this account (rebuilt if the account changed)."""
        cached = self._clients.get(account.name)
        if cached is not None and cached[0] == account:
            return cached[1]
        client = self.accounts.client(account, policy=self._policy, transport=self._transport)
        self._clients[account.name] = (account, client)
        return client

    async def forget_client(self, name: str) -> None:
        """Drop a cached client (its key or base URL changed, or the account was removed)."""
        cached = self._clients.pop(name, None)
        if cached is not None:
            await cached[1].aclose()

    async def aclose(self) -> None:
        for name in list(self._clients):
            await self.forget_client(name)
        if self._downloader is not None:
            await self._downloader.aclose()
        self.library.close()
