"""`callreview tag` and `calls list --tag`: the TIME forms, exit codes, filters, `calls show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.library.helpers import open_library
from tests.standin import seed

ROUNDED_ID = seed.ROUNDED_ANSWERS_ID


@pytest.fixture
def data(tmp_path: Path) -> Path:
    from callreview.providers.ringyo import map_call as ringyo_call
    from callreview.providers.rounded import map_call as rounded_call

    lib = open_library(tmp_path)
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.save_call(rounded_call(seed.rounded_doc_example_with_answers()), "support")
    lib.close()
    return tmp_path


def run(data: Path, *argv: str) -> tuple[int, str, str]:
    return run_cli(list(argv), data, MemorySecretStore())


@pytest.mark.parametrize(
    ("at", "start", "end", "shown"),
    [
        ("0:42", 42_000, 42_000, "@0:42 "),
        ("42", 42_000, 42_000, "@0:42 "),
        ("41.5", 41_500, 41_500, "@0:41 "),
        ("0:00:42", 42_000, 42_000, "@0:42 "),
        ("0:42-0:51", 42_000, 51_000, "@0:42-0:51 "),
        (" 1:02.250 - 1:10 ", 62_250, 70_000, "@1:02-1:10 "),
    ],
)
def test_tag_takes_every_time_form_and_prints_what_it_stored(
    data: Path, at: str, start: int, end: int, shown: str
) -> None:
    code, out, err = run(data, "tag", "call_xyz789", "--at", at, "--tag", "long silence")
    assert code == 0, err
    assert out.startswith("Tagged ringyo:call_xyz789: tag") and shown in out
    code, out, _ = run(data, "calls", "show", "ringyo:call_xyz789", "--json")
    [tag] = json.loads(out)["tags"]
    assert (tag["name"], tag["start_ms"], tag["end_ms"]) == ("long silence", start, end)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--at", "soon", "--tag", "x"], "not a time"),
        (["--at", "0:51-0:42", "--tag", "x"], "ends before it starts"),
        (["--at", "0:42-", "--tag", "x"], "not a time"),
        (["--at", "-5", "--tag", "x"], "not a time"),
        (["--at", "1:00:00", "--tag", "x"], "after the end"),
        (["--at", "0:42", "--tag", " "], "tag name is empty"),
        (["--at", "0:42", "--tag", "x" * 61], "longer than 60"),
        (["--at", "0:42", "--tag", "a\nb"], "can't be shown"),
        (["--at", "0:42", "--tag", "ok", "--comment", "x" * 2001], "longer than 2000"),
    ],
)
def test_a_bad_time_or_name_exits_2_and_stores_nothing(
    data: Path, argv: list[str], words: str
) -> None:
    code, out, err = run(data, "tag", "ringyo:call_xyz789", *argv)
    assert code == 2 and words in err and out == ""
    code, out, _ = run(data, "calls", "show", "ringyo:call_xyz789", "--json")
    assert json.loads(out)["tags"] == []


def test_tagging_an_unknown_call_exits_2(data: Path) -> None:
    code, _, err = run(data, "tag", "ringyo:nope", "--at", "0:01", "--tag", "x")
    assert code == 2 and "no call" in err


def test_calls_list_keeps_the_calls_with_every_tag(data: Path) -> None:
    for ref, tag in (
        ("call_xyz789", "hallucination"),
        ("call_xyz789", "Long silence"),
        (ROUNDED_ID, "HALLUCINATION"),
    ):
        assert run(data, "tag", ref, "--at", "0:10", "--tag", tag)[0] == 0

    def listed(*tags: str) -> list[str]:
        argv = ["calls", "list", "--json"]
        for tag in tags:
            argv += ["--tag", tag]
        code, out, err = run(data, *argv)
        assert code == 0, err
        return sorted(row["call_id"] for row in json.loads(out))

    assert listed("hallucination") == sorted(["call_xyz789", ROUNDED_ID])
    assert listed("hallucination", "long silence") == ["call_xyz789"]
    assert listed("long silence", "nothing like it") == []
    code, out, _ = run(data, "calls", "list", "--tag", "nothing like it")
    assert code == 0 and out.strip() == "No calls match."


def test_calls_show_prints_each_tag_on_one_line(data: Path) -> None:
    code, _, err = run(
        data,
        "tag",
        "call_xyz789",
        "--at",
        "0:42-0:51",
        "--tag",
        "hallucination",
        "--comment",
        "made up a\nrefund rule",
    )
    assert code == 0, err
    code, out, _ = run(data, "calls", "show", "call_xyz789")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("tag ")]
    [line] = lines
    assert line.startswith("tag @0:42-0:51 hallucination by ")
    assert line.endswith(": made up a refund rule")
