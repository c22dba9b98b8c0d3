"""Call platforms: one sub-package per provider, the shared HTTP core and the registry."""

from callreview.providers.registry import PROVIDERS, ProviderInfo, make_client, provider_info

__all__ = ["PROVIDERS", "ProviderInfo", "make_client", "provider_info"]
