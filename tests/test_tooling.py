"""The pre-commit hooks run what CI runs, so a commit that passes them passes those checks."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _checks(text: str) -> set[str]:
    found = re.findall(r"\b(ruff check|ruff format --check|mypy|lint-imports --no-cache)\b", text)
    return set(found)


def test_pre_commit_runs_every_static_check_of_ci() -> None:
    ci = _checks((ROOT / "scripts" / "test").read_text(encoding="utf-8"))
    hooks = _checks((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert ci == {"ruff check", "ruff format --check", "mypy", "lint-imports --no-cache"}
    assert hooks == ci


def test_the_pre_commit_configuration_is_valid() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
