"""The registry: every provider sub-package's `SPEC`, by name (cheap: no HTTP or schema code)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from types import MappingProxyType

from callreview.domain import ConfigError
from callreview.providers.spec import ProviderSpec

# Names are stored with every account and call and start recording file names: lowercase
# identifiers only (the library relies on this), and a provider's name is its folder's name.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def discover(package: str = "callreview.providers") -> dict[str, ProviderSpec]:
    """The specs of `package`'s sub-packages that export `SPEC`, in name order.

    Adding a provider is adding a folder: nothing else lists the providers.
    """
    paths = importlib.import_module(package).__path__
    specs: dict[str, ProviderSpec] = {}
    for module in sorted(pkgutil.iter_modules(paths), key=lambda m: m.name):
        if not module.ispkg:
            continue
        spec = getattr(importlib.import_module(f"{package}.{module.name}"), "SPEC", None)
        if spec is None:
            continue
        if not isinstance(spec, ProviderSpec):
            raise TypeError(f"{package}.{module.name}.SPEC is not a ProviderSpec")
        if spec.name != module.name or not _NAME.match(spec.name):
            raise ValueError(
                f"{package}.{module.name}.SPEC is named {spec.name!r}; it must be its folder's "
                "name, a lowercase identifier of at most 32 characters"
            )
        specs[spec.name] = spec
    return specs


PROVIDERS: Mapping[str, ProviderSpec] = MappingProxyType(discover())
if not PROVIDERS:
    # A build that left the provider folders out (a frozen app must collect them) would
    # otherwise start with no way to fetch anything and no word why.
    raise ImportError("No provider packages were found in callreview.providers.")


def provider_info(name: str) -> ProviderSpec:
    """The spec of a registered provider, or a ConfigError naming the ones there are."""
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"Unknown provider {name!r}; CallReview knows: {known}.") from None


__all__ = ["PROVIDERS", "ProviderSpec", "discover", "provider_info"]
