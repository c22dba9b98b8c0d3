"""The export formats, one entry each: the command line's choices, the dialog's labels and
enablement, file suffixes, the options each reads and its writer all come from this table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from callreview.domain import ExportError, StoredCall
from callreview.export.documents import write_json, write_markdown, write_srt, write_vtt
from callreview.export.options import ExportOptions
from callreview.export.tabular import write_calls_csv, write_segments_csv

# What a writer gets: the calls of one file (one call for the per-call formats), or, for a
# format that takes records, their flat records.
Writer = Callable[[Sequence[Any], Path, ExportOptions], object]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export format."""

    name: str  # what --format takes
    label: str  # the export dialog's choice
    suffix: str  # file name extension, without the dot
    combined: bool  # many calls in one file (else one file per call)
    options: frozenset[str]  # the ExportOptions fields that change what it writes
    write: Writer
    noun: str  # in messages: "nothing to write as SRT"
    transcript_only: bool = False  # made of transcript lines: a call without any is skipped
    takes_records: bool = False  # writes flat records (CallRecord); StoredCalls also do
    needs_gui: bool = False  # renders with QtGui (a QGuiApplication must exist)


def _write_srt(items: Sequence[StoredCall], path: Path, options: ExportOptions) -> None:
    [stored] = items
    write_srt(stored, path, options)


def _write_vtt(items: Sequence[StoredCall], path: Path, options: ExportOptions) -> None:
    [stored] = items
    write_vtt(stored, path, options)


def _write_pdf(items: Sequence[StoredCall], path: Path, options: ExportOptions) -> int:
    from callreview.export.pdf import write_pdf  # QtGui: loaded only for a PDF

    return write_pdf(items, path, options)


# Which options each writer reads (docs/exports.md has the same table). Subtitles and the
# segments CSV are the transcript, so "transcript" means nothing there; the CSVs always have
# their time columns; only the CSVs are read by spreadsheet programs that want a BOM; SRT and
# WebVTT are one file per call whatever is asked.
_DOCUMENT = frozenset({"transcript", "timestamps", "mask", "one_file_per_call"})
_TABLE = frozenset({"mask", "bom", "one_file_per_call"})
_SUBTITLES = frozenset({"mask"})

FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "pdf", "PDF summary", "pdf", True, _DOCUMENT, _write_pdf, "PDF", needs_gui=True
        ),
        ExportFormat(
            "csv",
            "CSV: one row per call",
            "csv",
            True,
            _TABLE,
            write_calls_csv,
            "CSV",
            takes_records=True,
        ),
        ExportFormat(
            "segments-csv",
            "CSV: one row per transcript line",
            "csv",
            True,
            _TABLE,
            write_segments_csv,
            "a segments CSV",
            transcript_only=True,
        ),
        ExportFormat(
            "json",
            "JSON (normalized)",
            "json",
            True,
            frozenset({"transcript", "mask", "one_file_per_call"}),
            write_json,
            "JSON",
        ),
        ExportFormat(
            "srt",
            "SRT subtitles",
            "srt",
            False,
            _SUBTITLES,
            _write_srt,
            "SRT",
            transcript_only=True,
        ),
        ExportFormat(
            "vtt",
            "WebVTT subtitles",
            "vtt",
            False,
            _SUBTITLES,
            _write_vtt,
            "VTT",
            transcript_only=True,
        ),
        ExportFormat("md", "Markdown", "md", True, _DOCUMENT, write_markdown, "Markdown"),
    )
}


def format_of(name: str) -> ExportFormat:
    """The format called `name`; ExportError naming the choices if there is none."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ExportError(
            f"Unknown format {name!r}; choose one of: {', '.join(FORMATS)}."
        ) from None


def prepare(fmt: str) -> None:
    """Ready what a format's writer needs before it runs in a worker thread.

    The PDF lays text out with QtGui, which needs a QGuiApplication, and one can only be
    created on the main thread: call this there (the Workspace does, on the loop's thread).
    """
    if format_of(fmt).needs_gui:
        from callreview.export.pdf import ensure_gui_application

        ensure_gui_application()


def options_for(fmt: str) -> frozenset[str]:
    """The ExportOptions fields that change what `fmt` writes; the others mean nothing for it."""
    return format_of(fmt).options


def ignored_options(fmt: str, options: ExportOptions) -> list[str]:
    """Fields set away from their default that `fmt` would ignore, in declaration order."""
    default = ExportOptions()
    meaningful = options_for(fmt)
    return [
        f.name
        for f in fields(ExportOptions)
        if f.name not in meaningful and getattr(options, f.name) != getattr(default, f.name)
    ]
