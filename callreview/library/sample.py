"""The bundled sample library: provider JSON and real speech recordings, imported on demand."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from callreview.domain import CallRef, ConfigError, RecordingFile, StorageError
from callreview.library.api import Library

log = logging.getLogger(__name__)

SAMPLE_ACCOUNT = "sample"
DEMO_PREFIX = "callreview-demo-"
# Inside each demo copy: the pid of the process using it, so that a later start can tell a
# copy left behind (its process is gone: killed, crashed) from one still in use.
DEMO_OWNER_FILE = "owner.pid"
# Before owner files, a window could write its settings into a copy already removed, which
# created the folder again holding only those: never a copy in use (a demo always has its
# library), so removed at the next start too.
_SETTINGS_ONLY = frozenset({"window.ini", "window.ini.lock"})


def sample_root() -> Traversable:
    """The installed copy (`callreview.resources`), or the checkout's `resources/` folder."""
    try:
        return resources.files("callreview.resources").joinpath("sample")
    except ModuleNotFoundError:
        # Running from a source checkout, where `callreview` is imported from the work tree.
        return Path(__file__).resolve().parents[2] / "resources" / "sample"


def import_sample(library: Library, root: Traversable | Path | None = None) -> int:
    """Copy every sample call (and its recording) into `library`; the source is only read.

    A missing or incomplete sample library (a broken installation) raises ConfigError.
    """
    from callreview.providers.registry import map_raw_call  # schemas load on first use

    root = root or sample_root()
    if not root.joinpath("manifest.json").is_file():
        raise ConfigError(
            f"Reinstall CallReview: the installed copy has no sample library at {root}."
        )
    manifest = _json(root, "manifest.json")
    count = 0
    for entry in manifest["calls"]:
        provider, call_id = entry["provider"], entry["call_id"]
        raw = _json(root, entry["file"])
        parts = frozenset({"transcript", "recording", "analysis"})
        library.save_call(map_raw_call(provider, raw, parts), SAMPLE_ACCOUNT)
        count += 1
        if entry.get("recording"):
            data = _read(root, entry["recording"])
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry["recording_sha256"]:
                raise ConfigError(
                    f"Reinstall CallReview: the sample recording {entry['recording']} in {root} "
                    "is damaged."
                )
            ref = CallRef(provider, call_id)
            target = library.recording_path(ref, "ogg")
            try:
                target.write_bytes(data)
            except OSError as exc:
                raise StorageError(
                    f"Could not copy the sample library to {target.parent}: {exc.strerror}."
                ) from exc
            library.set_recording(
                ref,
                RecordingFile(
                    target, len(data), digest, "audio/ogg", entry.get("recording_duration_ms")
                ),
            )
    return count


def _json(root: Traversable | Path, name: str) -> Any:
    try:
        return json.loads(_read(root, name))
    except ValueError as exc:
        raise ConfigError(
            f"Reinstall CallReview: the installed sample library at {root} is damaged ({name} "
            "is not valid JSON)."
        ) from exc


def _read(root: Traversable | Path, name: str) -> bytes:
    """A file of the installed sample library; missing or unreadable means a broken install."""
    try:
        return root.joinpath(name).read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"Reinstall CallReview: the installed sample library at {root} is incomplete "
            f"({name}: {exc.strerror or exc})."
        ) from exc


def make_demo_dir(temp_dir: Path | None = None) -> Path:
    """A new temporary data folder holding a fresh copy of the sample library.

    Copies left behind by earlier runs whose process is gone are removed first. On failure
    nothing is left behind. The caller removes the folder when done (remove_demo_dir).
    """
    remove_stale_demo_dirs(temp_dir)
    from callreview.library.sqlite import SqliteLibrary
    from callreview.providers.registry import map_raw_call

    data_dir = Path(tempfile.mkdtemp(prefix=DEMO_PREFIX, dir=temp_dir))
    try:
        (data_dir / DEMO_OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
        library = SqliteLibrary(data_dir, mapper=map_raw_call)
        try:
            import_sample(library)
        finally:
            library.close()
    except BaseException:
        remove_demo_dir(data_dir)
        raise
    return data_dir


def remove_demo_dir(data_dir: Path) -> None:
    """Delete a demo copy; never raises (it runs on the way out, whatever the way)."""
    shutil.rmtree(data_dir, ignore_errors=True)


def remove_stale_demo_dirs(temp_dir: Path | None = None) -> list[Path]:
    """Remove this user's demo copies whose owning process is gone; returns what was removed.

    A copy without a readable owner file is left alone (it may be one being created right
    now, or belong to an older CallReview still running) unless it holds only window
    settings.
    """
    base = Path(temp_dir or tempfile.gettempdir())
    try:
        candidates = sorted(base.glob(f"{DEMO_PREFIX}*"))
    except OSError:
        return []
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed = []
    for path in candidates:
        try:
            info = path.lstat()  # lstat: a symlink named like a demo copy is never followed
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
            continue
        pid = _owner_pid(path)
        if pid is None and not _settings_only(path):
            continue
        if pid is not None and _process_alive(pid):
            continue
        remove_demo_dir(path)
        if not path.exists():
            log.info("removed a demo copy left behind (owner process %s): %s", pid, path)
            removed.append(path)
    return removed


def _settings_only(data_dir: Path) -> bool:
    try:
        names = {entry.name for entry in data_dir.iterdir()}
    except OSError:
        return False
    return bool(names) and names <= _SETTINGS_ONLY


def _owner_pid(data_dir: Path) -> int | None:
    try:
        pid = int((data_dir / DEMO_OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    return pid if pid > 0 else None


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # on Windows, os.kill(pid, 0) would send Ctrl+C: never guess there
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else (EPERM), or we cannot tell
    return True
