"""What an export includes and how it is written."""

from __future__ import annotations

from dataclasses import dataclass, fields

from callreview.domain import ExportError

FORMATS = ("pdf", "csv", "segments-csv", "json", "srt", "vtt", "md")
EXTENSIONS = {
    "pdf": "pdf",
    "csv": "csv",
    "segments-csv": "csv",
    "json": "json",
    "srt": "srt",
    "vtt": "vtt",
    "md": "md",
}
# Formats that hold many calls in one file; the others write one file per call.
COMBINED = frozenset({"pdf", "csv", "segments-csv", "json", "md"})


@dataclass(frozen=True, slots=True)
class ExportOptions:
    transcript: bool = True
    timestamps: bool = True
    mask: bool = False  # phone numbers and e-mail addresses
    bom: bool = False  # a UTF-8 byte-order mark for spreadsheet programs
    one_file_per_call: bool = False


# Which options each writer reads (docs/exports.md has the same table). Subtitles and the
# segments CSV are the transcript, so "transcript" means nothing there; the CSVs always have
# their time columns; only the CSVs are read by spreadsheet programs that want a BOM; SRT and
# WebVTT are one file per call whatever is asked.
_MEANINGFUL: dict[str, frozenset[str]] = {
    "pdf": frozenset({"transcript", "timestamps", "mask", "one_file_per_call"}),
    "csv": frozenset({"mask", "bom", "one_file_per_call"}),
    "segments-csv": frozenset({"mask", "bom", "one_file_per_call"}),
    "json": frozenset({"transcript", "mask", "one_file_per_call"}),
    "srt": frozenset({"mask"}),
    "vtt": frozenset({"mask"}),
    "md": frozenset({"transcript", "timestamps", "mask", "one_file_per_call"}),
}


def options_for(fmt: str) -> frozenset[str]:
    """The ExportOptions fields that change what `fmt` writes; the others mean nothing for it."""
    try:
        return _MEANINGFUL[fmt]
    except KeyError:
        raise ExportError(f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.") from None


def ignored_options(fmt: str, options: ExportOptions) -> list[str]:
    """Fields set away from their default that `fmt` would ignore, in declaration order."""
    default = ExportOptions()
    meaningful = options_for(fmt)
    return [
        f.name
        for f in fields(ExportOptions)
        if f.name not in meaningful and getattr(options, f.name) != getattr(default, f.name)
    ]
