"""Ringyo (api.ringyo.ai): wire schema, mapping to the domain, and the client."""

from callreview.providers.ringyo.client import DEFAULT_BASE_URL, RingyoClient
from callreview.providers.ringyo.mapping import map_call

__all__ = ["DEFAULT_BASE_URL", "RingyoClient", "map_call"]
