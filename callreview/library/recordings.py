"""Recording files in the library: where each call's file goes (named from the provider and
the call ID only, never from a server) and the row that says it is complete."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

from callreview.domain import CallRef, ConfigError, RecordingFile
from callreview.domain.records import iso_ms
from callreview.library.connection import Database, now, parse_time

log = logging.getLogger(__name__)

RECORDINGS_DIR = "recordings"
AUDIO_EXTENSIONS = frozenset({"wav", "mp3", "ogg", "opus", "m4a", "flac", "webm", "aac"})
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# Provider names are registry keys (lowercase identifiers); anything else never names a file.
_SAFE_PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# The recording columns `file_from_row` reads, for the calls' own queries to join.
COLUMNS = "rec.file, rec.size, rec.sha256, rec.content_type, rec.duration_ms, rec.downloaded_at"


class Recordings:
    """The recordings folder and the `recordings` table."""

    def __init__(self, db: Database, folder: Path) -> None:
        self._db = db
        self.folder = folder

    def path(self, ref: CallRef, extension: str) -> Path:
        """The file name comes from the provider and call ID only, never from the server."""
        ext = extension.lower().lstrip(".")
        if ext not in AUDIO_EXTENSIONS:
            ext = "audio"
        call_id = ref.call_id
        if _SAFE_NAME.match(call_id) and ".." not in call_id:
            stem = call_id
        else:
            stem = hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:32]
        if not _SAFE_PROVIDER.match(ref.provider):
            raise ConfigError(f"Unknown provider {ref.provider!r}.")
        path = (self.folder / f"{ref.provider}_{stem}.{ext}").resolve()
        if path.parent != self.folder.resolve():
            raise ConfigError(f"Refusing a recording path outside the library: {path}")
        return path

    def set(self, ref: CallRef, recording: RecordingFile) -> None:
        """Record a downloaded file (already complete, fsynced and in place)."""
        rowid = self._db.rowid(ref)
        rel = recording.path.resolve().relative_to(self.folder.resolve())
        with self._db.write("record the recording in") as db:
            db.execute(
                "INSERT INTO recordings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_rowid) "
                "DO UPDATE SET file = excluded.file, size = excluded.size, "
                "sha256 = excluded.sha256, content_type = excluded.content_type, "
                "duration_ms = excluded.duration_ms, downloaded_at = excluded.downloaded_at",
                (
                    rowid,
                    str(rel),
                    recording.size,
                    recording.sha256,
                    recording.content_type,
                    recording.duration_ms,
                    iso_ms(recording.downloaded_at) or now(),
                ),
            )
            # A call whose recording arrived is no longer missing it.
            db.execute(
                "UPDATE calls SET missing = TRIM(REPLACE(REPLACE(missing, 'recording', ''), "
                "',,', ','), ',') WHERE id = ?",
                (rowid,),
            )

    def file_from_row(self, row: Any) -> RecordingFile | None:
        """The stored file described by a row holding COLUMNS (by name); None without one."""
        if not row["file"]:
            return None
        return RecordingFile(
            path=self.folder / row["file"],
            size=row["size"],
            sha256=row["sha256"],
            content_type=row["content_type"],
            duration_ms=row["duration_ms"],
            downloaded_at=parse_time(row["downloaded_at"]),
        )

    @staticmethod
    def remove(recording: RecordingFile) -> None:
        """Delete a call's file once its row is gone (an orphan file, never a dangling row)."""
        try:
            recording.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", recording.path, exc)
