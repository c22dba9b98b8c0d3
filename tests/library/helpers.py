"""Libraries for tests, built as the composition roots build them (the providers' mapper)."""

from __future__ import annotations

from pathlib import Path

from callreview.library import SqliteLibrary
from callreview.providers.registry import map_raw_call


def open_library(data_dir: Path) -> SqliteLibrary:
    """A SQLite library in `data_dir` that maps stored raw JSON with the registry."""
    return SqliteLibrary(data_dir, mapper=map_raw_call)
