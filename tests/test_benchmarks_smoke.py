"""The fetch benchmark runs end to end on a tiny load (its figures are read by people)."""

from __future__ import annotations

import re

import pytest

from benchmarks import fetch


def test_fetch_benchmark_stores_every_call_and_prints_the_ratio(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # fetch_into_library raises SystemExit unless every call ends up in the library.
    fetch.main(["--calls", "20", "--latency-ms", "5", "--concurrency", "4"])
    out = capsys.readouterr().out
    assert "Workspace.fetch into a new library, recordings not downloaded" in out
    ratio = re.search(r"Workspace\.fetch, all at once: +[\d.]+ s += +([\d.]+)% of ideal", out)
    assert ratio is not None, out
    assert 0 < float(ratio.group(1)) <= 100
    assert re.search(r"sequential loop \(Workspace\.fetch per ID\): +[\d.]+ s", out), out
    assert re.search(r"target >= 85% of ideal: (PASS|BELOW TARGET)", out), out


def test_fetch_benchmark_without_latency_has_no_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    fetch.main(["--calls", "5", "--latency-ms", "0"])
    out = capsys.readouterr().out
    assert "n/a (no latency)" in out
    assert not re.search(r"s += +[\d.]+% of ideal", out), out
