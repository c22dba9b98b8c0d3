"""Recording files in the library: where each call's file goes (named from the provider and
the call ID only, never from a server) and the row that says it is complete."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Any

from callreview.domain import CallRef, ConfigError, RecordingFile
from callreview.domain.records import iso_ms
from callreview.library.connection import Database, now, parse_time
from callreview.library.locks import FileLock

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
        path = (self.folder / f"{_stem(ref)}.{ext}").resolve()
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

    def verified(self, recording: RecordingFile | None) -> RecordingFile | None:
        """`recording` if its file is there at the recorded size, else None (and a warning).

        A row names a complete file; a file changed or lost since (by hand, a crash between a
        new download's rename and its row) counts as not downloaded, so it is fetched again
        instead of played or exported short.
        """
        if recording is None:
            return None
        try:
            size = recording.path.stat().st_size
        except OSError:
            size = None
        if size == recording.size:
            return recording
        log.warning(
            "recording %s is %s, not the %d bytes recorded: treated as not downloaded",
            recording.path.name,
            "missing" if size is None else f"{size} bytes",
            recording.size,
        )
        return None

    def remove_partials(self, ref: CallRef) -> None:
        """Delete what an unfinished download of `ref` left (its `.part` kept for resuming)."""
        stem = _stem(ref)
        for part in self.folder.glob(f"{glob_escape(stem)}.*.part"):
            try:
                part.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove %s: %s", part, exc)

    def sweep(self) -> int:
        """Remove download leftovers that no running download holds and no call needs.

        A `.part` is kept while its call is in the library without a recording (the next
        download resumes it); one whose call is gone or already has its file is removed, as
        is a `.lock` no process holds. Returns how many files went.
        """
        try:
            with os.scandir(self.folder) as entries:
                names = [e.name for e in entries if e.name.endswith((".part", ".lock"))]
        except OSError as exc:
            log.warning("could not look for download leftovers in %s: %s", self.folder, exc)
            return 0
        if not names:
            return 0
        wanted = {
            _stem(CallRef(r[0], r[1]))
            for r in self._db.read(
                "SELECT provider, call_id FROM calls c WHERE NOT EXISTS "
                "(SELECT 1 FROM recordings rec WHERE rec.call_rowid = c.id)"
            )
            if _SAFE_PROVIDER.match(r[0])
        }
        removed = 0
        for name in names:
            # "<stem>.<ext>.part" or "<stem>.lock"; the stem may hold dots, the rest does not.
            stem = name[: -len(".part")].rsplit(".", 1)[0] if name.endswith(".part") else name
            stem = stem.removesuffix(".lock")
            lock = FileLock(self.folder / f"{stem}.lock")
            try:
                if not lock.try_acquire():
                    continue  # a download in another process holds it
                if name.endswith(".part") and stem not in wanted:
                    (self.folder / name).unlink(missing_ok=True)
                    removed += 1
                    log.info("removed the download leftover %s (no call needs it)", name)
            except OSError as exc:
                log.warning("could not clean up %s: %s", name, exc)
            finally:
                lock.release()
        return removed

    @staticmethod
    def remove(recording: RecordingFile) -> None:
        """Delete a call's file once its row is gone (an orphan file, never a dangling row)."""
        try:
            recording.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", recording.path, exc)


def _stem(ref: CallRef) -> str:
    """`<provider>_<call id>` (a digest of the ID when it is not a safe file name)."""
    call_id = ref.call_id
    if _SAFE_NAME.match(call_id) and ".." not in call_id:
        stem = call_id
    else:
        stem = hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:32]
    if not _SAFE_PROVIDER.match(ref.provider):
        raise ConfigError(f"Unknown provider {ref.provider!r}.")
    return f"{ref.provider}_{stem}"


def glob_escape(text: str) -> str:
    """`text` matched literally by `Path.glob` (safe names hold no `*?[`, but say so)."""
    return re.sub(r"([*?\[])", r"[\1]", text)
