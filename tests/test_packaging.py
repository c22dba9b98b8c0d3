"""The Debian package's generated man page and its lintian overrides."""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from callreview import CLI_COMMANDS, __version__
from callreview.app import _gui_parser
from callreview.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _load_make_manpage() -> ModuleType:
    # packaging/ is a folder of build scripts, not a package.
    spec = importlib.util.spec_from_file_location(
        "make_manpage", ROOT / "packaging" / "make_manpage.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_manpage = _load_make_manpage()


def _roff(text: str) -> str:
    return text.replace("-", "\\-")


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    # Independent of make_manpage.commands(), so that a bug there cannot hide a command.
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _walk(child, (*path, name))
    return found


@pytest.fixture(scope="module")
def page() -> str:
    text: str = make_manpage.callreview_page()
    return text


def test_every_command_and_action_has_a_section(page: str) -> None:
    paths = [path for path, _ in _walk(build_parser()) if path]
    assert {path[0] for path in paths} == set(CLI_COMMANDS)
    assert ("accounts", "add") in paths and ("bundle", "import") in paths
    for path in paths:
        assert f'.SS "{_roff(" ".join(path))}"' in page, f"no section for {' '.join(path)}"


def test_every_option_of_every_parser_is_listed(page: str) -> None:
    parsers = [parser for _, parser in _walk(build_parser())] + [_gui_parser()]
    options = {
        name
        for parser in parsers
        for action in parser._actions
        for name in action.option_strings
        if name not in ("-h", "--help")
    }
    assert {"--self-test", "--demo", "--install-desktop-entry", "--output", "--account"} <= options
    for name in options:
        assert f"\\fB{_roff(name)}\\fR" in page, f"{name} is not in the man page"


def test_the_windows_positional_arguments_are_listed(page: str) -> None:
    positionals = [a for a in _gui_parser()._actions if not a.option_strings]
    for action in positionals:
        assert _roff(str(action.metavar or action.dest)) in page


def test_a_command_added_to_the_parser_appears_without_editing_the_generator() -> None:
    cli = build_parser()
    sub = next(a for a in cli._actions if isinstance(a, argparse._SubParsersAction))
    extra = sub.add_parser("frobnicate", help="a command that does not exist")
    extra.add_argument(
        "--widget-count", type=int, default=3, help="how many (default: %(default)s)"
    )
    page = make_manpage.render(_gui_parser(), cli, "9.9", "2030-01-02", [(0, "fine")])
    assert '.SS "frobnicate"' in page
    assert "\\fB\\-\\-widget\\-count\\fR \\fIWIDGET_COUNT\\fR" in page
    assert "how many (default: 3)" in page
    assert '.TH CALLREVIEW 1 "2030-01-02" "CallReview 9.9"' in page


def test_the_page_names_this_version_and_the_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    page = make_manpage.callreview_page()
    assert f'.TH CALLREVIEW 1 "2023-11-14" "CallReview {__version__}"' in page


def test_help_text_that_looks_like_roff_is_printed_as_written() -> None:
    gui = argparse.ArgumentParser(prog="callreview", description=".so /etc/passwd")
    gui.add_argument("--path", help="'quoted' start, a \\fB backslash and -x --long")
    page = make_manpage.render(gui, argparse.ArgumentParser(prog="callreview"), "1", "d", [])
    requests = [line for line in page.splitlines() if line.startswith((".", "'"))]
    assert all(re.match(r'\.(\\"|(TH|ad|nh|SH|SS|TP|PP|br)\b)', line) for line in requests)
    assert "\\&.so /etc/passwd" in page
    assert "\\&'quoted' start, a \\efB backslash and \\-x \\-\\-long" in page


@pytest.mark.skipif(shutil.which("groff") is None, reason="needs groff (groff-base)")
def test_groff_renders_the_page_without_warnings(page: str) -> None:
    result = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-z"],
        input=page,
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.skipif(shutil.which("groff") is None, reason="needs groff (groff-base)")
def test_a_long_choice_list_wraps_instead_of_overflowing_the_line() -> None:
    cli = argparse.ArgumentParser(prog="callreview")
    choices = [f"choice_number_{n}" for n in range(12)]
    cli.add_subparsers().add_parser("pick").add_argument("--one", choices=choices)
    page = make_manpage.render(argparse.ArgumentParser(prog="callreview"), cli, "1", "d", [])
    result = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", "-P-cbou"],  # plain text, to measure
        input=page,
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
    )
    assert result.stderr == ""
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_every_lintian_override_has_its_reason_on_the_line_above() -> None:
    path = ROOT / "packaging" / "debian" / "callreview.lintian-overrides"
    lines = path.read_text().splitlines()
    overrides = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    assert overrides
    for i in overrides:
        assert lines[i].startswith("callreview: ")
        assert i > 0 and lines[i - 1].startswith("# "), f"no reason for {lines[i]}"
