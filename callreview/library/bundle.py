"""Portable bundles: calls, recordings and review notes in one zip, validated before import.

Merge rule on import (documented in the README): a call the library already has keeps its
provider data; the bundle adds its notes (skipping ones already present), sets reviewed and
flagged if the bundle has them set, and supplies the recording if the library has none.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from callreview import __version__
from callreview.domain import (
    Call,
    CallRef,
    CallReviewError,
    NotInLibraryError,
    RecordingFile,
    StorageError,
)
from callreview.domain.serialize import call_to_dict
from callreview.library.api import Library
from callreview.paths import fsync_dir
from callreview.providers.registry import PROVIDERS, map_raw_call

FORMAT = "callreview-bundle"
VERSION = 1
MAX_ENTRIES = 20_000
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_RECORDING_BYTES = 500 * 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
MAX_RATIO = 200  # decompressed / compressed: beyond this an entry is a zip bomb
_ENTRY = re.compile(
    r"^(manifest\.json|calls/[a-z]+/[A-Za-z0-9_.-]+\.json|recordings/[A-Za-z0-9_.-]+)$"
)
# Keys whose values are short-lived credentials: never written to a bundle.
_URL_KEYS = ("recording_url",)
# Without Unix mode bits in an entry, `unzip` extracts it with odd permissions (mode 0 or 0o600).
_FILE_ATTR = (stat.S_IFREG | 0o644) << 16
_UNIX = 3  # ZipInfo.create_system: tells unzip the upper external_attr bits are a Unix mode
_Stamp = tuple[int, int, int, int, int, int]


class BundleError(StorageError):
    """A bundle was refused; the library was not changed."""


def _safe_stem(provider: str, call_id: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", call_id) and ".." not in call_id:
        return f"{provider}_{call_id}"
    return f"{provider}_{hashlib.sha256(call_id.encode()).hexdigest()[:32]}"


def _strip_urls(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: _strip_urls(v) for k, v in raw.items() if k not in _URL_KEYS}
    if isinstance(raw, list):
        return [_strip_urls(v) for v in raw]
    return raw


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    merged: int
    recordings: int


@dataclass(frozen=True, slots=True)
class BundleCall:
    """One call as the bundle holds it, for showing before an import."""

    provider: str
    call_id: str
    started_at: datetime | None
    from_number: str | None
    to_number: str | None
    duration_ms: int | None
    has_recording: bool
    note_count: int
    reviewed: bool
    flagged: bool

    @property
    def ref(self) -> CallRef:
        return CallRef(self.provider, self.call_id)


@dataclass(frozen=True, slots=True)
class BundleSummary:
    """What a validated bundle would bring into a library (it says nothing about any library)."""

    calls: tuple[BundleCall, ...]
    recordings: int
    notes: int
    created_at: datetime | None
    app_version: str | None


def export_bundle(library: Library, refs: Sequence[CallRef], output: Path) -> int:
    """Write the calls to `output` (temp file + rename); returns the number of calls."""
    if not refs:
        raise StorageError("Nothing to export: name at least one call.")
    entries: list[dict[str, Any]] = []
    output = output.expanduser()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    except OSError as exc:
        raise StorageError(f"Cannot write to {output.parent}: {exc.strerror}.") from exc
    now = time.localtime()
    stamp = (now.tm_year, now.tm_mon, now.tm_mday, now.tm_hour, now.tm_min, now.tm_sec)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
                for ref in dict.fromkeys(refs):
                    provider, call_id = ref.provider, ref.call_id
                    stored = library.get(ref)
                    if stored is None:
                        raise NotInLibraryError(ref)
                    stem = _safe_stem(provider, call_id)
                    files: dict[str, str] = {}

                    raw = _strip_urls(dict(stored.call.raw))
                    _put(zf, stamp, files, f"calls/{provider}/{stem}.raw.json", _dump(raw))
                    normalized = _dump(call_to_dict(stored.call))
                    _put(zf, stamp, files, f"calls/{provider}/{stem}.normalized.json", normalized)
                    review = stored.review
                    _put(
                        zf,
                        stamp,
                        files,
                        f"calls/{provider}/{stem}.review.json",
                        _dump(
                            {
                                "reviewed": review.reviewed,
                                "flagged": review.flagged,
                                "sync_offset_ms": review.sync_offset_ms,
                                "notes": [
                                    {
                                        "text": n.text,
                                        "position_ms": n.position_ms,
                                        "created_at": n.created_at.isoformat(),
                                    }
                                    for n in review.notes
                                ],
                            }
                        ),
                    )
                    recording = None
                    rec = stored.recording
                    if rec is not None and rec.path.exists():
                        name = f"recordings/{stem}{rec.path.suffix}"
                        _put_file(zf, stamp, name, rec.path)
                        recording = {
                            "file": name,
                            "sha256": rec.sha256,
                            "size": rec.size,
                            "content_type": rec.content_type,
                        }
                    entries.append(
                        {
                            "provider": provider,
                            "call_id": call_id,
                            "account": stored.account,
                            "fetched_at": stored.fetched_at.isoformat(),
                            "files": files,
                            "recording": recording,
                        }
                    )
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "app_version": __version__,
                    "created_at": datetime.now(UTC).isoformat(),
                    "calls": entries,
                }
                zf.writestr(_entry("manifest.json", stamp, zipfile.ZIP_DEFLATED), _dump(manifest))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, output)
        fsync_dir(output.parent)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StorageError(f"Could not write the bundle {output}: {exc.strerror}.") from exc
        raise
    return len(entries)


def _entry(name: str, stamp: _Stamp, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = compression
    info.create_system = _UNIX
    info.external_attr = _FILE_ATTR
    return info


def _put(zf: zipfile.ZipFile, stamp: _Stamp, files: dict[str, str], name: str, data: bytes) -> None:
    zf.writestr(_entry(name, stamp, zipfile.ZIP_DEFLATED), data)
    files[name] = hashlib.sha256(data).hexdigest()


def _put_file(zf: zipfile.ZipFile, stamp: _Stamp, name: str, source: Path) -> None:
    # Recordings are already compressed audio: stored as they are, streamed, never in memory.
    info = _entry(name, stamp, zipfile.ZIP_STORED)
    with open(source, "rb") as src:
        info.file_size = os.fstat(src.fileno()).st_size
        with zf.open(info, "w", force_zip64=info.file_size > zipfile.ZIP64_LIMIT) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Planned:
    provider: str
    call_id: str
    account: str | None
    call: Call
    review: dict[str, Any]
    recording: dict[str, Any] | None

    @property
    def ref(self) -> CallRef:
        return CallRef(self.provider, self.call_id)


@dataclass(frozen=True, slots=True)
class _Checked:
    manifest: dict[str, Any]
    planned: list[_Planned]


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise BundleError(f"Refused: {info.filename} is larger than allowed ({info.file_size} B).")
    with zf.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise BundleError(f"Refused: {info.filename} expands beyond its declared size.")
    return data


def _validate(zf: zipfile.ZipFile) -> _Checked:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleError(f"Refused: the bundle has {len(infos)} entries (limit {MAX_ENTRIES}).")
    total = 0
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        path = PurePosixPath(name)
        if (
            name.startswith("/")
            or "\\" in name
            or ".." in path.parts
            or ":" in name
            or not _ENTRY.match(name)
        ):
            raise BundleError(f"Refused: unsafe or unexpected path in the bundle: {name[:80]!r}.")
        if name in by_name:
            raise BundleError(f"Refused: {name} appears twice in the bundle.")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise BundleError(f"Refused: {name} is compressed suspiciously well (a zip bomb?).")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise BundleError("Refused: the bundle expands to more than 8 GiB.")
        by_name[name] = info
    if "manifest.json" not in by_name:
        raise BundleError("Refused: this is not a CallReview bundle (no manifest.json).")
    try:
        manifest = json.loads(_read_entry(zf, by_name["manifest.json"], MAX_JSON_BYTES))
    except ValueError as exc:
        raise BundleError("Refused: the bundle's manifest is not valid JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("Refused: this is not a CallReview bundle.")
    if manifest.get("version") != VERSION:
        raise BundleError(
            f"Refused: bundle version {manifest.get('version')!r} is not supported (this "
            f"CallReview reads version {VERSION})."
        )
    calls = manifest.get("calls")
    if not isinstance(calls, list):
        raise BundleError("Refused: the bundle's manifest lists no calls.")
    planned: list[_Planned] = []
    seen: set[tuple[str, str]] = set()
    for entry in calls:
        try:
            provider, call_id = str(entry["provider"]), str(entry["call_id"])
            files: dict[str, str] = entry["files"]
            recording = entry.get("recording")
        except (KeyError, TypeError, AttributeError) as exc:
            raise BundleError("Refused: a call entry in the manifest is incomplete.") from exc
        if not isinstance(files, dict) or not isinstance(recording, dict | None):
            raise BundleError("Refused: a call entry in the manifest is malformed.")
        if provider not in PROVIDERS:
            raise BundleError(f"Refused: unknown provider {provider!r} in the bundle.")
        if (provider, call_id) in seen:
            raise BundleError(f"Refused: {provider}:{call_id} appears twice in the bundle.")
        seen.add((provider, call_id))
        contents: dict[str, bytes] = {}
        for name, expected in files.items():
            listed = by_name.get(name)
            if listed is None:
                raise BundleError(f"Refused: {name} is listed in the manifest but missing.")
            data = _read_entry(zf, listed, MAX_JSON_BYTES)
            if hashlib.sha256(data).hexdigest() != expected:
                raise BundleError(f"Refused: checksum mismatch for {name} (damaged or edited).")
            contents[name.rsplit(".", 2)[-2]] = data
        try:
            raw = json.loads(contents["raw"])
            review = json.loads(contents.get("review", b"{}"))
            call = map_raw_call(provider, raw)
        except (KeyError, ValueError, CallReviewError) as exc:
            raise BundleError(
                f"Refused: the data of {provider}:{call_id} is invalid ({exc})."
            ) from exc
        if recording is not None:
            rec_info = by_name.get(str(recording.get("file")))
            if rec_info is None or rec_info.file_size != recording.get("size"):
                raise BundleError(f"Refused: the recording of {provider}:{call_id} is missing.")
            info = rec_info
            if info.file_size > MAX_RECORDING_BYTES:
                raise BundleError(f"Refused: the recording of {provider}:{call_id} is too large.")
            digest = hashlib.sha256()
            with zf.open(info) as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            if digest.hexdigest() != recording.get("sha256"):
                raise BundleError(f"Refused: checksum mismatch for {info.filename}.")
        if not isinstance(review, dict):
            review = {}
        offset = review.get("sync_offset_ms")
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)):
            # Caught here, not half-way through an import that has already changed the library.
            raise BundleError(f"Refused: the review of {provider}:{call_id} is invalid.")
        planned.append(_Planned(provider, call_id, entry.get("account"), call, review, recording))
    return _Checked(manifest, planned)


@contextmanager
def _opened(path: Path) -> Iterator[zipfile.ZipFile]:
    """The bundle as a zip file; I/O and zip errors become errors a person can act on."""
    try:
        data = path.expanduser().read_bytes() if path.stat().st_size < 64 * 2**20 else None
        source: Any = io.BytesIO(data) if data is not None else path.expanduser()
        with zipfile.ZipFile(source) as zf:
            yield zf
    except FileNotFoundError as exc:
        raise StorageError(f"No such bundle: {path}.") from exc
    except zipfile.BadZipFile as exc:
        raise BundleError(f"Refused: {path} is not a valid bundle (not a zip file).") from exc
    except OSError as exc:
        raise StorageError(f"Could not read the bundle {path}: {exc.strerror}.") from exc


def inspect_bundle(path: Path) -> BundleSummary:
    """Validate the whole bundle exactly as import_bundle does and describe it; changes nothing."""
    with _opened(path) as zf:
        checked = _validate(zf)
    calls = tuple(
        BundleCall(
            provider=item.provider,
            call_id=item.call_id,
            # As everywhere in the app: a provider that reports no start time has a creation time.
            started_at=item.call.started_at or item.call.created_at,
            from_number=item.call.from_number,
            to_number=item.call.to_number,
            duration_ms=item.call.duration_ms,
            has_recording=item.recording is not None,
            note_count=len(_notes(item.review)),
            reviewed=bool(item.review.get("reviewed")),
            flagged=bool(item.review.get("flagged")),
        )
        for item in checked.planned
    )
    version = checked.manifest.get("app_version")
    return BundleSummary(
        calls=calls,
        recordings=sum(c.has_recording for c in calls),
        notes=sum(c.note_count for c in calls),
        created_at=_timestamp(checked.manifest.get("created_at")),
        app_version=version if isinstance(version, str) else None,
    )


def _timestamp(value: Any) -> datetime | None:
    # Informational only: a bundle with an odd date is still a valid bundle.
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _notes(review: dict[str, Any]) -> list[tuple[str, int | None]]:
    """The review's notes that an import would add, as (text, position_ms)."""
    notes = review.get("notes")
    found: list[tuple[str, int | None]] = []
    for note in notes if isinstance(notes, list) else []:
        if not isinstance(note, dict) or not isinstance(note.get("text"), str):
            continue
        position = note.get("position_ms")
        found.append((note["text"], position if isinstance(position, int) else None))
    return found


