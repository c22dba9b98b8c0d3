"""Rounded (api.callrounded.com): wire schema, mapping to the domain, and the client."""

from callreview.providers.rounded.client import DEFAULT_BASE_URL, RoundedClient
from callreview.providers.rounded.mapping import map_call

__all__ = ["DEFAULT_BASE_URL", "RoundedClient", "map_call"]
