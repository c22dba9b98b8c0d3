"""`callreview report`: exit codes, the CSV read back with csv, the PDF read back with pdftotext."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from callreview.domain import CallRef
from callreview.domain.scorecard import AnswerValue, parse_template
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.library.helpers import open_library
from tests.library.test_scores import SUPPORT
from tests.standin import seed

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
OUTCOMES = ("Resolved", "Escalated", "Unresolved")


@pytest.fixture
def store() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Six calls (agents agent_0..2, started a minute apart from 2026-11-01 12:00 UTC back),
    each scored once with Support QA; call 5 also has a draft, which reports leave out."""
    data_dir = tmp_path / "data"
    library = open_library(data_dir)
    template = parse_template(SUPPORT, "support.toml")
    library.import_scorecard(template)
    for i in range(6):
        library.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
        answers: dict[str, AnswerValue] = {
            "greeting": i % 2 == 0,
            "empathy": 1 + i % 5,
            "resolution": OUTCOMES[i % 3],
        }
        library.save_score(CallRef("ringyo", f"call_{i:06d}"), template, answers, {}, {}, "ann")
    library.save_score(CallRef("ringyo", "call_000005"), template, {"empathy": 2}, {}, {}, "bob")
    library.close()
    return data_dir


def cli(data: Path, store: MemorySecretStore, *argv: str) -> tuple[int, str, str]:
    return run_cli(list(argv), data, store)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_by_agent_csv(data: Path, store: MemorySecretStore, tmp_path: Path) -> None:
    out_file = tmp_path / "agents.csv"
    code, out, err = cli(data, store, "report", "--by", "agent", "--output", str(out_file))
    assert code == 0, err
    assert out.strip() == f"Wrote a report of 3 agent(s) to {out_file}."
    rows = read_csv(out_file)
    assert [r["agent"] for r in rows] == ["agent_0", "agent_1", "agent_2", "all"]
    assert [r["cards"] for r in rows] == ["2", "2", "2", "6"]  # bob's draft left out
    assert list(rows[0]) == [
        "agent",
        "label",
        "calls",
        "cards",
        "average_score",
        "pass_rate",
        "compared",
        "agreement_rate",
        "failure_rate:greeting",
        "failure_rate:empathy",
        "failure_rate:resolution",
    ]
    # agent_0 scored calls 0 (yes, 1, Resolved) and 3 (no, 4, Resolved).
    assert rows[0]["failure_rate:greeting"] == "50.0"
    assert rows[0]["failure_rate:empathy"] == "50.0"
    assert rows[0]["failure_rate:resolution"] == "0.0"


def test_report_by_week_and_dates(data: Path, store: MemorySecretStore) -> None:
    code, out, err = cli(
        data, store, "report", "--by", "week", "--output", "-", "--format", "csv",
        "--since", "2026-11-01T11:58:00", "--until", "2026-11-02",
    )  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["week"], r["cards"]) for r in rows] == [("2026-W44", "3"), ("all", "3")]


def test_report_by_criterion(data: Path, store: MemorySecretStore, tmp_path: Path) -> None:
    out_file = tmp_path / "criteria.CSV"  # the suffix in any case
    code, _, err = cli(
        data, store, "report", "--by", "criterion", "--scorecard", "Support QA",
        "--output", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    rows = read_csv(out_file)
    assert [r["criterion"] for r in rows] == ["greeting", "empathy", "resolution"]
    assert rows[0]["question"] == "Did the agent greet the caller?"
    assert (rows[0]["answers"], rows[0]["failure_rate"]) == ("6", "50.0")
    assert rows[2]["failure_rate"] == "33.3"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--by", "criterion", "--output", "x.csv"], "give --scorecard NAME"),
        (["--by", "agent", "--output", "-"], "needs --format csv or pdf"),
        (["--by", "agent", "--output", "report.txt"], "name the file .csv or .pdf"),
        (["--by", "agent", "--scorecard", "Nope", "--output", "x.csv"], "No scorecard is named"),
        (["--by", "criterion", "--scorecard", "Nope", "--output", "x.csv"], "No scorecard"),
    ],
)
def test_usage_errors_exit_2(
    data: Path,
    store: MemorySecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(data, store, "report", *argv)
    assert code == 2 and message in err and out == ""
    assert list(tmp_path.glob("x.*")) == [] and not (tmp_path / "report.txt").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--by", "reviewer", "--output", "x.csv"], "invalid choice"),
        (["--by", "agent"], "--output"),
        (["--by", "agent", "--output", "x.csv", "--since", "last week"], "not a date"),
        (["--by", "agent", "--output", "x.csv", "--format", "xlsx"], "invalid choice"),
    ],
)
def test_argument_errors_exit_2(
    data: Path,
    store: MemorySecretStore,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli(data, store, "report", *argv)
    assert raised.value.code == 2 and message in capsys.readouterr().err


@needs_poppler
def test_report_pdf(data: Path, store: MemorySecretStore, tmp_path: Path) -> None:
    out_file = tmp_path / "agents.pdf"
    code, _, err = cli(
        data, store, "report", "--by", "agent", "--scorecard", "Support QA",
        "--output", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    assert out_file.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(out_file), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Scorecard report by agent — Support QA" in text
    assert "6 submitted card(s), all calls" in text
    for expected in ("Average score", "Pass rate", "agent_0", "agent_2", "Failure rate"):
        assert expected in text
    assert "greeting: Did the agent greet the caller?" in text

    weeks = tmp_path / "weeks.pdf"
    code, _, err = cli(data, store, "report", "--by", "week", "--output", str(weeks))
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", str(weeks), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2026-W44 (from 26 Oct 2026)" in text


@needs_poppler
def test_report_pdf_with_nothing_to_report(
    data: Path, store: MemorySecretStore, tmp_path: Path
) -> None:
    out_file = tmp_path / "empty.pdf"
    code, _, err = cli(
        data, store, "report", "--by", "agent", "--since", "2030-01-01", "--output", str(out_file)
    )
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", str(out_file), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "nothing to report" in text
