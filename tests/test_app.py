"""The entry point: argv parsing, files opened from the desktop, and the demo's temporary copy."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from callreview import app, cli
from callreview import workspace as workspace_module
from callreview.domain import CallRef, ConfigError, StorageError
from callreview.domain.display import format_start
from callreview.library import CallQuery, SqliteLibrary
from callreview.library import sample as sample_module
from callreview.library.bundle import export_bundle
from callreview.library.sample import (
    DEMO_OWNER_FILE,
    DEMO_PREFIX,
    import_sample,
    make_demo_dir,
    remove_stale_demo_dirs,
)
from callreview.ui.bundle_dialog import COLUMNS, BundleDialog
from callreview.ui.main_window import MainWindow
from tests.library.helpers import open_library

ROOT = Path(__file__).resolve().parents[1]
ROUNDED_ID = "9b2f6c1a-4e7d-4b8a-a3c5-1d2e3f4a5b6c"
BUNDLED = [
    CallRef("ringyo", "call_7f3a9c21"),
    CallRef("ringyo", "call_b84e0d55"),
    CallRef("rounded", ROUNDED_ID),
]


# helpers shared with tests/ui/test_open_files.py ------------------------------------------


def sample_bundle(tmp_path: Path) -> Path:
    """Three sample calls: one with a recording, a note and the reviewed mark."""
    source = open_library(tmp_path / "bundle-source")
    try:
        import_sample(source)
        source.set_review(CallRef("ringyo", "call_7f3a9c21"), reviewed=True)
        source.add_note(CallRef("ringyo", "call_7f3a9c21"), "Confirms the time", 12_000)
        out = tmp_path / "three.crbundle"
        assert export_bundle(source, BUNDLED, out) == 3
    finally:
        source.close()
    return out


def forged_bundle(bundle: Path, out: Path) -> Path:
    """The same bundle with one call's data edited after export (its checksum no longer fits)."""
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in files if n.endswith(".raw.json"))
    raw = json.loads(files[name])
    raw["to_number"] = "+15550009999"
    files[name] = json.dumps(raw).encode()
    with zipfile.ZipFile(out, "w") as zf:
        for entry, data in files.items():
            zf.writestr(entry, data)
    return out


def library_with(data_dir: Path, keep: list[CallRef]) -> None:
    """A library in `data_dir` holding only these sample calls."""
    library = open_library(data_dir)
    try:
        import_sample(library)
        for ref in library.refs():
            if ref not in keep:
                library.delete(ref)
    finally:
        library.close()


def count(data_dir: Path) -> int:
    library = open_library(data_dir)
    try:
        return library.count(CallQuery())
    finally:
        library.close()


# argv -------------------------------------------------------------------------------------


def test_a_command_runs_the_command_line_even_with_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "main", lambda args: seen.append(list(args)) or 0)
    monkeypatch.setattr(app, "run_gui", lambda options: pytest.fail("opened the window"))
    assert app.main(["--data-dir", str(tmp_path), "calls", "list"]) == 0
    assert seen == [["--data-dir", str(tmp_path), "calls", "list"]]


def test_files_open_the_window_with_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(app, "run_gui", lambda options: opened.append(options) or 0)
    monkeypatch.setattr(cli, "main", lambda args: pytest.fail("ran the command line"))
    bundle, ids = tmp_path / "a.crbundle", tmp_path / "ids.txt"
    assert app.main(["--data-dir", str(tmp_path / "d"), str(bundle), str(ids)]) == 0
    [options] = opened
    assert options.data_dir == tmp_path / "d"  # type: ignore[attr-defined]
    assert options.files == [bundle, ids]  # type: ignore[attr-defined]


