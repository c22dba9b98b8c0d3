"""Call IDs from what a person pastes or opens: text, CSV exports, files given to the app."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from callreview.domain import ConfigError

# A list of call IDs is small; anything bigger is the wrong file (and would stall a reader).
MAX_ID_FILE_BYTES = 10 * 1024 * 1024
# Header names of the call-ID column in CSV exports (ours, and the platforms' dashboards).
ID_COLUMNS = ("call_id", "callid", "call id", "call_uuid", "id", "uuid")
BUNDLE_SUFFIX = ".crbundle"


def parse_ids(text: str) -> list[str]:
    """One ID per line (commas and spaces also separate); blank lines and # comments skipped."""
    ids: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        ids.extend(part for part in re.split(r"[\s,;]+", line) if part)
    return list(dict.fromkeys(ids))


def ids_from_file(path: Path) -> list[str]:
    """Call IDs from a text file (as `parse_ids`) or a CSV file with a call-ID column.

    A CSV export of calls (this app's, or a dashboard's) has many columns; only the one
    named like a call ID is read. Raises OSError or ValueError with a message for a person.
    """
    if path.stat().st_size > MAX_ID_FILE_BYTES:
        raise ValueError(
            f"{path.name} is larger than {MAX_ID_FILE_BYTES // (1024 * 1024)} MB: "
            "choose a text file with one call ID per line, or a CSV file of calls."
        )
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0].rstrip("\r")
    if first.strip().lower() in ID_COLUMNS:
        # A CSV export of the call-ID column alone: a header line, then one ID a line.
        return parse_ids(text.split("\n", 1)[1] if "\n" in text else "")
    if "," in first or ";" in first or "\t" in first:
        # Only the delimiter is guessed from the header; quoting stays standard CSV (a
        # guess from one line turns off doubled quotes and shifts the columns).
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
        column = next((header.index(name) for name in ID_COLUMNS if name in header), None)
        if column is not None:
            try:
                rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]
            except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
                raise ValueError(
                    f"{path.name} is not a CSV file CallReview can read: {exc}."
                ) from exc
            ids = [row[column].strip() for row in rows if len(row) > column]
            return list(dict.fromkeys(i for i in ids if i))
    return parse_ids(text)


def looks_like_bundle(path: Path) -> bool:
    """By name (.crbundle) or by content (a zip holding manifest.json); reads the file."""
    if path.suffix.lower() == BUNDLE_SUFFIX:
        return True
    try:
        with zipfile.ZipFile(path) as zf:
            return "manifest.json" in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def read_opened_file(path: Path) -> list[str] | None:
    """A file given to the app: None for a bundle, or the call IDs of a text or CSV file.

    Reads the file (blocking: the Workspace runs it in a worker thread). Raises ConfigError
    saying why a file can't be opened: missing, unreadable, a folder, neither kind, no IDs.
    """
    try:
        if path.is_dir():
            raise ConfigError(
                f"Can't open {path}: it is a folder. Open a CallReview bundle (.crbundle) or "
                "a text or CSV file of call IDs."
            )
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError as exc:
        raise ConfigError(f"Can't open {path}: there is no such file.") from exc
    except OSError as exc:
        raise ConfigError(f"Can't open {path}: {exc.strerror or exc}.") from exc
    if looks_like_bundle(path):
        return None
    # Text has no NUL bytes; a zip (a bundle would have been found above) is not text.
    if b"\0" in head or head.startswith(b"PK\x03\x04"):
        raise ConfigError(
            f"Can't open {path.name}: it is neither a CallReview bundle (.crbundle) nor a text "
            "or CSV file of call IDs."
        )
    try:
        ids = ids_from_file(path)
    except OSError as exc:
        raise ConfigError(f"Can't open {path}: {exc.strerror or exc}.") from exc
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if not ids:
        raise ConfigError(
            f"{path.name} holds no call IDs: one ID per line, or a CSV file with a call ID column."
        )
    return ids
