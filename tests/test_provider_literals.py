"""No provider name or label is written out as a string outside callreview/providers/."""

from __future__ import annotations

import ast
from pathlib import Path

from callreview.providers.catalog import PROVIDERS

PACKAGE = Path(__file__).resolve().parents[1] / "callreview"


def provider_literals(source: str, names: frozenset[str]) -> list[tuple[int, str]]:
    """(line, value) of every str constant, f-string parts included, equal to one of `names`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        # f-string parts are Constant nodes inside a JoinedStr, so ast.walk reaches them too.
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            found.append((node.lineno, node.value))
    return found


def test_the_checker_sees_plain_strings_and_fstring_parts() -> None:
    names = frozenset({"acme"})
    source = 'A = "acme"\nB = f"acme{A}"\nC = ("x", "acme")\n"""acme is a word here."""\n'
    # Line 2's f-string part "acme" is a Constant of its own; line 4's docstring is prose.
    assert sorted(provider_literals(source, names)) == [(1, "acme"), (2, "acme"), (3, "acme")]


def test_no_provider_name_literal_outside_providers() -> None:
    # The labels too: a menu item "Ringyo" outside the registry is the same hard-coding.
    names = frozenset(PROVIDERS) | frozenset(spec.label for spec in PROVIDERS.values())
    assert len(PROVIDERS) >= 2  # the registry found the provider packages
    offenders: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "providers":
            continue
        for line, value in sorted(provider_literals(path.read_text(encoding="utf-8"), names)):
            offenders.append(f"callreview/{relative.as_posix()}:{line}: {value!r}")
    assert not offenders, "Provider names belong to callreview/providers/:\n" + "\n".join(offenders)
