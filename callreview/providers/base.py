"""What every provider client offers, and the checks shared by all of them."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from callreview.domain import Call, ConfigError

# Generous enough for every known provider's ID format (call_xyz789, UUIDs, 32-char tokens,
# "1725527007259x3278…"), strict enough that an ID can never become a different path.
_CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:~-]{0,199}$")


def check_call_id(call_id: str, provider_label: str) -> str:
    """Return the ID if it is a plausible call ID, else raise ConfigError (never a path trick)."""
    if not isinstance(call_id, str) or not _CALL_ID.match(call_id) or ".." in call_id:
        shown = repr(call_id)[:60]
        raise ConfigError(
            f"{shown} is not a valid {provider_label} call ID: IDs contain only letters, "
            "digits and . _ : ~ -"
        )
    return call_id


def check_base_url(url: str) -> str:
    """Validate an account's API base URL: https, or http only to this machine; no secrets in it."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise ConfigError(f"The base URL {url!r} is not a valid URL.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"The base URL {url!r} must start with https:// and name a host.")
    if parts.username or parts.password:
        raise ConfigError("The base URL must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ConfigError("The base URL must not contain a query string or fragment.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"The base URL {url!r} uses plain http://, which would send the API key unencrypted. "
            "Use https:// (plain http is allowed only for this machine, e.g. 127.0.0.1)."
        )
    return url.strip().rstrip("/")


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def presigned_expiry(url: str) -> datetime | None:
    """When an S3 SigV4 presigned URL stops working (X-Amz-Date + X-Amz-Expires), if it is one."""
    try:
        query = parse_qs(urlsplit(url).query)
        date = query["X-Amz-Date"][0]
        expires = int(query["X-Amz-Expires"][0])
        signed = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return signed + timedelta(seconds=expires)
    except (KeyError, IndexError, ValueError, OverflowError):
        return None


@dataclass(frozen=True, slots=True)
class ListFilters:
    """Filters for a provider's list endpoint; each client uses what its API supports."""

    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None
    agent_id: str | None = None
    to_number: str | None = None
    from_number: str | None = None


@dataclass(frozen=True, slots=True)
class CallPage:
    """One page of a provider's call list (list rows usually lack transcript and recording)."""

    calls: Sequence[Call]
    next_cursor: str | None = None
    page: int | None = None
    total_pages: int | None = None
    total: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        if self.next_cursor:
            return True
        return (
            self.page is not None and self.total_pages is not None and self.page < self.total_pages
        )


class ProviderClient(Protocol):
    """A client for one account on one platform."""

    provider: str
    label: str

    async def get_call(self, call_id: str) -> Call: ...

    async def list_calls(
        self,
        filters: ListFilters | None = None,
        *,
        cursor: str | None = None,
        page: int | None = None,
        limit: int = 50,
    ) -> CallPage: ...

    async def check_auth(self) -> None: ...

    async def aclose(self) -> None: ...
