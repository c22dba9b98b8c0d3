"""Provider clients and mappings by provider name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from callreview.domain import Account, Call
from callreview.providers import ringyo, rounded
from callreview.providers.base import ProviderClient
from callreview.providers.catalog import PROVIDERS, ProviderInfo, provider_info
from callreview.providers.http import HttpPolicy
from callreview.providers.redact import Redactor


def map_raw_call(provider: str, raw: Any, included: frozenset[str] = frozenset()) -> Call:
    """Re-derive a domain call from the provider's verbatim JSON (the library stores it)."""
    if provider_info(provider).name == "ringyo":
        return ringyo.map_call(raw, included)
    return rounded.map_call(raw, included)


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
    info = provider_info(account.provider)
    kwargs = {
        "account_name": account.name,
        "api_key": api_key,
        "base_url": account.base_url or info.default_base_url,
        "policy": policy,
        "redactor": redactor,
        "transport": transport,
        "on_retry": on_retry,
    }
    if info.name == "ringyo":
        return ringyo.RingyoClient(**kwargs)  # type: ignore[arg-type]
    return rounded.RoundedClient(**kwargs)  # type: ignore[arg-type]


__all__ = ["PROVIDERS", "ProviderInfo", "make_client", "map_raw_call", "provider_info"]
