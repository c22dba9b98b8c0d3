"""What a wheel ships: every package and every resource (scripts/check-wheel installs one)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Tools for making resources, not resources: they stay in the checkout.
NOT_SHIPPED = {"__init__.py", "sample/make_sample.py"}


def _setuptools() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tool: dict[str, object] = config["tool"]["setuptools"]
    return tool


def test_every_package_in_the_tree_is_listed() -> None:
    listed = set(_setuptools()["packages"])  # type: ignore[call-overload]
    in_tree = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "callreview").rglob("__init__.py")
    }
    assert in_tree | {"callreview.resources"} == listed


def test_every_resource_file_is_package_data() -> None:
    patterns: list[str] = _setuptools()["package-data"]["callreview.resources"]  # type: ignore[index]
    resources = ROOT / "resources"
    files = {
        path.relative_to(resources).as_posix()
        for path in resources.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    unshipped = {
        name
        for name in files - NOT_SHIPPED
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    }
    assert not unshipped, f"resources a wheel would not ship: {sorted(unshipped)}"
