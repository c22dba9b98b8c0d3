"""Composition root: the `callreview` entry point, the QApplication, the qasync loop, services."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from callreview import APP_ID, APP_NAME, CLI_COMMANDS, __version__

log = logging.getLogger(__name__)


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callreview",
        description="Review what voice-AI phone agents actually said. With no command, opens "
        "the window; commands (accounts, fetch, calls, bundle) run on the command line: "
        "see 'callreview COMMAND --help'.",
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


def main(argv: Sequence[str] | None = None) -> int:
    """`callreview COMMAND ...` runs the command line; `callreview [--demo]` opens the window."""
    args = list(sys.argv[1:] if argv is None else argv)
    if _is_cli(args):
        from callreview import cli

        return cli.main(args)
    options = _gui_parser().parse_args(args)
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
    return run_gui(options)


def run_gui(options: argparse.Namespace) -> int:
    os.environ.setdefault("QT_API", "pyside6")  # qasync must pick PySide6 even if PyQt exists
    # QtMultimedia reports every optional library it can't find (pipewire, VA-API): noise.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    import qasync
    from PySide6.QtWidgets import QApplication, QMessageBox

    from callreview.domain import CallReviewError
    from callreview.library.sample import make_demo_dir
    from callreview.logs import setup_logging
    from callreview.paths import default_data_dir
    from callreview.providers.redact import Redactor
    from callreview.services import Services
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
    set_window_icon(app)

    demo_dir: Path | None = None
    redactor = Redactor()
    try:
        if options.demo:
            demo_dir = make_demo_dir()
        data_dir = demo_dir or options.data_dir or default_data_dir()
        log_file = setup_logging(
            redactor, data_dir / "logs", verbose=options.verbose, debug=options.debug
        )
        services = Services(data_dir, redactor=redactor)
    except CallReviewError as exc:
        QMessageBox.critical(None, APP_NAME, f"CallReview could not start.\n\n{exc}")
        return 2

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
    runner = TaskRunner()
    window = MainWindow(services, runner)
    if options.demo:
        window.setWindowTitle(f"{APP_NAME}: sample library (a temporary copy)")
    window.shut_down.connect(loop.stop)
    window.show()
    with loop:  # closing the loop also stops the worker threads behind asyncio.to_thread
        loop.run_forever()
    if demo_dir is not None:
        shutil.rmtree(demo_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
