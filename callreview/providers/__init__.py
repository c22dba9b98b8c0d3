"""Call platforms: one sub-package per provider, the shared HTTP core and the registry.

Names are loaded on first use: importing a light module such as `providers.redact` must
not pull in the HTTP client and the schema library (they cost start-up time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callreview.providers.catalog import PROVIDERS, ProviderInfo, provider_info
    from callreview.providers.registry import make_client, map_raw_call

__all__ = ["PROVIDERS", "ProviderInfo", "make_client", "map_raw_call", "provider_info"]


def __getattr__(name: str) -> Any:
    if name in ("PROVIDERS", "ProviderInfo", "provider_info"):
        from callreview.providers import catalog

        return getattr(catalog, name)
    if name in ("make_client", "map_raw_call"):
        from callreview.providers import registry

        return getattr(registry, name)
    raise AttributeError(name)
