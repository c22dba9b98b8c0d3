"""`callreview scorecards`, `score` and `scores`: the scripting contract, exit codes and shapes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from callreview.domain import CallRef
from callreview.domain.scorecard import FIXED_COLUMNS
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.library.helpers import open_library
from tests.library.test_scores import SALES, SUPPORT
from tests.standin import seed

ANSWERS = ["--answer", "greeting=yes", "--answer", "empathy=4", "--answer", "resolution=resolved"]


@pytest.fixture
def store() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    library = open_library(data_dir)
    for i in range(4):
        library.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
    library.close()
    (tmp_path / "support.toml").write_text(SUPPORT, encoding="utf-8")
    (tmp_path / "sales.toml").write_text(SALES, encoding="utf-8")
    return data_dir


def cli(data: Path, store: MemorySecretStore, *argv: str) -> tuple[int, str, str]:
    return run_cli(list(argv), data, store)


def imported(data: Path, store: MemorySecretStore) -> Path:
    for name in ("support", "sales"):
        code, _, err = cli(data, store, "scorecards", "import", str(data.parent / f"{name}.toml"))
        assert code == 0, err
    return data


def test_import_list_export(data: Path, store: MemorySecretStore) -> None:
    support = str(data.parent / "support.toml")
    code, out, _ = cli(data, store, "scorecards", "import", support)
    assert code == 0 and "Imported scorecard 'Support QA' version 1" in out
    code, out, _ = cli(data, store, "scorecards", "import", support)
    assert code == 0 and "already imported" in out
    changed = data.parent / "changed.toml"
    changed.write_text(SUPPORT.replace("Anything else?", "More?"), encoding="utf-8")
    code, out, err = cli(data, store, "scorecards", "import", str(changed))
    assert code == 2 and "Raise 'version'" in err and out == ""
    cli(data, store, "scorecards", "import", str(data.parent / "sales.toml"))

    code, out, _ = cli(data, store, "scorecards", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [s["name"] for s in listed] == ["Sales QA", "Support QA"]
    assert listed[1]["version"] == 1 and listed[1]["versions"] == [1]
    assert [c["id"] for c in listed[1]["criteria"]] == ["greeting", "empathy", "resolution", "note"]
    code, out, _ = cli(data, store, "scorecards", "list")
    assert code == 0 and "Support QA\tversion 1\t4 criteria\tpass mark 80%" in out

    target = data.parent / "exported.toml"
    code, _, _ = cli(data, store, "scorecards", "export", "Support QA", "--output", str(target))
    assert code == 0 and target.read_text(encoding="utf-8") == SUPPORT
    code, out, _ = cli(data, store, "scorecards", "export", "Sales QA", "--output", "-")
    assert code == 0 and out == SALES
    code, _, err = cli(data, store, "scorecards", "export", "Nope", "--output", str(target))
    assert code == 2 and "No scorecard is named 'Nope'" in err


def test_invalid_template_prints_file_line_reason(data: Path, store: MemorySecretStore) -> None:
    bad = data.parent / "bad.toml"
    bad.write_text(SUPPORT.replace('id = "note"', 'id = "greeting"'), encoding="utf-8")
    code, out, err = cli(data, store, "scorecards", "import", str(bad))
    line = SUPPORT.splitlines().index('id = "note"') + 1
    assert code == 2 and out == ""
    assert err == f"{bad}:{line}: criterion id 'greeting' is already used on line 9\n"
    code, out, _ = cli(data, store, "scorecards", "list", "--json")
    assert json.loads(out) == []  # nothing stored
    code, _, err = cli(data, store, "scorecards", "import", str(data.parent / "missing.toml"))
    assert code == 2 and "Could not read" in err


def test_score_prints_and_json(data: Path, store: MemorySecretStore) -> None:
    imported(data, store)
    code, out, err = cli(
        data, store, "score", "call_000000", "--scorecard", "Support QA", "--reviewer", "Ana",
        *ANSWERS, "--comment", "empathy=Kind", "--answer", "note=all good",
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == (
        "Scored ringyo:call_000000 with 'Support QA' version 1 by Ana: 95.8 (pass)."
    )
    code, out, _ = cli(
        data, store, "score", "ringyo:call_000001", "--scorecard", "Support QA", "--json",
        "--reviewer", "Bo", *ANSWERS[:4], "--answer", "resolution=Unresolved",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "call_ref": "ringyo:call_000001",
        "scorecard": "Support QA",
        "version": 1,
        "reviewer": "Bo",
        "score": 45.8,
        "result": "fail",
        "draft": False,
    }


def test_missing_answers_save_a_draft(data: Path, store: MemorySecretStore) -> None:
    imported(data, store)
    args = ["score", "call_000002", "--scorecard", "Support QA", "--answer", "greeting=na"]
    code, out, _ = cli(data, store, *args, "--reviewer", "Ana")
    assert code == 0
    assert "Saved a draft" in out and "Not answered: empathy, resolution." in out
    code, out, _ = cli(data, store, *args, "--reviewer", "Ana", "--json")
    assert code == 0 and json.loads(out)["draft"] is True and json.loads(out)["score"] is None
    code, out, _ = cli(data, store, "scores", "list", "--json")
    assert json.loads(out) == []  # drafts are left out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--answer", "tone=yes"], "no criterion 'tone'"),
        (["--answer", "empathy=9"], "'9' is not an answer to 'empathy'"),
        (["--answer", "resolution=na"], "'resolution' cannot be answered N/A"),
        (["--answer", "greeting"], "write ID=VALUE"),
        (["--answer", "greeting=yes", "--answer", "greeting=no"], "names 'greeting' twice"),
        (["--comment", "tone=hm"], "no criterion 'tone'"),
    ],
)
def test_score_refuses_bad_answers(
    data: Path, store: MemorySecretStore, argv: list[str], message: str
) -> None:
    imported(data, store)
    code, out, err = cli(data, store, "score", "call_000000", "--scorecard", "Support QA", *argv)
    assert code == 2 and message in err and out == ""
    library = open_library(data)
    try:
        assert library.scores(CallRef("ringyo", "call_000000")) == []  # nothing saved
    finally:
        library.close()


def test_score_unknown_call_or_scorecard(data: Path, store: MemorySecretStore) -> None:
    imported(data, store)
    code, _, err = cli(data, store, "score", "call_999999", "--scorecard", "Support QA", *ANSWERS)
    assert code == 2 and "call_999999" in err
    code, _, err = cli(data, store, "score", "call_000000", "--scorecard", "Nope", *ANSWERS)
    assert code == 2 and "No scorecard is named 'Nope'" in err
    with pytest.raises(SystemExit) as info:  # argparse: a required option
        cli(data, store, "score", "call_000000", *ANSWERS)
    assert info.value.code == 2


def test_reviewer_defaults_to_the_settings_then_the_login(
    data: Path, store: MemorySecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings

    imported(data, store)
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    args = ["score", "call_000000", "--scorecard", "Support QA", *ANSWERS, "--json"]
    code, out, _ = cli(data, store, *args)
    assert code == 0 and json.loads(out)["reviewer"] == "login-name"
    settings = QSettings(str(data / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("review/reviewer", 'Ana "QA", Lead')
    settings.sync()
    code, out, _ = cli(data, store, *args)
    assert code == 0 and json.loads(out)["reviewer"] == 'Ana "QA", Lead'
    code, out, _ = cli(data, store, *args, "--reviewer", "Bo")
    assert code == 0 and json.loads(out)["reviewer"] == "Bo"


def test_scores_list_and_export(data: Path, store: MemorySecretStore) -> None:
    imported(data, store)
    for call, reviewer in (("call_000000", "Ana"), ("call_000001", "Bo")):
        code, _, err = cli(
            data, store, "score", call, "--scorecard", "Support QA", "--reviewer", reviewer,
            *ANSWERS,
        )  # fmt: skip
        assert code == 0, err
    code, _, _ = cli(
        data, store, "score", "call_000002", "--scorecard", "Sales QA", "--reviewer", "Ana",
        "--answer", "disclosure=no", "--answer", "empathy=4", "--answer", "outcome=Booked",
    )  # fmt: skip
    assert code == 0

    code, out, _ = cli(data, store, "scores", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert list(rows[0]) == [*FIXED_COLUMNS, "answers"]
    assert rows[0]["answers"] == {"greeting": "yes", "empathy": "4", "resolution": "Resolved"}
    assert rows[0]["score"] == 95.8 and rows[0]["agent"] == "agent_0"
    code, out, _ = cli(data, store, "scores", "list", "--json", "--reviewer", "Bo")
    assert [r["call_ref"] for r in json.loads(out)] == ["ringyo:call_000001"]
    code, out, _ = cli(data, store, "scores", "list", "--json", "--agent", "agent_2")
    assert [(r["call_ref"], r["result"]) for r in json.loads(out)] == [
        ("ringyo:call_000002", "fail")
    ]
    code, out, _ = cli(
        data, store, "scores", "list", "--json", "--since", "2026-11-01T11:59", "--until",
        "2026-11-02",
    )  # fmt: skip
    assert [r["call_ref"] for r in json.loads(out)] == ["ringyo:call_000000", "ringyo:call_000001"]
    code, out, _ = cli(data, store, "scores", "list", "--scorecard", "Nope")
    assert code == 0 and out.strip() == "No scorecards match."
    code, out, _ = cli(data, store, "scores", "list")
    assert "ringyo:call_000000\tSupport QA v1\tAna\t95.8\tpass\t" in out
    with pytest.raises(SystemExit) as info:
        cli(data, store, "scores", "list", "--since", "yesterday")
    assert info.value.code == 2

    target = data.parent / "scores.csv"
    code, out, _ = cli(data, store, "scores", "export", "--output", str(target))
    assert code == 0 and "Wrote 3 scorecard(s)" in out
    with target.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == [
        *FIXED_COLUMNS,
        "disclosure",
        "empathy",
        "outcome",
        "greeting",
        "resolution",
        "note",
    ]
    assert [(r["call_ref"], r["score"], r["disclosure"]) for r in rows] == [
        ("ringyo:call_000000", "95.8", ""),
        ("ringyo:call_000001", "95.8", ""),
        ("ringyo:call_000002", "66.7", "no"),
    ]
    code, out, _ = cli(data, store, "scores", "export", "--output", "-", "--scorecard", "Sales QA")
    only = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["call_ref"] for r in only] == ["ringyo:call_000002"]
    code, _, err = cli(data, store, "scores", "export", "--output", str(data / "no" / "x.csv"))
    assert code != 0 and "does not exist" in err
