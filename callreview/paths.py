"""Where CallReview keeps its data, and how files are written without ever being half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "CALLREVIEW_DATA_DIR"


def default_data_dir() -> Path:
    """`$CALLREVIEW_DATA_DIR`, else the per-user app data location (XDG on Linux)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("CallReview", appauthor=False))


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temp file beside `path`, fsync it, rename over `path`, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    # Without this the rename itself may not survive a crash (POSIX only; Windows has no dir fds).
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
