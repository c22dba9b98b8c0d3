"""Subprocess for the crash-safety test: fetch many calls with downloads into a library.

Usage: python -m tests.library.crash_worker DATA_DIR RINGYO_BASE N_CALLS  (API key on stdin)
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from callreview.domain import Account
from callreview.library.downloads import DownloadPolicy, RecordingDownloader
from callreview.providers import make_client
from callreview.providers.http import HttpPolicy
from callreview.workspace.fetch import FetchPipeline
from callreview.workspace.store import AsyncLibrary
from tests.library.helpers import open_library


async def main(data_dir: Path, base: str, count: int, key: str) -> int:
    library = open_library(data_dir)
    client = make_client(Account("crash", "ringyo", base), key, policy=HttpPolicy(concurrency=6))
    downloader = RecordingDownloader(library, DownloadPolicy(backoff=0.01), concurrency=3)
    try:
        results = await FetchPipeline(AsyncLibrary(lambda: library), downloader).fetch(
            client, "crash", [f"call_{i:06d}" for i in range(count)]
        )
    finally:
        await client.aclose()
        await downloader.aclose()
        library.close()
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    key = sys.stdin.readline().strip()
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), key)))
