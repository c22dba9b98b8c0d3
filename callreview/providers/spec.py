"""What a provider package declares about itself: one `ProviderSpec`, plain data and two hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from callreview.domain import Call

if TYPE_CHECKING:
    import httpx

    from callreview.providers.base import ProviderClient
    from callreview.providers.http import HttpPolicy
    from callreview.redaction import Redactor


@dataclass(frozen=True, slots=True)
class AuthScheme:
    """How the API key travels: the header's name and an optional scheme word before the key."""

    header: str
    scheme: str | None = None

    def headers(self, api_key: str) -> dict[str, str]:
        """The request header(s) carrying `api_key`."""
        value = f"{self.scheme} {api_key}" if self.scheme else api_key
        return {self.header: value}


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Everything a client for one account is built from (the registry fills it in)."""

    account_name: str
    api_key: str
    base_url: str
    policy: HttpPolicy | None = None
    redactor: Redactor | None = None
    transport: httpx.AsyncBaseTransport | None = None
    on_retry: Callable[[str], None] | None = None


# Strings, so that the HTTP and schema types stay out of this cheap module at run time.
ClientFactory: TypeAlias = "Callable[[ClientOptions], ProviderClient]"
RawMapper: TypeAlias = "Callable[[Any, frozenset[str]], Call]"


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One call platform as data; each provider sub-package exports one as `SPEC`.

    `client_factory` and `map_raw` should import their modules when called: the registry
    imports every provider package at start-up, and that must stay free of httpx and pydantic.
    """

    name: str  # stored with every call and account; equal to the sub-package's name
    label: str  # what a person reads
    default_base_url: str
    auth: AuthScheme
    client_factory: ClientFactory
    # The provider's verbatim JSON and the parts it included (transcript, recording, ...).
    map_raw: RawMapper
    can_list_calls: bool = True

    @property
    def key_header(self) -> str:
        """The header the API key is sent in (the accounts dialog names it)."""
        return self.auth.header
