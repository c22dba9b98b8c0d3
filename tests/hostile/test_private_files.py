"""Issue 13 item 10: private by default. Under the ordinary umask 022 the data directory and
its folders are 0700 and the library, its WAL, the account list, the logs and the recordings
0600, like ssh and gpg keep theirs; an older library is tightened when it opens. Exports are
the user's files and keep the mode the umask gives them."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from callreview.library.sqlite import SqliteLibrary
from callreview.logs import PrivateRotatingFileHandler, setup_logging
from callreview.paths import ensure_data_dir, ensure_private_dir, private_opener
from callreview.redaction import Redactor
from callreview.secrets import MemorySecretStore
from callreview.workspace.workspace import _map_raw
from tests.cli_helpers import run_cli
from tests.conftest import RINGYO_KEY
from tests.standin import StandinServer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture(autouse=True)
def no_log_handlers() -> Iterator[None]:
    yield
    setup_logging(Redactor(), None)  # close the file handlers the CLI opened under tmp_path


@pytest.fixture
def store() -> MemorySecretStore:
    return MemorySecretStore()


def private_tree(data_dir: Path) -> dict[str, int]:
    """Every folder and file under data_dir with a mode that another user could read."""
    loose = {}
    for path in [data_dir, *data_dir.rglob("*")]:
        if path.is_dir() and mode(path) != 0o700:
            loose[str(path)] = mode(path)
        elif path.is_file() and mode(path) != 0o600:
            loose[str(path)] = mode(path)
    return loose


def test_a_new_library_from_the_command_line_is_private(
    tmp_path: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    data_dir = tmp_path / "new" / "CallReview"
    code, _, err = run_cli(
        ["accounts", "add", "acme", "--provider", "ringyo", "--base-url", server.ringyo_base],
        data_dir,
        store,
        RINGYO_KEY + "\n",
    )
    assert code == 0, err
    code, _, err = run_cli(["fetch", "--account", "acme", "call_xyz789"], data_dir, store)
    assert code == 0, err
    assert mode(data_dir) == 0o700 and mode(data_dir.parent) == 0o700  # both were missing
    assert mode(data_dir / "accounts.json") == 0o600
    assert mode(data_dir / "logs") == 0o700
    assert mode(data_dir / "logs" / "callreview.log") == 0o600
    assert mode(data_dir / "recordings") == 0o700
    [recording] = (data_dir / "recordings").iterdir()
    # The final file is the renamed .part: it was created 0600.
    assert recording.suffix in (".mp3", ".wav") and mode(recording) == 0o600
    assert mode(data_dir / "library.sqlite3") == 0o600
    assert private_tree(data_dir) == {}


def test_library_wal_and_shm_are_private_while_open(tmp_path: Path) -> None:
    library = SqliteLibrary(tmp_path / "data", mapper=_map_raw)
    try:
        assert library.integrity_check() == "ok"  # the migrations wrote through the WAL
        data = tmp_path / "data"
        wal, shm = data / "library.sqlite3-wal", data / "library.sqlite3-shm"
        assert wal.exists() and shm.exists()
        assert mode(data / "library.sqlite3") == 0o600
        assert mode(wal) == 0o600 and mode(shm) == 0o600
        assert mode(data) == 0o700 and mode(data / "recordings") == 0o700
    finally:
        library.close()


def test_an_older_library_is_tightened_when_it_opens(
    tmp_path: Path, store: MemorySecretStore
) -> None:
    data_dir = tmp_path / "CallReview"
    SqliteLibrary(data_dir, mapper=_map_raw).close()
    (data_dir / "logs").mkdir()
    for name in ("library.sqlite3", "accounts.json", "logs/callreview.log", "window.ini"):
        (data_dir / name).touch()
        os.chmod(data_dir / name, 0o644)
    (data_dir / "recordings" / "ringyo_call.mp3").write_bytes(b"ID3")
    for folder in (data_dir, data_dir / "logs", data_dir / "recordings"):
        os.chmod(folder, 0o755)
    code, _, err = run_cli(["calls", "list"], data_dir, store)
    assert code == 0, err
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "logs") == 0o700 and mode(data_dir / "recordings") == 0o700
    assert mode(data_dir / "library.sqlite3") == 0o600
    assert mode(data_dir / "logs" / "callreview.log") == 0o600
    assert mode(data_dir / "accounts.json") == 0o600 and mode(data_dir / "window.ini") == 0o600


def test_a_shared_folder_given_as_data_dir_keeps_its_mode_but_our_files_are_private(
    tmp_path: Path, store: MemorySecretStore
) -> None:
    shared = tmp_path / "Documents"
    shared.mkdir()
    os.chmod(shared, 0o755)
    (shared / "notes.txt").write_text("the user's own file")
    code, _, err = run_cli(["calls", "list"], shared, store)
    assert code == 0, err
    assert mode(shared) == 0o755  # not ours alone: left as the user made it
    assert mode(shared / "notes.txt") == 0o644
    assert mode(shared / "library.sqlite3") == 0o600
    assert mode(shared / "logs") == 0o700 and mode(shared / "recordings") == 0o700


def test_rotated_logs_stay_private(tmp_path: Path) -> None:
    handler = PrivateRotatingFileHandler(tmp_path / "x.log", maxBytes=10, backupCount=2)
    try:
        for n in range(3):
            handler.emit(logging.LogRecord("t", logging.INFO, __file__, 1, f"line {n}", None, None))
    finally:
        handler.close()
    logs = sorted(tmp_path.glob("x.log*"))
    assert len(logs) == 3
    assert {mode(p) for p in logs} == {0o600}


def test_helpers(tmp_path: Path) -> None:
    ensure_private_dir(tmp_path / "a" / "b")
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    (tmp_path / "c").mkdir(mode=0o755)
    ensure_private_dir(tmp_path / "c")
    assert mode(tmp_path / "c") == 0o700
    (tmp_path / "d").mkdir(mode=0o755)
    (tmp_path / "d" / "photos").mkdir()
    ensure_data_dir(tmp_path / "d")
    assert mode(tmp_path / "d") == 0o755
    old = tmp_path / "old.part"
    old.write_bytes(b"x")
    os.chmod(old, 0o644)
    with open(old, "r+b", opener=private_opener) as handle:
        handle.write(b"y")
    assert mode(old) == 0o600
    with open(tmp_path / "new.part", "wb", opener=private_opener):
        pass
    assert mode(tmp_path / "new.part") == 0o600
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        ensure_private_dir(tmp_path / "file")


def test_exports_keep_the_users_umask(
    tmp_path: Path, store: MemorySecretStore, server: StandinServer
) -> None:
    data_dir = tmp_path / "data"
    run_cli(
        ["accounts", "add", "acme", "--provider", "ringyo", "--base-url", server.ringyo_base],
        data_dir,
        store,
        RINGYO_KEY,
    )
    code, _, err = run_cli(
        ["fetch", "--account", "acme", "call_xyz789", "--no-recording"], data_dir, store
    )
    assert code == 0, err
    out = tmp_path / "out.csv"
    code, _, err = run_cli(
        ["export", "call_xyz789", "--format", "csv", "--output", str(out)], data_dir, store
    )
    assert code == 0, err
    assert mode(out) == 0o644
