"""Where CallReview keeps its data, and how files are written without ever being half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

ENV_DATA_DIR = "CALLREVIEW_DATA_DIR"


def default_data_dir() -> Path:
    """`$CALLREVIEW_DATA_DIR`, else the per-user app data location (XDG on Linux)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs  # only when no folder is given (tests, --data-dir and the demo skip it)

    return Path(platformdirs.user_data_dir("CallReview", appauthor=False))


# Private by default, like ssh and gpg: the library, recordings, logs and account list are
# the user's alone, whatever the umask. (POSIX modes; Windows keeps its per-user ACLs.)
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# What CallReview keeps in its data directory: a folder holding only these (or nothing) is
# ours, and is made private when the library opens even if something else created it.
DATA_DIR_NAMES = frozenset(
    {
        "library.sqlite3",
        "library.sqlite3-wal",
        "library.sqlite3-shm",
        "library.sqlite3-journal",
        "accounts.json",
        "logs",
        "recordings",
        "window.ini",
        "window.ini.lock",
    }
)


def _ours(st: os.stat_result) -> bool:
    return os.name == "posix" and st.st_uid == os.geteuid()


def ensure_private_dir(path: Path, *, tighten: bool = True) -> None:
    """Create `path` (and any missing parents) with mode 0700, whatever the umask.

    An existing folder of ours is tightened to 0700 too when `tighten` (logs/, recordings/);
    one that belongs to someone else is left alone.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)  # the umask can only take bits away
        except FileExistsError:
            continue  # another process made it first: tightened below if it is the target
        if os.name == "posix":
            os.chmod(folder, PRIVATE_DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    if path not in missing and tighten:
        tighten_mode(path, PRIVATE_DIR_MODE)


def ensure_data_dir(data_dir: Path) -> None:
    """The data directory, created 0700; an existing one is tightened only if it is ours.

    "Ours" means owned by this user and holding nothing but CallReview's own files: a folder
    the user pointed --data-dir at that also holds other things keeps its mode (what is in it
    that is CallReview's is private anyway).
    """
    existed = data_dir.is_dir()
    ensure_private_dir(data_dir, tighten=False)
    for name in ("accounts.json", "window.ini"):  # written by older versions under the umask
        tighten_mode(data_dir / name)
    if existed:
        with contextlib.suppress(OSError):
            names = os.listdir(data_dir)
            if all(n in DATA_DIR_NAMES or n.startswith(".accounts.json.") for n in names):
                tighten_mode(data_dir, PRIVATE_DIR_MODE)


def tighten_mode(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Take away the group and other bits of an existing file or folder of ours (best effort)."""
    with contextlib.suppress(OSError):
        st = os.stat(path)
        if _ours(st) and st.st_mode & 0o777 & ~mode:
            os.chmod(path, st.st_mode & 0o777 & mode)


def private_opener(path: str | os.PathLike[str], flags: int) -> int:
    """An `opener` for open(): a new file is created 0600; an existing one of ours is made so."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    if os.name == "posix":
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_uid == os.geteuid():
                os.fchmod(fd, PRIVATE_FILE_MODE)
    return fd


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
