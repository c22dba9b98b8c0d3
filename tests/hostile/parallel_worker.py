"""Subprocess for the parallel-use tests: `python -m callreview ARGS...`, started on a signal.

Usage: python -m tests.hostile.parallel_worker ARGS...
stdin: the API key (or an empty line), then "go". The worker imports everything, prints
"ready" and waits for "go", so that several workers really start their command at the same
moment instead of whenever their imports happen to finish.

python -m tests.hostile.parallel_worker --open-libraries
stdin: an empty line, then one data folder per line; each is opened as a library (as the
command line opens it) and "ok" or "error: ..." printed, until an empty line.

The key never appears in argv: it is read from stdin and served by an in-process keyring that
replaces the OS one (keyring.set_keyring), which the unchanged `python -m callreview` entry
point then reads as it would read the Secret Service.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError


class OneKeyKeyring(KeyringBackend):
    """A keyring that knows one key, for every account, and refuses to store anything."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, key: str) -> None:
        super().__init__()
        self._key = key

    def get_password(self, service: str, username: str) -> str | None:
        return self._key or None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("the parallel-use test keyring is read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("the parallel-use test keyring is read-only")


def open_libraries() -> None:
    """Many rounds of "open a new library at the same instant" for one process start."""
    from callreview.domain import CallReviewError
    from tests.library.helpers import open_library

    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        try:
            open_library(Path(line.strip())).close()
        except CallReviewError as exc:
            print(f"error: {exc}", flush=True)
        else:
            print("ok", flush=True)


def main(args: list[str]) -> None:
    if args == ["--open-libraries"]:
        sys.stdin.readline()
        open_libraries()
        return
    keyring.set_keyring(OneKeyKeyring(sys.stdin.readline().strip()))
    # Imported before "ready": the start signal then means "run the command now".
    import callreview.app
    import callreview.cli
    import callreview.library.sqlite
    import callreview.providers.registry
    import callreview.workspace  # noqa: F401

    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit(3)
    sys.argv = ["callreview", *args]
    runpy.run_module("callreview", run_name="__main__", alter_sys=True)  # raises SystemExit


if __name__ == "__main__":
    main(sys.argv[1:])
