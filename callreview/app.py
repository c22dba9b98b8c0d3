"""Composition root: the `callreview` entry point, QApplication, qasync loop, Workspace."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from callreview import APP_ID, APP_NAME, CLI_COMMANDS, __version__

if TYPE_CHECKING:
    from callreview.ui.main_window import MainWindow
    from callreview.workspace import Workspace

log = logging.getLogger(__name__)


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callreview",
        description="Review what voice-AI phone agents actually said. With no command, opens "
        "the window; commands (accounts, fetch, calls, export, bundle) run on the command "
        "line: see 'callreview COMMAND --help'.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="open these in the window: a bundle (.crbundle) is shown, then imported if you "
        "agree; a text or CSV file of call IDs fills in the fetch dialog. A file named like "
        "a command must be written as a path (./fetch)",
    )
    parser.add_argument("--version", action="version", version=f"CallReview {__version__}")
    parser.add_argument("--data-dir", type=Path, help="the library and settings folder")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open a copy of the bundled sample library in a temporary folder",
    )
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add CallReview to your applications menu (for pip/pipx installs)",
    )
    parser.add_argument(
        "--uninstall-desktop-entry", action="store_true", help="remove that menu entry"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window on the sample library, play a second of audio, export a PDF; "
        "exit 0 if all worked",
    )
    return parser


def _is_cli(argv: Sequence[str]) -> bool:
    """A command line when the first positional is a command, even if a file has that name.

    The desktop always passes absolute paths (Exec=callreview %F), and a person can write
    ./fetch for a file named "fetch"; a command word meaning a file would be a surprise.
    """
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
            continue
        if arg == "--data-dir":
            skip_next = True
            continue
        if not arg.startswith("-"):
            return arg in CLI_COMMANDS
    return False


def _check_files(parser: argparse.ArgumentParser, files: Sequence[Path]) -> None:
    # A word that is neither a file nor a command is most likely a mistyped command: say so
    # rather than open the window on it. Anything that looks like a path opens the window,
    # which then says what is wrong with it (the file manager may pass a file since deleted).
    for path in files:
        text = str(path)
        if not path.exists() and "/" not in text and "." not in text:
            parser.error(
                f"'{text}' is neither a command ({', '.join(CLI_COMMANDS)}) nor an existing file"
            )


def main(argv: Sequence[str] | None = None) -> int:
    """`callreview COMMAND ...` runs the command line; `callreview [FILE...]` opens the window."""
    args = list(sys.argv[1:] if argv is None else argv)
    if _is_cli(args):
        from callreview import cli

        return cli.main(args)
    parser = _gui_parser()
    options = parser.parse_args(args)
    _check_files(parser, options.files)
    from callreview.domain import CallReviewError

    try:
        if options.install_desktop_entry or options.uninstall_desktop_entry:
            from callreview import desktop

            if options.install_desktop_entry:
                files = desktop.install_entry()
                print(f"Added CallReview to the applications menu ({files[0]}).")
            else:
                files = desktop.uninstall_entry()
                print(f"Removed {len(files)} file(s) of the CallReview menu entry.")
            return 0
        if options.self_test:
            from callreview.selftest import run_self_test

            return run_self_test()
    except CallReviewError as exc:
        print(f"callreview: {exc}", file=sys.stderr)
        return 2
    return run_gui(options)


def run_gui(options: argparse.Namespace) -> int:
    """The window until it is closed (or SIGTERM/SIGINT); 2 if it could not start.

    The demo's temporary copy is removed on every way out: quit, a failed start, an
    exception, SIGTERM and SIGINT. A copy left by a killed process goes at the next --demo.
    """
    demo_dir: Path | None = None

    def keep_demo_dir(path: Path) -> None:
        nonlocal demo_dir
        demo_dir = path

    restore = _exit_on_signals_while_starting()
    try:
        return _run_gui(options, keep_demo_dir)
    finally:
        restore()
        if demo_dir is not None:
            from callreview.library.sample import remove_demo_dir

            remove_demo_dir(demo_dir)


def _exit_on_signals_while_starting() -> Callable[[], None]:
    """Until the event loop takes over, SIGTERM and SIGINT exit quietly (`finally` runs).

    Returns a function that puts the previous handlers back (unless another replaced them).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        # None: a handler set outside Python; the default is the closest we can restore.
        previous[signum] = signal.signal(signum, terminate) or signal.SIG_DFL

    def restore() -> None:
        for signum, handler in previous.items():
            if signal.getsignal(signum) is terminate:
                signal.signal(signum, handler)

    return restore


def _run_gui(options: argparse.Namespace, keep_demo_dir: Callable[[Path], None]) -> int:
    # No garbage collection until the window has painted and its call view is built: start-up
    # allocates some hundred thousand objects that all stay, and collecting them as they come
    # cost ~17 ms of a ~220 ms start (benchmarks/startup.py). Afterwards they are frozen, so
    # later collections skip them too.
    gc.disable()
    try:
        return _run_window(options, keep_demo_dir)
    finally:
        gc.enable()


def _start_collecting() -> None:
    gc.freeze()
    gc.enable()