def test_a_file_named_like_a_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Decided: a bare command word is the command, even if the folder has a file so named;
    # written as a path (as the desktop always does) it is the file.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fetch").write_text("call_1\n")
    assert app._is_cli(["fetch"])
    assert app._is_cli(["--data-dir", "fetch", "fetch"])
    assert not app._is_cli(["./fetch"])
    assert not app._is_cli([str(tmp_path / "fetch")])
    assert not app._is_cli(["--data-dir", "calls", "ids.txt"])
    opened: list[object] = []
    monkeypatch.setattr(app, "run_gui", lambda options: opened.append(options) or 0)
    assert app.main(["./fetch"]) == 0
    assert opened[0].files == [Path("fetch")]  # type: ignore[attr-defined]
    # A word that is neither a file nor a command is a mistyped command, not a file.
    with pytest.raises(SystemExit) as exited:
        app.main(["fecth"])
    assert exited.value.code == 2
    assert "'fecth' is neither a command" in capsys.readouterr().err
    assert len(opened) == 1


# the demo's temporary copy ----------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def demo_dir_with_owner(base: Path, name: str, pid: int | None) -> Path:
    path = base / f"{DEMO_PREFIX}{name}"
    path.mkdir()
    (path / "window.ini").write_text("[General]\n")
    if pid is not None:
        (path / DEMO_OWNER_FILE).write_text(f"{pid}\n")
    return path


def test_make_demo_dir_marks_its_owner(tmp_path: Path) -> None:
    demo = make_demo_dir(tmp_path)
    assert demo.parent == tmp_path and demo.name.startswith(DEMO_PREFIX)
    assert (demo / DEMO_OWNER_FILE).read_text().strip() == str(os.getpid())
    assert count(demo) == 6


def test_only_copies_of_dead_processes_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live_child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        dead = demo_dir_with_owner(tmp_path, "dead", dead_pid())
        mine = demo_dir_with_owner(tmp_path, "mine", os.getpid())
        other_live = demo_dir_with_owner(tmp_path, "live", live_child.pid)
        unmarked = demo_dir_with_owner(tmp_path, "unmarked", None)
        (unmarked / "library.sqlite3").write_bytes(b"")
        settings_only = demo_dir_with_owner(tmp_path, "settings-only", None)
        target = demo_dir_with_owner(tmp_path, "target", dead_pid())
        link = tmp_path / f"{DEMO_PREFIX}link"
        link.symlink_to(target)
        unrelated = tmp_path / "something-else"
        unrelated.mkdir()
        (unrelated / DEMO_OWNER_FILE).write_text(f"{dead_pid()}\n")
        assert remove_stale_demo_dirs(tmp_path) == [dead, settings_only, target]
        assert not dead.exists() and not target.exists() and not settings_only.exists()
        for kept in (mine, other_live, unmarked, unrelated):
            assert kept.is_dir()
        assert link.is_symlink()  # the link itself is not a folder: left alone
        # Another user's copy is never touched, dead owner or not.
        theirs = demo_dir_with_owner(tmp_path, "theirs", dead_pid())
        monkeypatch.setattr(os, "getuid", lambda: os.stat(theirs).st_uid + 1)
        assert remove_stale_demo_dirs(tmp_path) == []
        assert theirs.is_dir()
    finally:
        live_child.kill()
        live_child.wait()


def test_make_demo_dir_removes_stale_copies(tmp_path: Path) -> None:
    stale = demo_dir_with_owner(tmp_path, "stale", dead_pid())
    demo = make_demo_dir(tmp_path)
    assert not stale.exists()
    assert sorted(tmp_path.iterdir()) == [demo]


def test_a_missing_sample_library_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "installed" / "sample"
    empty.mkdir(parents=True)
    monkeypatch.setattr(sample_module, "sample_root", lambda: empty)
    temp = tmp_path / "tmp"
    temp.mkdir()
    with pytest.raises(ConfigError) as caught:
        make_demo_dir(temp)
    assert str(caught.value) == (
        f"Reinstall CallReview: the installed copy has no sample library at {empty}."
    )
    assert list(temp.iterdir()) == []


def test_an_incomplete_sample_library_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial = tmp_path / "installed" / "sample"
    partial.mkdir(parents=True)
    real = Path(str(sample_module.sample_root()))
    (partial / "manifest.json").write_bytes((real / "manifest.json").read_bytes())
    monkeypatch.setattr(sample_module, "sample_root", lambda: partial)
    temp = tmp_path / "tmp"
    temp.mkdir()
    with pytest.raises(ConfigError, match=r"Reinstall CallReview: .* is incomplete \(calls/"):
        make_demo_dir(temp)
    assert list(temp.iterdir()) == []


