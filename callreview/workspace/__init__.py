"""What a reviewer does, Qt-free: one Workspace for the window and the command line."""

from callreview.library.api import DownloadLimits
from callreview.library.bundle import BundleSummary, ImportReport
from callreview.providers.base import CallPage, ListFilters
from callreview.providers.catalog import PROVIDERS, ProviderSpec
from callreview.workspace.fetch import FetchEvent, FetchResult, Stage
from callreview.workspace.workspace import KeyStorage, Page, Workspace, build_workspace

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
