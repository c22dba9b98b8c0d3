"""Call platforms: one sub-package per provider (each exports a spec), the HTTP core, the registry.

Names are loaded on first use: importing a light module such as `providers.catalog` must
not pull in the HTTP client and the schema library (they cost start-up time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callreview.providers.catalog import PROVIDERS, provider_info
    from callreview.providers.registry import make_client, map_raw_call
    from callreview.providers.spec import ProviderSpec

__all__ = ["PROVIDERS", "ProviderSpec", "make_client", "map_raw_call", "provider_info"]


def __getattr__(name: str) -> Any:
    if name in ("PROVIDERS", "provider_info"):
        from callreview.providers import catalog

        return getattr(catalog, name)
    if name == "ProviderSpec":
        from callreview.providers.spec import ProviderSpec

        return ProviderSpec
    if name in ("make_client", "map_raw_call"):
        from callreview.providers import registry

        return getattr(registry, name)
    raise AttributeError(name)
