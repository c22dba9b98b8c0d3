"""Running the command line in-process with an in-memory key store."""

from __future__ import annotations

import io
from pathlib import Path

from callreview import cli
from callreview.secrets import MemorySecretStore


def run_cli(
    argv: list[str], data_dir: Path, store: MemorySecretStore, stdin: str = ""
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["--data-dir", str(data_dir), *argv],
        secrets=store,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()
