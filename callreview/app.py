"""Composition root and the `callreview` entry point."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """`callreview COMMAND ...` runs the command line."""
    from callreview import cli

    return cli.main(list(sys.argv[1:] if argv is None else argv))
