"""What every provider client offers, and the checks shared by all of them."""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self
from urllib.parse import parse_qs, urlsplit

from callreview.domain import Call, ConfigError, SchemaError

if TYPE_CHECKING:
    import httpx

    from callreview.providers.http import ErrorInfo, HttpCore, HttpPolicy
    from callreview.providers.spec import ClientOptions, ProviderSpec
    from callreview.redaction import Redactor

# Generous enough for every known provider's ID format (call_xyz789, UUIDs, 32-char tokens,
# "1725527007259x3278…"), strict enough that an ID can never become a different path.
_CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:~-]{0,199}$")


def check_call_id(call_id: str, provider_label: str) -> str:
    """Return the ID if it is a plausible call ID, else raise ConfigError (never a path trick)."""
    if not isinstance(call_id, str) or not _CALL_ID.fullmatch(call_id) or ".." in call_id:
        shown = repr(call_id)[:60]
        raise ConfigError(
            f"{shown} is not a valid {provider_label} call ID: IDs contain only letters, "
            "digits and . _ : ~ -"
        )
    return call_id


def check_base_url(url: str) -> str:
    """Validate an account's API base URL: https, or http only to this machine; no secrets in it."""
    if len(url) > 2048 or any(ch.isspace() or not ch.isprintable() for ch in url.strip()):
        raise ConfigError(
            "The base URL must be one line without spaces or control characters, like "
            "https://api.example.com."
        )
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # ValueError when it is not a number from 0 to 65535
    except ValueError as exc:
        raise ConfigError(
            f"The base URL {url!r} is not a valid URL (check the host name and the port, "
            "which must be a number from 1 to 65535)."
        ) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"The base URL {url!r} must start with https:// and name a host.")
    if port == 0:
        raise ConfigError(f"The base URL {url!r} has port 0; use a port from 1 to 65535.")
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
    # Items of the page that could not be read, left out of `calls`: (the item's call ID, or
    # "item N" when it has no usable one; why, in words, safe to show as plain text).
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def has_more(self) -> bool:
        if self.next_cursor:
            return True
        return (
            self.page is not None and self.total_pages is not None and self.page < self.total_pages
        )


_REASON_LIMIT = 200
_LOG = logging.getLogger(__name__)


def read_page_items(
    items: Sequence[object], map_one: Callable[[object], Call]
) -> tuple[list[Call], tuple[tuple[str, str], ...]]:
    """Map each item of a list page on its own: one hostile item never sinks the page.

    Returns the calls that mapped and, for each item that did not, its call ID (or "item N",
    counted from 1) and the reason in words. A SchemaError is the expected failure; anything
    else is a bug or a blind spot, logged with its traceback and named only by its kind.
    """
    calls: list[Call] = []
    skipped: list[tuple[str, str]] = []
    for number, item in enumerate(items, start=1):
        try:
            calls.append(map_one(item))
        except SchemaError as exc:
            skipped.append((_item_name(item, number), _reason(str(exc))))
        except Exception as exc:
            _LOG.warning("Could not read item %d of a call list page", number, exc_info=True)
            skipped.append(
                (
                    _item_name(item, number),
                    f"it could not be read ({type(exc).__name__}; the details are in the log).",
                )
            )
    return calls, tuple(skipped)


def _item_name(item: object, number: int) -> str:
    call_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(call_id, str) and _CALL_ID.fullmatch(call_id) and ".." not in call_id:
        return call_id
    return f"item {number}"


def _reason(text: str) -> str:
    """Provider text made safe to show: no control characters or lone surrogates, one line."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    cleaned = " ".join(cleaned.split()) or "it could not be read."
    if len(cleaned) > _REASON_LIMIT:
        cleaned = cleaned[: _REASON_LIMIT - 1].rstrip() + "…"
    return cleaned


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


class BaseProviderClient:
    """What every client shares: the HTTP core built from the provider's spec, the ID checks.

    A subclass sets `spec`, and writes only what its API makes specific: `parse_error` (the
    error body), `fetch_call` (path and envelope) and `list_calls` (filters and paging).
    """

    spec: ClassVar[ProviderSpec]

    def __init__(
        self,
        *,
        account_name: str,
        api_key: str,
        base_url: str | None = None,
        policy: HttpPolicy | None = None,
        redactor: Redactor | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        # Imported here: this module is cheap (accounts and the catalog use it), the core is not.
        from callreview.providers.http import HttpCore

        self.provider: str = self.spec.name
        self.label: str = self.spec.label
        self.account_name = account_name
        self._http: HttpCore = HttpCore(
            provider_label=self.spec.label,
            account_name=account_name,
            base_url=base_url or self.spec.default_base_url,
            headers=self.spec.auth.headers(api_key),
            parse_error=self.parse_error,
            policy=policy,
            redactor=redactor,
            transport=transport,
            on_retry=on_retry,
        )

    @classmethod
    def from_options(cls, options: ClientOptions) -> Self:
        """The client for the account `options` describes (what a spec's factory calls)."""
        return cls(
            account_name=options.account_name,
            api_key=options.api_key,
            base_url=options.base_url,
            policy=options.policy,
            redactor=options.redactor,
            transport=options.transport,
            on_retry=options.on_retry,
        )

    @staticmethod
    def parse_error(status: int, data: Any) -> ErrorInfo:
        """What the provider's error body says; the base knows no body, only the status."""
        from callreview.providers.http import ErrorInfo

        return ErrorInfo()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_call(self, call_id: str) -> Call:
        """One call, everything included; the ID is checked before the request and after."""
        check_call_id(call_id, self.label)
        call = await self.fetch_call(call_id)
        if call.call_id != call_id:
            raise SchemaError(
                f"{self.label} answered the request for call '{call_id}' with call "
                f"'{call.call_id}'.",
                provider=self.label,
            )
        return call

    async def fetch_call(self, call_id: str) -> Call:
        """GET one call and map it (the ID is already checked)."""
        raise NotImplementedError

    async def list_calls(
        self,
        filters: ListFilters | None = None,
        *,
        cursor: str | None = None,
        page: int | None = None,
        limit: int = 50,
    ) -> CallPage:
        """One page of the account's calls, if the API can list them (`spec.can_list_calls`)."""
        raise ConfigError(f"{self.label} offers no list of calls; fetch calls by their IDs.")

    async def check_auth(self) -> None:
        """Raise AuthError if the key is refused: the cheapest authenticated request."""
        await self.list_calls(limit=1)

    def check_cursor(self, next_cursor: str | None, cursor: str | None) -> str | None:
        """The next page's cursor; one that does not advance would loop forever."""
        if next_cursor and next_cursor == cursor:
            raise SchemaError(
                f"{self.label} returned the same page cursor twice.", provider=self.label
            )
        return next_cursor or None
