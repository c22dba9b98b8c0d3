"""What an export includes and how it is written."""

from __future__ import annotations

from dataclasses import dataclass

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
