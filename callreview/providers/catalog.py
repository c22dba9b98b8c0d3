"""The known call platforms as plain data (cheap to import: no HTTP or schema code)."""

from __future__ import annotations

from dataclasses import dataclass

from callreview.domain import ConfigError


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    name: str
    label: str
    default_base_url: str
    key_header: str


PROVIDERS: dict[str, ProviderInfo] = {
    "ringyo": ProviderInfo("ringyo", "Ringyo", "https://api.ringyo.ai", "Authorization"),
    "rounded": ProviderInfo("rounded", "Rounded", "https://api.callrounded.com", "X-Api-Key"),
}


def provider_info(name: str) -> ProviderInfo:
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"Unknown provider {name!r}; CallReview knows: {known}.") from None
