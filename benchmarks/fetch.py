"""Fetch 500 calls from the stand-in server (50 ms added latency) at concurrency 16.

Prints the wall time beside the ideal (500 x 50 ms / 16) and beside a sequential loop over
the same client, all measured in this run. Target: at least 85 % of ideal.

    .venv/bin/python -m benchmarks.fetch [--calls 500] [--latency-ms 50] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from callreview.domain import Account
from callreview.fetching import fetch_calls
from callreview.providers import make_client
from callreview.providers.http import HttpPolicy
from tests.standin import seed

KEY = "rg_bench_0123456789"


async def concurrent(base: str, ids: list[str], concurrency: int) -> float:
    client = make_client(
        Account("bench", "ringyo", base), KEY, policy=HttpPolicy(concurrency=concurrency)
    )
    started = time.perf_counter()
    try:
        outcomes = await fetch_calls(client, ids)
    finally:
        await client.aclose()
    elapsed = time.perf_counter() - started
    failed = [o for o in outcomes if o.error]
    if failed:
        raise SystemExit(f"{len(failed)} fetches failed, first: {failed[0].error}")
    return elapsed


async def sequential(base: str, ids: list[str]) -> float:
    client = make_client(Account("bench", "ringyo", base), KEY, policy=HttpPolicy(concurrency=1))
    started = time.perf_counter()
    try:
        for call_id in ids:
            await client.get_call(call_id)
    finally:
        await client.aclose()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    server = seed.seeded_server(n_each=args.calls, ringyo_key=KEY, rounded_key="rnd_unused_0000")
    server.start()
    try:
        server.latency = args.latency_ms / 1000
        ids = [f"call_{i:06d}" for i in range(args.calls)]
        # Warm up imports, the connection pool and the server threads.
        asyncio.run(concurrent(server.ringyo_base, ids[:32], args.concurrency))
        wall = asyncio.run(concurrent(server.ringyo_base, ids, args.concurrency))
        seq = asyncio.run(sequential(server.ringyo_base, ids))
    finally:
        server.stop()
    ideal = args.calls * args.latency_ms / 1000 / args.concurrency
    print(f"calls={args.calls} latency={args.latency_ms:.0f} ms concurrency={args.concurrency}")
    print(f"ideal (calls x latency / concurrency): {ideal:7.3f} s")
    print(f"concurrent fetch (CallReview):         {wall:7.3f} s  = {ideal / wall:6.1%} of ideal")
    print(f"sequential loop (same client):         {seq:7.3f} s  = {seq / wall:6.1f}x slower")
    verdict = "PASS" if ideal / wall >= 0.85 else "BELOW TARGET"
    print(f"target >= 85 % of ideal: {verdict}")


if __name__ == "__main__":
    main()
