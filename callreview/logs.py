"""Logging set-up: every handler redacts secrets; the log file keeps tracebacks for support."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from callreview.redaction import RedactingFormatter, Redactor


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
            log_dir.mkdir(parents=True, exist_ok=True)
            log_file = log_dir / "callreview.log"
            file_handler = logging.handlers.RotatingFileHandler(
                log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
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