def import_bundle(library: Library, path: Path) -> ImportReport:
    """Validate the whole bundle, then merge it into the library (see the module docstring)."""
    with _opened(path) as zf:
        planned = _validate(zf).planned
        added = merged = recordings = 0
        for item in planned:
            existing = library.get(item.ref)
            if existing is None:
                library.save_call(item.call, item.account)
                added += 1
            else:
                merged += 1
            _merge_review(library, item, existing.review.notes if existing else ())
            has_file = existing is not None and existing.recording is not None
            if item.recording is not None and not has_file:
                _extract_recording(library, zf, item)
                recordings += 1
    return ImportReport(added, merged, recordings)


def _merge_review(library: Library, item: _Planned, notes: Sequence[Any]) -> None:
    review = item.review
    library.set_review(
        item.ref,
        reviewed=True if review.get("reviewed") else None,
        flagged=True if review.get("flagged") else None,
        sync_offset_ms=int(review.get("sync_offset_ms") or 0) or None,
    )
    have = {(n.text, n.position_ms) for n in notes}
    for text, position in _notes(review):
        if (text, position) not in have:
            library.add_note(item.ref, text, position)


def _extract_recording(library: Library, zf: zipfile.ZipFile, item: _Planned) -> None:
    assert item.recording is not None
    name = str(item.recording["file"])
    target = library.recording_path(item.ref, PurePosixPath(name).suffix)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    with zf.open(name) as src, open(part, "wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())
    if digest.hexdigest() != item.recording["sha256"]:
        part.unlink(missing_ok=True)
        raise BundleError(f"Refused: checksum mismatch for {name}.")
    os.replace(part, target)
    fsync_dir(target.parent)
    library.set_recording(
        item.ref,
        RecordingFile(
            target,
            size,
            digest.hexdigest(),
            item.recording.get("content_type"),
            None,
            datetime.now(UTC),
        ),
    )