@pytest.fixture
def process_state(qapp: QApplication) -> Iterator[None]:
    """run_gui sets process-wide things (excepthook, logging, the loop): put them back."""
    root = logging.getLogger()
    level, hook = root.level, sys.excepthook
    quit_on_close = qapp.quitOnLastWindowClosed()
    handlers = [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)]
    yield
    for handler in list(root.handlers):
        if getattr(handler, "_callreview", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    sys.excepthook = hook
    qapp.setQuitOnLastWindowClosed(quit_on_close)
    asyncio.set_event_loop(None)
    assert [signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)] == handlers


@pytest.fixture
def critical(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Error boxes recorded instead of shown (a modal box would wait forever offscreen)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    return shown


def test_a_failing_start_leaves_no_demo_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_state: None, critical: list[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(*args: object, **kwargs: object) -> None:
        raise StorageError("The library could not be opened: damaged (test).")

    # The library is opened (in a worker thread) before the window shows.
    monkeypatch.setattr(workspace_module.workspace, "SqliteLibrary", broken)
    assert app.main(["--demo"]) == 2
    assert critical and "could not start" in critical[0] and "damaged (test)" in critical[0]
    assert list(tmp_path.glob(f"{DEMO_PREFIX}*")) == []

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(workspace_module.workspace, "SqliteLibrary", bug)
    with pytest.raises(RuntimeError):
        app.main(["--demo"])
    assert list(tmp_path.glob(f"{DEMO_PREFIX}*")) == []

    def refused(*args: object, **kwargs: object) -> None:
        raise StorageError("The folder is not writable (test).")

    monkeypatch.setattr(workspace_module, "build_workspace", refused)
    assert app.main(["--demo"]) == 2
    assert "not writable (test)" in critical[-1]
    assert list(tmp_path.glob(f"{DEMO_PREFIX}*")) == []


def test_a_missing_sample_library_stops_the_demo_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_state: None, critical: list[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(sample_module, "sample_root", lambda: empty)
    assert app.main(["--demo"]) == 2
    assert "Reinstall CallReview" in critical[0]
    assert list(tmp_path.glob(f"{DEMO_PREFIX}*")) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_starting_leaves_no_demo_copy(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process_state: None
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real_import = sample_module.import_sample
    made: list[Path] = []

    def import_then_get_killed(library: SqliteLibrary, root: object = None) -> int:
        made.extend(tmp_path.glob(f"{DEMO_PREFIX}*"))
        real_import(library)
        os.kill(os.getpid(), signum)
        time.sleep(10)  # the handler interrupts this
        pytest.fail("the signal was not handled")

    monkeypatch.setattr(sample_module, "import_sample", import_then_get_killed)
    with pytest.raises(SystemExit) as exited:
        app.main(["--demo"])
    assert exited.value.code == 128 + signum
    assert made and not made[0].exists()
    assert list(tmp_path.glob(f"{DEMO_PREFIX}*")) == []


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    log = tmp_path / "stderr.txt"
    env = {
        **os.environ,
        "TMPDIR": str(temp),
        "QT_QPA_PLATFORM": "offscreen",
        "QT_API": "pyside6",
    }
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "callreview", "--demo", "--verbose"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    return proc, temp, log


def wait_for(predicate: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"the app exited ({proc.returncode}): {log.read_text()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"timed out: {log.read_text()}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_quits_the_demo_and_removes_its_copy(tmp_path: Path, signum: int) -> None:
    (tmp_path / "tmp").mkdir()
    stale = demo_dir_with_owner(tmp_path / "tmp", "stale", dead_pid())
    in_use = demo_dir_with_owner(tmp_path / "tmp", "in-use", os.getpid())
    proc, temp, log = start_demo(tmp_path)
    try:
        wait_for(lambda: "window shown" in log.read_text(), proc, log)
        [demo] = [p for p in temp.glob(f"{DEMO_PREFIX}*") if p != in_use]
        assert (demo / DEMO_OWNER_FILE).read_text().strip() == str(proc.pid)
        assert not stale.exists()  # removed at this start: its process is gone
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert f"quitting on signal {int(signum)}" in log.read_text()
    assert not demo.exists()
    assert in_use.is_dir()  # a copy whose process is alive is never removed
    assert "Traceback" not in log.read_text()


# files given on the command line ----------------------------------------------------------


def run_window(
    qapp: QApplication, data_dir: Path, argv: list[str], drive: Callable[[MainWindow], None]
) -> None:
    """`app.main(argv)` for real; `drive` runs inside its event loop, then the window closes."""
    errors: list[BaseException] = []

    def start() -> None:
        windows = [
            w
            for w in qapp.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible() and w.workspace.data_dir == data_dir
        ]
        if not windows:
            QTimer.singleShot(50, start)
            return
        try:
            drive(windows[0])
        except BaseException as exc:
            errors.append(exc)
        finally:
            windows[0].close()

    def give_up() -> None:
        errors.append(TimeoutError("the window did not close"))
        qapp.exit(1)

    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(give_up)
    guard.start(60_000)
    QTimer.singleShot(0, start)
    try:
        assert app.main(argv) == 0
    finally:
        guard.stop()
    if errors:
        raise errors[0]


def test_the_window_shows_with_its_list_and_closes_the_library(
    tmp_path: Path,
    qapp: QApplication,
    qtbot: QtBot,
    process_state: None,
    critical: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    library_with(data, [CallRef("ringyo", "call_b84e0d55"), CallRef("rounded", ROUNDED_ID)])
    at_show: list[int] = []
    real_show = MainWindow.show

    def show(window: MainWindow) -> None:
        at_show.append(window.model.total)  # the first page is read off the GUI thread
        real_show(window)

    monkeypatch.setattr(MainWindow, "show", show)
    closed: list[bool] = []
    real_aclose = workspace_module.Workspace.aclose

    async def aclose(ws: workspace_module.Workspace) -> None:
        await real_aclose(ws)
        closed.append(True)

    monkeypatch.setattr(workspace_module.Workspace, "aclose", aclose)
    run_window(qapp, data, ["--data-dir", str(data)], lambda window: None)
    # Shown once, already holding its calls (as when the list was read before showing),
    # and the Workspace closed by app.py once the window had shut down.
    assert at_show == [2]
    assert closed == [True]
    assert critical == []


def test_a_bundle_given_to_the_app_is_shown_then_imported(
    tmp_path: Path, qapp: QApplication, qtbot: QtBot, process_state: None, critical: list[str]
) -> None:
    bundle = sample_bundle(tmp_path)
    data = tmp_path / "data"
    library_with(data, [CallRef("ringyo", "call_b84e0d55")])
    assert count(data) == 1
    seen: dict[str, object] = {}

    def drive(window: MainWindow) -> None:
        qtbot.waitUntil(lambda: bool(window.findChildren(BundleDialog)), timeout=10_000)
        [dialog] = window.findChildren(BundleDialog)
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10_000)
        model = dialog.model
        rows = {
            model.item(r, 0).text(): [model.item(r, c).text() for c in range(len(COLUMNS))]
            for r in range(model.rowCount())
        }
        seen["rows"] = rows
        seen["info"] = dialog.info.text()
        seen["visible"] = dialog.isVisible()
        dialog.import_button.click()
        qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
        qtbot.waitUntil(lambda: window.model.total == 3, timeout=5_000)
        seen["message"] = window.message_bar.label.text()
        seen["closed"] = not dialog.isVisible()

    run_window(qapp, data, ["--data-dir", str(data), str(bundle)], drive)
    assert seen["visible"]
    rows = seen["rows"]
    assert isinstance(rows, dict)
    assert set(rows) == {f"{r.provider.capitalize()} {r.call_id}" for r in BUNDLED}
    source = open_library(tmp_path / "bundle-source")
    try:
        stored = source.get(CallRef("ringyo", "call_7f3a9c21"))
        assert stored is not None
        started = format_start(stored.call.started_at or stored.call.created_at)
    finally:
        source.close()
    first = rows["Ringyo call_7f3a9c21"]
    assert first[1] == started and first[1]
    assert first[5:] == ["yes", "1", "new"]
    assert rows["Ringyo call_b84e0d55"][5:] == ["", "", "already there"]
    assert rows[f"Rounded {ROUNDED_ID}"][5:] == ["yes", "", "new"]
    assert "3 call(s), 2 recording(s) and 1 note(s)" in str(seen["info"])
    assert "Imported 2 new call(s)" in str(seen["message"])
    assert seen["closed"]
    assert count(data) == 3
    library = open_library(data)
    try:
        imported = library.get(CallRef("ringyo", "call_7f3a9c21"))
        assert imported is not None and imported.recording is not None
        assert [n.text for n in imported.review.notes] == ["Confirms the time"]
    finally:
        library.close()
    assert critical == []


def test_an_id_file_and_a_forged_bundle_given_to_the_app(
    tmp_path: Path, qapp: QApplication, qtbot: QtBot, process_state: None, critical: list[str]
) -> None:
    forged = forged_bundle(sample_bundle(tmp_path), tmp_path / "forged.crbundle")
    ids = tmp_path / "calls.csv"
    ids.write_text("started_at,call_id,from\n2026-01-01,call_a1,+1555\n2026-01-02,call_b2,+1556\n")
    data = tmp_path / "data"
    seen: dict[str, object] = {}

    def drive(window: MainWindow) -> None:
        qtbot.waitUntil(lambda: window._fetch_dialog is not None, timeout=10_000)
        fetch = window._fetch_dialog
        assert fetch is not None
        qtbot.waitUntil(lambda: bool(fetch.ids.toPlainText()), timeout=5_000)
        seen["ids"] = fetch.ids.toPlainText()
        seen["fetch_visible"] = fetch.isVisible()
        qtbot.waitUntil(lambda: bool(window.findChildren(BundleDialog)), timeout=10_000)
        [dialog] = window.findChildren(BundleDialog)
        qtbot.waitUntil(lambda: bool(dialog.status.text()), timeout=10_000)
        seen["error"] = dialog.status.text()
        seen["import_enabled"] = dialog.import_button.isEnabled()
        seen["start_import"] = dialog.start_import()

    run_window(qapp, data, ["--data-dir", str(data), str(ids), str(forged)], drive)
    assert seen["ids"] == "call_a1\ncall_b2" and seen["fetch_visible"]
    assert "checksum mismatch" in str(seen["error"]) and "Refused" in str(seen["error"])
    assert seen["import_enabled"] is False and seen["start_import"] is None
    assert count(data) == 0
    assert critical == []


_STARTED_CHILD = r"""
import gc, os, sys
import callreview.app as app_module
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from callreview.ui.main_window import MainWindow

original = MainWindow._after_first_paint

def after_first_paint(self):
    original(self)
    def report():
        app = QApplication.instance()
        frozen = gc.get_freeze_count() > 0
        print("icon", not app.windowIcon().isNull(), "gc", gc.isenabled(), frozen, flush=True)
        os._exit(0)
    QTimer.singleShot(0, report)

MainWindow._after_first_paint = after_first_paint
gc_during_start = []
original_build = MainWindow._build_call_view
def build(self):
    gc_during_start.append(gc.isenabled())
    original_build(self)
    print("gc while building", gc_during_start, flush=True)
MainWindow._build_call_view = build
app_module.main(["--data-dir", sys.argv[1]])
"""


def test_the_window_icon_and_garbage_collection_come_back_after_the_first_paint(
    tmp_path: Path,
) -> None:
    from callreview.library.sample import make_demo_dir, remove_demo_dir

    demo = make_demo_dir(tmp_path)
    try:
        out = subprocess.run(
            [sys.executable, "-c", _STARTED_CHILD, str(demo)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    finally:
        remove_demo_dir(demo)
    assert "gc while building [False]" in out.stdout, out.stdout + out.stderr[-2000:]
    assert "icon True gc True True" in out.stdout, out.stdout + out.stderr[-2000:]
