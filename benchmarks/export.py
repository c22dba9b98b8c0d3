"""Export speed and memory: the PDF of a 2,000-line call, the calls CSV of 100,000 calls.

Each case runs in its own process (so peak memory is its own), beside a baseline in the same
run: for the PDF, Qt's plain `QTextDocument.print_()` of the same document (no contents,
no page header or footer); for the CSV, building the rows from fully re-mapped calls
(`Library.get`) for a 5,000-call sample, scaled up. Targets: PDF < 3 s, CSV < 5 s.

    .venv/bin/python -m benchmarks.export [--calls 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from callreview.domain import CallRef

ROOT = Path(__file__).resolve().parents[1]


def build_library(path: Path, calls: int) -> None:
    import random

    from benchmarks.library import make_call
    from callreview.library import SqliteLibrary
    from callreview.providers.registry import map_raw_call

    rng = random.Random(7)
    library = SqliteLibrary(path, mapper=map_raw_call)
    batch = []
    for i in range(calls):
        batch.append(make_call(i, rng))
        if len(batch) == 1000:
            library.save_calls(batch, "bench")
            batch.clear()
    library.save_calls(batch, "bench")
    library.close()


def long_call_library(path: Path) -> tuple[str, str]:
    """One Ringyo call with a 2,000-line transcript, stored from its wire JSON."""
    from benchmarks.transcript import make_segments
    from callreview.library import SqliteLibrary
    from callreview.providers.registry import map_raw_call
    from callreview.providers.ringyo import map_call

    segments = make_segments(2000)
    wire = {
        "id": "call_long",
        "status": "completed",
        "phone_number": "+15550100123",
        "from_number": "+15550100999",
        "agent_id": "agent_bench",
        "duration": (segments[-1].end_ms or 0) // 1000 + 1,
        "transcript": [
            {
                "role": "agent" if s.index % 2 else "user",
                "content": s.text,
                "timestamp": s.start_ms / 1000,
            }
            for s in segments
        ],
        "metadata": {"campaign": "bench"},
        "created_at": "2026-11-01T12:00:00Z",
    }
    library = SqliteLibrary(path, mapper=map_raw_call)
    library.save_call(map_call(wire), "bench")
    library.close()
    return CallRef("ringyo", "call_long")


def child(mode: str, data: Path, out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from callreview.export import ExportOptions, export_calls
    from callreview.library import SqliteLibrary
    from callreview.providers.registry import map_raw_call

    library = SqliteLibrary(data, mapper=map_raw_call)
    started = time.perf_counter()
    if mode == "pdf":
        from PySide6.QtGui import QGuiApplication

        app = QGuiApplication([])
        stored = library.get(CallRef("ringyo", "call_long"))
        assert stored is not None
        export_calls([stored], "pdf", out / "long.pdf")
    elif mode == "pdf-baseline":
        from PySide6.QtGui import QGuiApplication, QPageSize, QPdfWriter, QTextDocument

        from callreview.export.pdf import CSS, _section
        from callreview.export.summary import summarize

        app = QGuiApplication([])  # noqa: F841
        stored = library.get(CallRef("ringyo", "call_long"))
        assert stored is not None
        writer = QPdfWriter(str(out / "plain.pdf"))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        doc = QTextDocument()
        doc.setDefaultStyleSheet(CSS)
        doc.setHtml(_section(summarize(stored, ExportOptions()), 0, True))
        doc.print_(writer)
    elif mode == "csv":
        # What the Workspace does for the calls CSV: flat records straight from the tables.
        export_calls(list(library.iter_records(library.refs())), "csv", out / "calls.csv")
    elif mode == "csv-baseline":
        from callreview.export.records import record_from_stored
        from callreview.export.tabular import write_calls_csv

        sample = library.refs()[:5000]
        records = [record_from_stored(library.get(ref)) for ref in sample]  # type: ignore[arg-type]
        write_calls_csv(records, out / "baseline.csv", ExportOptions())
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mib": peak}))


def run(mode: str, data: Path, out: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.export", "--child", mode, str(data), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DATA", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        long_call_library(root / "long")
        t0 = time.perf_counter()
        build_library(root / "big", args.calls)
        print(f"(built a {args.calls:,}-call library in {time.perf_counter() - t0:.0f} s)")
        pdf = run("pdf", root / "long", root)
        plain = run("pdf-baseline", root / "long", root)
        csv_ = run("csv", root / "big", root)
        base = run("csv-baseline", root / "big", root)
        pages = subprocess.run(
            ["pdfinfo", str(root / "long.pdf")], capture_output=True, text=True
        ).stdout
        page_count = next(
            (ln.split()[-1] for ln in pages.splitlines() if ln.startswith("Pages")), "?"
        )
        size = (root / "calls.csv").stat().st_size / 2**20
        scaled = base["seconds"] * args.calls / 5000
    print(
        f"PDF, 2,000-line call ({page_count} pages): {pdf['seconds']:.2f} s, peak "
        f"{pdf['peak_mib']:.0f} MiB   baseline QTextDocument.print_: {plain['seconds']:.2f} s, "
        f"peak {plain['peak_mib']:.0f} MiB   (target < 3 s)"
    )
    print(
        f"calls CSV, {args.calls:,} calls ({size:.0f} MiB): {csv_['seconds']:.2f} s, peak "
        f"{csv_['peak_mib']:.0f} MiB   baseline via Library.get: {base['seconds']:.2f} s for "
        f"5,000 calls = {scaled:.0f} s scaled to {args.calls:,}   (target < 5 s)"
    )


if __name__ == "__main__":
    main()
