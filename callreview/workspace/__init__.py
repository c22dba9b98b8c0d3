"""What a reviewer does, Qt-free: one Workspace for the window and the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callreview.library.api import DownloadLimits
from callreview.providers.catalog import PROVIDERS, ProviderSpec
from callreview.workspace.workspace import KeyStorage, Page, Workspace, build_workspace

if TYPE_CHECKING:
    from callreview.library.bundle import BundleSummary, ImportReport
    from callreview.providers.base import CallPage, ListFilters
    from callreview.workspace.fetch import FetchEvent, FetchResult, Stage

# Loaded on first use: bundles (zipfile and the providers' mappers), the fetch pipeline and
# the provider clients' types are not needed to paint the window (issue 14: the shell first).
_LAZY = {
    "BundleSummary": "callreview.library.bundle",
    "ImportReport": "callreview.library.bundle",
    "CallPage": "callreview.providers.base",
    "ListFilters": "callreview.providers.base",
    "FetchEvent": "callreview.workspace.fetch",
    "FetchResult": "callreview.workspace.fetch",
    "Stage": "callreview.workspace.fetch",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "PROVIDERS",
    "BundleSummary",
    "CallPage",
    "DownloadLimits",
    "FetchEvent",
    "FetchResult",
    "ImportReport",
    "KeyStorage",
    "ListFilters",
    "Page",
    "ProviderSpec",
    "Stage",
    "Workspace",
    "build_workspace",
]
