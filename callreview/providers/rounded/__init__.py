"""Rounded (api.callrounded.com): its spec here; schema, mapping and client load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callreview.domain import Call
from callreview.providers.spec import AuthScheme, ClientOptions, ProviderSpec

if TYPE_CHECKING:
    from callreview.providers.base import ProviderClient
    from callreview.providers.rounded.client import RoundedClient
    from callreview.providers.rounded.mapping import map_call


def _client(options: ClientOptions) -> ProviderClient:
    from callreview.providers.rounded.client import RoundedClient

    return RoundedClient.from_options(options)


def _map_raw(raw: Any, included: frozenset[str]) -> Call:
    from callreview.providers.rounded.mapping import map_call

    return map_call(raw, included)


SPEC = ProviderSpec(
    name="rounded",
    label="Rounded",
    default_base_url="https://api.callrounded.com",
    auth=AuthScheme("X-Api-Key"),
    client_factory=_client,
    map_raw=_map_raw,
    can_list_calls=True,
)

__all__ = ["SPEC", "RoundedClient", "map_call"]


def __getattr__(name: str) -> Any:
    # The heavy modules load when first named, not when the registry reads SPEC.
    if name == "RoundedClient":
        from callreview.providers.rounded.client import RoundedClient

        return RoundedClient
    if name == "map_call":
        from callreview.providers.rounded.mapping import map_call

        return map_call
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