def _run_window(options: argparse.Namespace, keep_demo_dir: Callable[[Path], None]) -> int:
    os.environ.setdefault("QT_API", "pyside6")  # qasync must pick PySide6 even if PyQt exists
    # QtMultimedia reports every optional library it can't find (pipewire, VA-API): noise.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    # Everything Qt-free the window needs loads before Qt: once imported, PySide6 reads the
    # source of every module imported after it (its `__feature__` hook), ~0.1 ms each.
    import html.entities  # noqa: F401  (plain.py's html.escape)

    import callreview.desktop  # (the icons' sizes and folder)
    import callreview.domain.display  # noqa: F401
    from callreview.domain import CallReviewError
    from callreview.logs import setup_logging
    from callreview.paths import default_data_dir
    from callreview.redaction import Redactor
    from callreview.workspace import build_workspace

    redactor = Redactor()
    failed: CallReviewError | None = None
    demo_dir = log_file = None
    try:
        if options.demo:
            from callreview.library.sample import make_demo_dir

            demo_dir = make_demo_dir()
            keep_demo_dir(demo_dir)
        data_dir = demo_dir or options.data_dir or default_data_dir()
        log_file = setup_logging(
            redactor, data_dir / "logs", verbose=options.verbose, debug=options.debug
        )
        workspace = build_workspace(data_dir, redactor=redactor)
    except CallReviewError as exc:
        failed = exc
    else:
        # The library opens (SQLite, mostly outside the GIL) while Qt and the window's modules
        # load; `opening.result()` below waits for it and reports what failed.
        opening = _Opening(workspace)
        opening.start()

    import qasync
    from PySide6.QtWidgets import QApplication, QMessageBox

    from callreview.ui.icons import set_window_icon
    from callreview.ui.main_window import MainWindow
    from callreview.ui.tasks import TaskRunner

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)
    if failed is not None:
        set_window_icon(app)
        return _could_not_start(failed)
    if demo_dir is not None:
        log.info("demo: a temporary copy of the sample library in %s", demo_dir)

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        log.critical("unexpected error", exc_info=(kind, value, tb))
        where = f"\n\nThe details are in the log: {log_file}" if log_file else ""
        QMessageBox.critical(
            None,
            f"{APP_NAME} hit a bug",
            "Something went wrong inside CallReview. Your library is safe; you can keep "
            f"working, or restart the app.{where}",
        )

    sys.excepthook = excepthook
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    def loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        error = context.get("exception")
        if isinstance(error, BaseException):
            excepthook(type(error), error, error.__traceback__)
        else:
            log.error("event loop: %s", context.get("message"))

    loop.set_exception_handler(loop_exception)
    with loop:  # closing the loop also stops the worker threads behind asyncio.to_thread
        try:
            # Before the window, as always: a library that can't be opened stops the start
            # with a message, not a window with nothing in it.
            opening.result()
        except CallReviewError as exc:
            set_window_icon(app)
            return _could_not_start(exc)
        runner = TaskRunner()
        window = MainWindow(workspace, runner)
        if options.demo:
            window.setWindowTitle(f"{APP_NAME}: sample library (a temporary copy)")
        window.shut_down.connect(loop.stop)
        window.started.connect(_start_collecting)
        # The icon files are found and read after the first paint; the window manager
        # takes the new icon at once, and the menu entry has its own.
        window.started.connect(lambda: set_window_icon(app))
        _quit_on_signals(loop, window)  # replaces the start-up handler

        def show(_: object) -> None:
            # Shown with its first page of calls (read off the GUI thread), as the window
            # always opened; if that page failed, the message bar in it says why.
            if not window.isVisible() and not window._closing:
                window.show()
                log.info("window shown")

        window.first_load.add_done_callback(show)
        if options.files:
            # Once the loop runs: opening reads the files off the GUI thread.
            loop.call_soon(window.open_files, list(options.files))
        try:
            loop.run_forever()
        finally:
            # After the window's tasks have ended (or a second signal stopped the loop):
            # the provider clients, downloads and the library close here, where they were built.
            try:
                loop.run_until_complete(workspace.aclose())
            except Exception:  # the window is gone: a failure here can only be logged
                log.exception("closing the workspace")
    return 0


class _Opening(threading.Thread):
    """Opens the library while the window's modules load; `result()` says how it went."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(name="open-library", daemon=True)
        self.workspace = workspace
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.workspace.library.sync  # noqa: B018 - opening is the point
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc

    def result(self) -> None:
        """Wait for the opening; raise what it raised (a StorageError says what to do)."""
        self.join()
        if self.error is not None:
            raise self.error


def _could_not_start(exc: Exception) -> int:
    from PySide6.QtWidgets import QMessageBox

    from callreview.ui.plain import literal_html

    print(f"callreview: could not start: {exc}", file=sys.stderr)
    # The error may quote a path or a provider's words: shown as written, never as HTML.
    QMessageBox.critical(None, APP_NAME, literal_html(f"CallReview could not start.\n\n{exc}"))
    return 2


def _quit_on_signals(loop: asyncio.AbstractEventLoop, window: MainWindow) -> None:
    """SIGTERM and SIGINT quit like Ctrl+Q: settings saved, tasks ended, the demo copy gone.

    Through the loop's own signal handling (a wake-up fd watched by a socket notifier), so
    a signal is handled at once even while Qt's event loop sits in C++. A second signal
    stops the loop without waiting for the tidy shutdown.
    """
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        log.info("quitting on signal %d", signum)
        if len(received) == 1:
            window.close()
        else:
            loop.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            # On Windows, or off the main thread: the default handling stays.
            log.debug("no handler for signal %d", signum)


if __name__ == "__main__":
    raise SystemExit(main())
