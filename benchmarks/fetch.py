"""Fetch 500 calls into a library with `Workspace.fetch`, beside the ideal and a sequential loop.

The path the window and the command line run: one Workspace (built by `build_workspace`), a
Ringyo account on the stand-in server (50 ms added latency per request), HTTP concurrency 16;
each call is fetched, mapped and stored in a new SQLite library (WAL, synchronous=FULL) in a
temporary folder ($TMPDIR). Recordings are not downloaded (`download=False`), as in earlier
runs. Ideal = calls x latency / concurrency. The sequential loop is the same path one call at
a time (`ws.fetch(account, [id])`, awaited before the next), measured in the same run; the
"client alone" line (every `get_call` at once, nothing stored) shows what storing adds.
Target: at least 85 % of ideal.

    .venv/bin/python -m benchmarks.fetch [--calls 500] [--latency-ms 50] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from callreview.providers.http import HttpPolicy
from callreview.secrets import MemorySecretStore
from callreview.workspace import build_workspace
from tests.standin import seed

KEY = "rg_bench_0123456789"
ACCOUNT = "bench"
TARGET = 0.85


async def fetch_into_library(
    base: str,
    ids: list[str],
    concurrency: int,
    data_dir: Path,
    *,
    one_by_one: bool = False,
    client_only: bool = False,
) -> float:
    """Seconds for `Workspace.fetch` to fetch and store `ids` (all at once, or one by one).

    `client_only` times the account's provider client alone (`get_call` for every ID at
    once, nothing stored): not the app's path, but it shows what the library adds.

    The library is opened and the account's client built before the clock starts, as in
    the window, where the call list is open before anyone fetches.
    """
    ws = build_workspace(
        data_dir, secrets=MemorySecretStore(), policy=HttpPolicy(concurrency=concurrency)
    )
    try:
        await ws.save_account(ACCOUNT, "ringyo", KEY, base)
        await ws.client(ACCOUNT)
        await ws.count()
        started = time.perf_counter()
        if client_only:
            client = await ws.client(ACCOUNT)
            await asyncio.gather(*(client.get_call(call_id) for call_id in ids))
            return time.perf_counter() - started
        if one_by_one:
            results = []
            for call_id in ids:
                results += await ws.fetch(ACCOUNT, [call_id], download=False)
        else:
            results = await ws.fetch(ACCOUNT, ids, download=False)
        elapsed = time.perf_counter() - started
        failed = [r for r in results if not r.ok]
        if failed:
            raise SystemExit(f"{len(failed)} fetches failed, first: {failed[0].error}")
        stored = await ws.count()
        if stored != len(ids):
            raise SystemExit(f"the library holds {stored} calls after fetching {len(ids)}")
    finally:
        await ws.aclose()
    return elapsed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)

    server = seed.seeded_server(n_each=args.calls, ringyo_key=KEY, rounded_key="rnd_unused_0000")
    server.start()
    try:
        server.latency = args.latency_ms / 1000
        ids = [f"call_{i:06d}" for i in range(args.calls)]
        with tempfile.TemporaryDirectory(prefix="callreview-bench-") as tmp:
            root = Path(tmp)
            # Warm up imports, the schema code and the server's threads (its own library).
            asyncio.run(
                fetch_into_library(server.ringyo_base, ids[:32], args.concurrency, root / "warm")
            )
            wall = asyncio.run(
                fetch_into_library(server.ringyo_base, ids, args.concurrency, root / "concurrent")
            )
            bare = asyncio.run(
                fetch_into_library(
                    server.ringyo_base, ids, args.concurrency, root / "bare", client_only=True
                )
            )
            seq = asyncio.run(
                fetch_into_library(
                    server.ringyo_base, ids, args.concurrency, root / "sequential", one_by_one=True
                )
            )
    finally:
        server.stop()

    ideal = args.calls * args.latency_ms / 1000 / args.concurrency
    print(
        f"calls={args.calls} latency={args.latency_ms:g} ms concurrency={args.concurrency} "
        "(Workspace.fetch into a new library, recordings not downloaded)"
    )
    print(f"ideal (calls x latency / concurrency):     {ideal:7.3f} s")
    if ideal > 0:
        ratio = f"{ideal / wall:6.1%} of ideal"
        verdict = "PASS" if ideal / wall >= TARGET else "BELOW TARGET"
    else:
        ratio, verdict = "  n/a (no latency)", "n/a (no latency)"
    print(f"Workspace.fetch, all at once:             {wall:7.3f} s  = {ratio}")
    print(
        f"provider client alone (nothing stored):   {bare:7.3f} s  "
        f"(storing adds {wall - bare:+.3f} s)"
    )
    print(f"sequential loop (Workspace.fetch per ID): {seq:7.3f} s  = {seq / wall:6.1f}x slower")
    print(f"target >= {TARGET:.0%} of ideal: {verdict}")


if __name__ == "__main__":
    main()
