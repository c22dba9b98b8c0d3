"""Provider clients and mappings by provider name, through the registry's specs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from callreview.domain import Account, Call
from callreview.providers.base import ProviderClient
from callreview.providers.catalog import PROVIDERS, provider_info
from callreview.providers.spec import ClientOptions, ProviderSpec

if TYPE_CHECKING:
    import httpx

    from callreview.providers.http import HttpPolicy
    from callreview.redaction import Redactor


def map_raw_call(provider: str, raw: Any, included: frozenset[str] = frozenset()) -> Call:
    """Re-derive a domain call from the provider's verbatim JSON (the library stores it)."""
    return provider_info(provider).map_raw(raw, included)


def make_client(
    account: Account,
    api_key: str,
    *,
    policy: HttpPolicy | None = None,
    redactor: Redactor | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> ProviderClient:
    """Build the client for an account (the caller owns it and must `aclose()` it)."""
    spec = provider_info(account.provider)
    return spec.client_factory(
        ClientOptions(
            account_name=account.name,
            api_key=api_key,
            base_url=account.base_url or spec.default_base_url,
            policy=policy,
            redactor=redactor,
            transport=transport,
            on_retry=on_retry,
        )
    )


__all__ = ["PROVIDERS", "ProviderSpec", "make_client", "map_raw_call", "provider_info"]
