"""What an export includes and how it is written (which options each format reads: formats.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExportOptions:
    transcript: bool = True
    timestamps: bool = True
    mask: bool = False  # phone numbers and e-mail addresses
    bom: bool = False  # a UTF-8 byte-order mark for spreadsheet programs
    one_file_per_call: bool = False
