"""Portable bundles: calls, recordings and review notes in one zip, validated before import.

Merge rule on import (documented in the README): a call the library already has keeps its
provider data; the bundle adds its notes (skipping ones already present: same text, position,
author and time) and its tags (the same: name in any case, span, author and time), sets
reviewed and flagged if the bundle has them set, and supplies the recording if the library
has none.

A bundle comes from a stranger. Before anything changes, the whole bundle is validated: every
manifest entry must agree with the data it points to (the provider and call ID of the mapped
raw JSON), the account is text or null, review values are in range (sync offset within ±24 h,
note positions 0 … 2**53, note text not blank, at most 100,000 characters, a note's author
optional, a printable name of at most 100 characters; tags as `Library.add_tag` takes them:
a printable name of at most 60 characters, a span 0 … 2**53 in order, a comment of at most
2,000 printable characters and line breaks, an author as a note's, and a time), JSON is nested at
most 64 levels, text is valid Unicode (no lone surrogates), numbers fit the library, and every
recording passes its checksum and the audio signature check (MP3, WAV, OGG, FLAC, MP4/M4A,
WebM). The import is then ONE library transaction (`Library.import_calls`): a refusal or an
error leaves the library as it was, and a second import of the same bundle, even at the same
time from another thread or process, changes nothing.

Size budgets (declared sizes are never trusted; bytes are counted as they are decompressed):
only a regular file is read (a device, FIFO or directory is refused before it is opened), with
at most 20,000 entries, stored or deflated only (bzip2 and LZMA inflate a whole block per read,
so their output cannot be bounded); manifest.json at most 8 MiB (a manifest of 20,000 entries
is about 3 MiB); each call file at most 8 MiB, and all JSON together at most 256 MiB (it is
held in memory while validating); each recording at most 500 MiB, like a download (streamed,
never in memory); everything read at most 200 × the bundle's own size (at least 64 MiB, at most
16 GiB). Each entry is read for one call only: a manifest naming one file twice is refused.
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
import zlib
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
    ConfigError,
    NotInLibraryError,
    RecordingFile,
    StorageError,
)
from callreview.domain.records import iso_ms
from callreview.domain.serialize import call_to_dict
from callreview.domain.stored import clean_author
from callreview.domain.tags import (
    MAX_TAG_COMMENT_CHARS,
    check_tag_span,
    clean_tag_comment,
    clean_tag_name,
)
from callreview.library.api import ImportCall, ImportNote, ImportTag, Library
from callreview.library.audio import sniff_audio
from callreview.paths import fsync_dir
from callreview.providers.registry import PROVIDERS, map_raw_call

FORMAT = "callreview-bundle"
VERSION = 1
MiB = 1024 * 1024
MAX_ENTRIES = 20_000
MAX_MANIFEST_BYTES = 8 * MiB
MAX_CALL_JSON_BYTES = 8 * MiB
MAX_JSON_TOTAL = 256 * MiB
MAX_RECORDING_BYTES = 500 * MiB  # as DownloadPolicy.max_bytes
MAX_TOTAL_BYTES = 16 * 1024 * MiB
MIN_TOTAL_BUDGET = 64 * MiB
MAX_RATIO = 200  # decompressed / compressed: beyond this an entry is a zip bomb
MAX_JSON_DEPTH = 64
MAX_OFFSET_MS = 24 * 3600 * 1000
MAX_POSITION_MS = 2**53 - 1
MAX_NOTE_CHARS = 100_000
MAX_NOTES = 10_000
MAX_TAGS = 10_000
MAX_ID_CHARS = 1000
SQLITE_INT = 2**63 - 1
_BLOCK = 1 << 20
_IN_MEMORY = 64 * MiB  # smaller bundles are read into memory once
_KINDS = frozenset({"raw", "normalized", "review"})
_SHA256 = re.compile(r"[0-9a-f]{64}")
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
                                        "author": n.author,
                                    }
                                    for n in review.notes
                                ],
                                # tags ----
                                "tags": [
                                    {
                                        "name": t.name,
                                        "start_ms": t.start_ms,
                                        "end_ms": t.end_ms,
                                        "comment": t.comment,
                                        "author": t.author,
                                        "created_at": t.created_at.isoformat(),
                                    }
                                    for t in library.call_tags(ref)
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


# -- reading a bundle -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Recording:
    name: str
    size: int
    sha256: str
    content_type: str | None


@dataclass(frozen=True, slots=True)
class _Planned:
    provider: str
    call_id: str
    account: str | None
    call: Call
    reviewed: bool
    flagged: bool
    sync_offset_ms: int | None
    notes: tuple[ImportNote, ...]
    recording: _Recording | None
    tags: tuple[ImportTag, ...] = ()

    @property
    def ref(self) -> CallRef:
        return CallRef(self.provider, self.call_id)


@dataclass(frozen=True, slots=True)
class _Checked:
    manifest: dict[str, Any]
    planned: list[_Planned]


def _refuse(message: str) -> BundleError:
    return BundleError(f"Refused: {message}")


class _Budget:
    """Every byte read from the bundle passes here: each entry against its own limit, all of
    them against the bundle's total, the JSON kept in memory against its own total. Declared
    sizes are never trusted; the bytes are counted as they come out of the decompressor."""

    def __init__(self, zf: zipfile.ZipFile, bundle_size: int) -> None:
        self.zf = zf
        self.left = min(MAX_TOTAL_BYTES, max(MIN_TOTAL_BUDGET, bundle_size * MAX_RATIO))
        self.json_left = MAX_JSON_TOTAL

    def chunks(self, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
        """The entry's bytes in blocks; refused beyond `limit` or the total budget."""
        read = 0
        try:
            with self.zf.open(info) as handle:
                while block := handle.read(_BLOCK):
                    read += len(block)
                    self.left -= len(block)
                    if read > limit:
                        raise _refuse(f"{info.filename} is larger than allowed ({limit} B).")
                    if self.left < 0:
                        raise _refuse("the bundle expands to more data than its size allows.")
                    yield block
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise _refuse(f"{info.filename} is damaged ({exc}).") from exc

    def json(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        data = bytearray()
        for block in self.chunks(info, limit):
            self.json_left -= len(block)
            if self.json_left < 0:
                raise _refuse(f"the bundle holds more than {MAX_JSON_TOTAL} B of call data.")
            data += block
        return bytes(data)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_json(data: bytes, what: str) -> Any:
    """JSON within the depth the library walks, with no text it could not store."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise _refuse(f"{what} is not valid JSON.") from exc
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _refuse(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(item, dict):
            for key, inner in item.items():
                if not _encodable(key):
                    raise _refuse(f"{what} holds text that is not valid Unicode.")
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str) and not _encodable(item):
            raise _refuse(f"{what} holds text that is not valid Unicode.")
    return value


def _text(value: Any, what: str, *, optional: bool = False, limit: int = 1000) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or not _encodable(value):
        raise _refuse(f"{what} is not valid text.")
    return value


def _int(value: Any, what: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _refuse(f"{what} is not a whole number between {low} and {high}.")
    return value


def _storable(call: Call, where: str) -> None:
    """The numbers and times the library stores as SQLite integers and ISO text fit there."""
    numbers = [call.duration_ms, call.transferred_ms]
    for segment in call.segments:
        numbers += [segment.index, segment.start_ms, segment.end_ms]
    numbers += [v.at_ms for v in call.variables]
    if any(n is not None and not -SQLITE_INT - 1 <= n <= SQLITE_INT for n in numbers):
        raise _refuse(f"the data of {where} holds a number too large to store.")
    try:
        for moment in (call.created_at, call.started_at, call.ended_at):
            iso_ms(moment)
        for variable in call.variables:
            iso_ms(variable.at)
    except (OverflowError, ValueError) as exc:
        raise _refuse(f"the data of {where} holds a time out of range.") from exc


def _review(data: Any, where: str) -> tuple[bool, bool, int | None, tuple[ImportNote, ...]]:
    if not isinstance(data, dict):
        raise _refuse(f"the review of {where} is not an object.")
    flags = []
    for key in ("reviewed", "flagged"):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise _refuse(f"the review of {where}: {key} is not true or false.")
        flags.append(bool(value))
    offset = data.get("sync_offset_ms")
    if offset is not None:
        offset = _int(offset, f"the sync offset of {where}", -MAX_OFFSET_MS, MAX_OFFSET_MS)
    raw_notes = data.get("notes")
    if raw_notes is None:
        raw_notes = []
    if not isinstance(raw_notes, list) or len(raw_notes) > MAX_NOTES:
        raise _refuse(f"the notes of {where} are not a list of at most {MAX_NOTES}.")
    notes = []
    for note in raw_notes:
        if not isinstance(note, dict):
            raise _refuse(f"a note of {where} is not an object.")
        text = note.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _refuse(f"a note of {where} has no text.")
        _text(text, f"a note of {where}", limit=MAX_NOTE_CHARS)
        position = note.get("position_ms")
        if position is not None:
            position = _int(position, f"a note position of {where}", 0, MAX_POSITION_MS)
        created = note.get("created_at")
        moment = None
        if created is not None:
            try:
                moment = datetime.fromisoformat(_text(created, f"a note time of {where}") or "")
                iso_ms(moment)
            except (ValueError, OverflowError) as exc:
                raise _refuse(f"a note time of {where} is not a valid time.") from exc
        # Optional: bundles written before notes had authors have none.
        author = note.get("author")
        if author is not None:
            try:
                author = clean_author(_text(author, f"a note author of {where}") or "")
            except ConfigError as exc:
                raise _refuse(f"a note author of {where} is not a valid name.") from exc
        notes.append(ImportNote(text, position, moment, author))
    return flags[0], flags[1], offset or None, tuple(notes)


# tags ----
def _tags(data: dict[str, Any], where: str) -> tuple[ImportTag, ...]:
    """The tagged moments of a review part, held to the rules of `Library.add_tag`."""
    raw_tags = data.get("tags")
    if raw_tags is None:
        return ()  # bundles written before tags
    if not isinstance(raw_tags, list) or len(raw_tags) > MAX_TAGS:
        raise _refuse(f"the tags of {where} are not a list of at most {MAX_TAGS}.")
    tags = []
    for tag in raw_tags:
        if not isinstance(tag, dict):
            raise _refuse(f"a tag of {where} is not an object.")
        try:
            name = clean_tag_name(_text(tag.get("name"), f"a tag name of {where}") or "")
        except ConfigError as exc:
            raise _refuse(f"a tag name of {where} is not valid ({exc})") from exc
        start, end = tag.get("start_ms"), tag.get("end_ms")
        if start is not None:
            start = _int(start, f"a tag start of {where}", 0, MAX_POSITION_MS)
        if end is not None:
            end = _int(end, f"a tag end of {where}", 0, MAX_POSITION_MS)
        comment = tag.get("comment")
        author = tag.get("author")
        try:
            start, end = check_tag_span(start, end)
            if comment is not None:
                comment = clean_tag_comment(
                    _text(comment, f"a tag comment of {where}", limit=MAX_TAG_COMMENT_CHARS)
                )
            if author is not None:
                author = clean_author(_text(author, f"a tag author of {where}") or "")
        except ConfigError as exc:
            raise _refuse(f"a tag of {where} is not valid ({exc})") from exc
        try:
            moment = datetime.fromisoformat(
                _text(tag.get("created_at"), f"a tag time of {where}") or ""
            )
            iso_ms(moment)
        except (ValueError, OverflowError) as exc:
            raise _refuse(f"a tag time of {where} is not a valid time.") from exc
        tags.append(ImportTag(name, start, end, comment, author, moment))
    return tuple(tags)


def _recording(
    budget: _Budget, by_name: dict[str, zipfile.ZipInfo], value: Any, where: str
) -> _Recording:
    if not isinstance(value, dict):
        raise _refuse(f"the recording of {where} is malformed.")
    name = value.get("file")
    info = by_name.get(name) if isinstance(name, str) else None
    if info is None or not info.filename.startswith("recordings/"):
        raise _refuse(f"the recording of {where} is missing.")
    size = _int(value.get("size"), f"the recording size of {where}", 0, MAX_RECORDING_BYTES)
    expected = value.get("sha256")
    if not isinstance(expected, str) or not _SHA256.fullmatch(expected):
        raise _refuse(f"the recording checksum of {where} is malformed.")
    content_type = _text(value.get("content_type"), f"the recording type of {where}", optional=True)
    digest = hashlib.sha256()
    head = b""
    read = 0
    for block in budget.chunks(info, size):
        if len(head) < 16:
            head += block[:16]
        digest.update(block)
        read += len(block)
    if read != size or digest.hexdigest() != expected:
        raise _refuse(f"checksum mismatch for {info.filename} (damaged or edited).")
    if sniff_audio(head) is None:
        raise _refuse(f"{info.filename} is not an audio file (MP3, WAV, OGG, FLAC, M4A, WebM).")
    return _Recording(info.filename, size, expected, content_type)


def _listing(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _refuse(f"the bundle has {len(infos)} entries (limit {MAX_ENTRIES}).")
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
            raise _refuse(f"unsafe or unexpected path in the bundle: {name[:80]!r}.")
        if name in by_name:
            raise _refuse(f"{name} appears twice in the bundle.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2 and LZMA inflate a whole block per read: their output cannot be bounded.
            raise _refuse(f"{name} uses a compression CallReview does not read (stored/deflate).")
        if info.flag_bits & 0x1:
            raise _refuse(f"{name} is encrypted.")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise _refuse(f"{name} is compressed suspiciously well (a zip bomb?).")
        by_name[name] = info
    return by_name


def _validate(zf: zipfile.ZipFile, bundle_size: int) -> _Checked:
    """Everything an import needs, checked before anything changes (see the module docstring)."""
    by_name = _listing(zf)
    budget = _Budget(zf, bundle_size)
    if "manifest.json" not in by_name:
        raise _refuse("this is not a CallReview bundle (no manifest.json).")
    manifest = _parse_json(
        budget.json(by_name["manifest.json"], MAX_MANIFEST_BYTES), "the bundle's manifest"
    )
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse("this is not a CallReview bundle.")
    if manifest.get("version") != VERSION:
        raise _refuse(
            f"bundle version {manifest.get('version')!r} is not supported (this "
            f"CallReview reads version {VERSION})."
        )
    calls = manifest.get("calls")
    if not isinstance(calls, list):
        raise _refuse("the bundle's manifest lists no calls.")
    planned: list[_Planned] = []
    seen: set[tuple[str, str]] = set()
    claimed: set[str] = set()  # every entry is read for one call only, once
    for entry in calls:
        if not isinstance(entry, dict):
            raise _refuse("a call entry in the manifest is malformed.")
        provider, call_id = entry.get("provider"), entry.get("call_id")
        if not isinstance(provider, str) or provider not in PROVIDERS:
            raise _refuse(f"unknown provider {str(provider)[:40]!r} in the bundle.")
        call_id = _text(call_id, "a call ID in the manifest", limit=MAX_ID_CHARS)
        assert call_id is not None
        where = f"{provider}:{call_id}"
        if (provider, call_id) in seen:
            raise _refuse(f"{where} appears twice in the bundle.")
        seen.add((provider, call_id))
        account = _text(entry.get("account"), f"the account of {where}", optional=True)
        files, recording = entry.get("files"), entry.get("recording")
        if not isinstance(files, dict) or not isinstance(recording, dict | None):
            raise _refuse(f"the manifest entry of {where} is malformed.")
        contents: dict[str, bytes] = {}
        for name, expected in files.items():
            kind = name.rsplit(".", 2)[-2] if name.count(".") >= 2 else ""
            if not name.startswith(f"calls/{provider}/") or kind not in _KINDS:
                raise _refuse(f"{name[:80]!r} is not a file a call can have.")
            listed = by_name.get(name)
            if listed is None:
                raise _refuse(f"{name} is listed in the manifest but missing.")
            if kind in contents or name in claimed:
                raise _refuse(f"{name} is listed more than once in the manifest.")
            claimed.add(name)
            data = budget.json(listed, MAX_CALL_JSON_BYTES)
            if not isinstance(expected, str) or hashlib.sha256(data).hexdigest() != expected:
                raise _refuse(f"checksum mismatch for {name} (damaged or edited).")
            contents[kind] = data
        if "raw" not in contents:
            raise _refuse(f"the bundle has no data for {where}.")
        raw = _parse_json(contents["raw"], f"the data of {where}")
        review = _parse_json(contents.get("review", b"{}"), f"the review of {where}")
        try:
            call = map_raw_call(provider, raw)
        except CallReviewError as exc:
            raise _refuse(f"the data of {where} is invalid ({exc}).") from exc
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
            raise _refuse(f"the data of {where} is invalid ({type(exc).__name__}).") from exc
        if (call.provider, call.call_id) != (provider, call_id):
            # A forged entry must never reach another call's row.
            raise _refuse(
                f"the manifest names {where} but its data is call "
                f"{call.provider}:{call.call_id[:80]}."
            )
        _storable(call, where)
        reviewed, flagged, offset, notes = _review(review, where)
        rec = None
        if recording is not None:
            rec = _recording(budget, by_name, recording, where)
            if rec.name in claimed:
                raise _refuse(f"{rec.name} is listed more than once in the manifest.")
            claimed.add(rec.name)
        tags = _tags(review, where)
        planned.append(
            _Planned(provider, call_id, account, call, reviewed, flagged, offset, notes, rec, tags)
        )
    return _Checked(manifest, planned)


@contextmanager
def _opened(path: Path) -> Iterator[tuple[zipfile.ZipFile, int]]:
    """The bundle as a zip file and its size; only a regular file is ever read, and I/O and
    zip errors become errors a person can act on."""
    path = path.expanduser()
    try:
        # Before opening: a FIFO would block the open, a device (/dev/zero) never ends.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise _refuse(f"{path} is not a regular file.")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):  # replaced between the two looks
                raise _refuse(f"{path} is not a regular file.")
            size = info.st_size
            source: Any = handle
            if size < _IN_MEMORY:
                source = io.BytesIO(handle.read(size))
            _check_directory(source)
            with zipfile.ZipFile(source) as zf:
                yield zf, size
    except FileNotFoundError as exc:
        raise StorageError(f"No such bundle: {path}.") from exc
    except IsADirectoryError as exc:
        raise _refuse(f"{path} is not a regular file.") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _refuse(f"{path} is not a valid bundle (not a zip file).") from exc
    except OSError as exc:
        raise StorageError(f"Could not read the bundle {path}: {exc.strerror}.") from exc


def _check_directory(source: Any) -> None:
    """Refuse a central directory with too many entries before zipfile builds them all."""
    end = zipfile._EndRecData(source)  # type: ignore[attr-defined]
    source.seek(0)
    if end is None:
        raise zipfile.BadZipFile("no end of central directory")
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ENTRIES:  # type: ignore[attr-defined]
        raise _refuse(f"the bundle has more than {MAX_ENTRIES} entries.")


def inspect_bundle(path: Path) -> BundleSummary:
    """Validate the whole bundle exactly as import_bundle does and describe it; changes nothing."""
    with _opened(path) as (zf, size):
        checked = _validate(zf, size)
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
            note_count=len(item.notes),
            reviewed=item.reviewed,
            flagged=item.flagged,
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


def import_bundle(library: Library, path: Path) -> ImportReport:
    """Validate the whole bundle, stage its recordings, then merge it into the library in one
    transaction (see the module docstring): on any refusal or error the library is as before."""
    staged: list[Path] = []
    try:
        with _opened(path) as (zf, size):
            planned = _validate(zf, size).planned
            plan = []
            for item in planned:
                recording = file = None
                if item.recording is not None:
                    recording, file = _stage(library, zf, item, item.recording)
                    staged.append(file)
                plan.append(
                    ImportCall(
                        item.call,
                        item.account,
                        reviewed=item.reviewed,
                        flagged=item.flagged,
                        sync_offset_ms=item.sync_offset_ms,
                        notes=item.notes,
                        recording=recording,
                        staged=file,
                        tags=item.tags,
                    )
                )
        counts = library.import_calls(plan)
    finally:
        for file in staged:  # moved into place, or not needed, or the import failed
            file.unlink(missing_ok=True)
    return ImportReport(counts.added, counts.merged, counts.recordings)


def _stage(
    library: Library, zf: zipfile.ZipFile, item: _Planned, rec: _Recording
) -> tuple[RecordingFile, Path]:
    """The verified recording copied under a temporary name beside where it will go."""
    target = library.recording_path(item.ref, PurePosixPath(rec.name).suffix)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".import", dir=target.parent)
    except OSError as exc:
        raise StorageError(f"Could not write to {target.parent}: {exc.strerror}.") from exc
    file = Path(name)
    try:
        digest = hashlib.sha256()
        # Read again (bounded by the size checked in _validate): the bytes that land are the
        # bytes that were checked.
        budget = _Budget(zf, MAX_TOTAL_BYTES)
        with os.fdopen(fd, "wb") as dst:
            for block in budget.chunks(zf.getinfo(rec.name), rec.size):
                digest.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        if digest.hexdigest() != rec.sha256:
            raise _refuse(f"checksum mismatch for {rec.name}.")
    except BaseException as exc:
        file.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StorageError(f"Could not write the recording {target}: {exc.strerror}.") from exc
        raise
    recording = RecordingFile(
        target, rec.size, rec.sha256, rec.content_type, None, datetime.now(UTC)
    )
    return recording, file
