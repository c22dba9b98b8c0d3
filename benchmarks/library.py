"""The library with 100,000 synthetic calls (about 40 segments each).

Measures, beside a plain LIKE scan of the same data in the same run:
import throughput; phrase search over all transcripts (p50, p95; target p95 < 50 ms);
a filtered page of 200 calls (target < 20 ms); peak memory (max RSS).

    .venv/bin/python -m benchmarks.library [--calls 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callreview.domain import Call, CallStatus, Direction, Role, Segment, Timing
from callreview.library import CallQuery, SqliteLibrary
from callreview.providers.registry import map_raw_call

WORDS = (
    "account appointment billing cancel confirm delivery email invoice order payment "
    "refund reschedule router schedule service shipping subscription support ticket "
    "transfer update upgrade warranty address balance callback customer discount"
).split()
PHRASES = [
    "refund the order",
    "reschedule the appointment",
    "router keeps dropping",
    "cancel my subscription",
    "update the billing address",
    "speak to a supervisor",
]


def make_call(i: int, rng: random.Random) -> Call:
    start = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(minutes=3 * i)
    n = rng.randint(20, 60)
    segments = []
    pos = 0
    for j in range(n):
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        if rng.random() < 0.01:
            words[2:2] = rng.choice(PHRASES).split()
        length = rng.randint(1500, 6000)
        segments.append(
            Segment(
                j,
                Role.AGENT if j % 2 == 0 else Role.USER,
                "agent" if j % 2 == 0 else "user",
                " ".join(words),
                pos,
                pos + length,
                True,
            )
        )
        pos += length + rng.randint(200, 1500)
    provider = "ringyo" if i % 2 else "rounded"
    return Call(
        provider=provider,
        call_id=f"call_{i:07d}",
        status=rng.choice([CallStatus.ENDED] * 8 + [CallStatus.FAILED, CallStatus.NO_ANSWER]),
        status_raw="completed",
        direction=Direction.OUTBOUND,
        from_number=f"+1555{rng.randint(0, 9999999):07d}",
        to_number="+18005550100",
        agent_id=f"agent_{i % 40}",
        started_at=start,
        ended_at=start + timedelta(milliseconds=pos),
        duration_ms=pos,
        metadata={"campaign": f"c{i % 12}", "customer_id": f"cust_{i}"},
        segments=tuple(segments),
        timing=Timing(None, "provider_offsets"),
        raw={"id": f"call_{i:07d}", "status": "completed"},
    )


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        lib = SqliteLibrary(Path(tmp), mapper=map_raw_call)
        t0 = time.perf_counter()
        batch: list[Call] = []
        segments = 0
        build = 0.0
        for i in range(args.calls):
            b0 = time.perf_counter()
            call = make_call(i, rng)
            build += time.perf_counter() - b0
            segments += len(call.segments)
            batch.append(call)
            if len(batch) == 1000:
                lib.save_calls(batch, "bench")
                batch.clear()
        lib.save_calls(batch, "bench")
        import_s = time.perf_counter() - t0 - build
        # The baseline queries go straight to SQLite: same file, same run, its own connection.
        db = sqlite3.connect(f"file:{lib.path}?mode=ro", uri=True)

        searches = [CallQuery(search=f'"{p}"', limit=200) for p in PHRASES]
        fts = []
        for q in searches:
            fts += timed(lambda q=q: lib.query(q), 5)
        like = []
        for p in PHRASES:
            like += timed(
                # Same answer as the FTS query: the newest 200 calls containing the phrase.
                lambda p=p: db.execute(
                    "SELECT * FROM calls WHERE id IN "
                    "(SELECT call_rowid FROM segments WHERE text LIKE ?) "
                    "ORDER BY started_at DESC LIMIT 200",
                    (f"%{p}%",),
                ).fetchall(),
                2,
            )
        page_q = CallQuery(
            statuses=frozenset({CallStatus.ENDED}),
            provider="ringyo",
            account="bench",
            since=datetime(2026, 6, 1, tzinfo=UTC),
            limit=200,
            offset=400,
        )
        page = timed(lambda: lib.query(page_q), 30)
        # The same page without the indexes: a plain scan of the table.
        page_like = timed(
            lambda: db.execute(
                "SELECT * FROM calls NOT INDEXED WHERE status LIKE 'ended' "
                "AND provider LIKE 'ringyo' AND account LIKE 'bench' "
                "AND started_at >= '2026-06-01' ORDER BY started_at DESC LIMIT 200 OFFSET 400"
            ).fetchall(),
            5,
        )
        hits = len(lib.query(searches[0]))
        size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir() if f.is_file()) / 2**20
        lib.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"calls={args.calls} segments={segments} ({segments / args.calls:.1f} per call)")
    print(
        f"import: {import_s:.1f} s = {args.calls / import_s:,.0f} calls/s "
        f"({segments / import_s:,.0f} segments/s); library {size_mb:.0f} MiB"
    )
    print(
        f"phrase search (FTS5):  p50 {statistics.median(fts):7.2f} ms  p95 {p95(fts):7.2f} ms"
        f"  ({hits} hits for {PHRASES[0]!r})  target p95 < 50 ms"
    )
    print(f"  baseline LIKE scan:  p50 {statistics.median(like):7.2f} ms  p95 {p95(like):7.2f} ms")
    print(
        f"filtered page of 200:  p50 {statistics.median(page):7.2f} ms  p95 {p95(page):7.2f} ms"
        "  target < 20 ms"
    )
    print(f"  baseline full scan:  p50 {statistics.median(page_like):7.2f} ms")
    print(f"peak memory (max RSS): {rss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
