"""Logging set-up: every handler redacts secrets; the log file keeps tracebacks for support."""

from __future__ import annotations

import logging
import logging.handlers
from io import TextIOWrapper
from pathlib import Path

from callreview.paths import ensure_private_dir, private_opener, tighten_mode
from callreview.redaction import RedactingFormatter, Redactor

LOG_NAME = "callreview.log"
BACKUPS = 3


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are 0600 whatever the umask (they hold call details)."""

    def _open(self) -> TextIOWrapper:
        stream = open(  # the handler owns the stream and closes it
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=private_opener,
        )
        assert isinstance(stream, TextIOWrapper)  # text mode ("a"): for the type checker
        return stream


def setup_logging(
    redactor: Redactor, log_dir: Path | None, *, verbose: bool = False, debug: bool = False
) -> Path | None:
    """Route logs to a rotating file (if a directory is given) and, when asked, to stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_callreview", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # httpx logs whole URLs at INFO (presigned recording URLs are credentials): keep it quiet
    # unless debugging, and redacted either way.
    logging.getLogger("httpx").setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.INFO if debug else logging.WARNING)
    log_file = None
    if log_dir is not None:
        try:
            ensure_private_dir(log_dir)  # 0700, and the data folder above it if it is new
            log_file = log_dir / LOG_NAME
            for old in [log_file, *(log_dir / f"{LOG_NAME}.{n}" for n in range(1, BACKUPS + 1))]:
                tighten_mode(old)  # written by an older version under the umask
            file_handler = PrivateRotatingFileHandler(
                log_file, maxBytes=2_000_000, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError:
            log_file = None
        else:
            file_handler.setFormatter(RedactingFormatter(redactor))
            file_handler.setLevel(logging.DEBUG)
            file_handler._callreview = True  # type: ignore[attr-defined]
            root.addHandler(file_handler)
    if verbose or debug:
        stream = logging.StreamHandler()
        stream.setFormatter(RedactingFormatter(redactor, "%(levelname)s %(name)s: %(message)s"))
        stream.setLevel(logging.DEBUG if debug else logging.INFO)
        stream._callreview = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    return log_file
