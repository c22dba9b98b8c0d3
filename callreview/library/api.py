"""The library's backend-neutral API: what every storage engine offers to the layers above."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from callreview.domain import Call, CallStatus


@dataclass(frozen=True, slots=True)
class CallQuery:
    """Filters for browsing the library; all optional, combined with AND."""

    search: str | None = None
    statuses: frozenset[CallStatus] = frozenset()
    provider: str | None = None
    account: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    reviewed: bool | None = None
    flagged: bool | None = None
    limit: int = 200
    offset: int = 0
    order_by: str = "started_at"
    descending: bool = True


SORT_KEYS = (
    "started_at",
    "status",
    "provider",
    "account",
    "from_number",
    "to_number",
    "agent_id",
    "duration_ms",
    "cost",
    "review",
)


@dataclass(frozen=True, slots=True)
class CallRow:
    """One line of the call list: the normalized columns, without transcript or raw JSON."""

    provider: str
    call_id: str
    account: str | None
    status: CallStatus
    status_raw: str | None
    direction: str
    from_number: str | None
    to_number: str | None
    agent_id: str | None
    started_at: datetime | None
    duration_ms: int | None
    cost: str | None
    segment_count: int
    reviewed: bool
    flagged: bool
    has_recording: bool
    missing: frozenset[str]

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.call_id}"


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    text: str
    position_ms: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Review:
    reviewed: bool = False
    flagged: bool = False
    sync_offset_ms: int = 0
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordingFile:
    """A recording stored in the library (never a URL)."""

    path: Path
    size: int
    sha256: str
    content_type: str | None
    duration_ms: int | None = None
    downloaded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredCall:
    """A call as the library holds it: the call, who fetched it and when, the review state."""

    call: Call
    account: str | None
    fetched_at: datetime
    review: Review = field(default_factory=Review)
    recording: RecordingFile | None = None

    @property
    def missing_parts(self) -> frozenset[str]:
        """What the call still lacks; a stored recording file counts, whatever the raw JSON says.

        Bundles and refetches can carry a call whose provider data has no (or no longer a)
        recording link while the library holds the file itself.
        """
        missing = self.call.missing_parts
        return missing - {"recording"} if self.recording is not None else missing


class Library(Protocol):
    """Storage for calls, recordings and review state; nothing above it writes SQL."""

    @property
    def recordings_dir(self) -> Path: ...

    def close(self) -> None: ...

    def save_call(self, call: Call, account: str | None) -> StoredCall: ...

    def get(self, provider: str, call_id: str) -> StoredCall | None: ...

    def resolve(self, ref: str) -> tuple[str, str]: ...

    def query(self, query: CallQuery) -> list[CallRow]: ...

    def count(self, query: CallQuery) -> int: ...

    def set_review(
        self,
        provider: str,
        call_id: str,
        *,
        reviewed: bool | None = None,
        flagged: bool | None = None,
        sync_offset_ms: int | None = None,
    ) -> Review: ...

    def add_note(
        self, provider: str, call_id: str, text: str, position_ms: int | None = None
    ) -> Note: ...

    def delete_note(self, note_id: int) -> None: ...

    def recording_path(self, provider: str, call_id: str, extension: str) -> Path: ...

    def set_recording(self, provider: str, call_id: str, recording: RecordingFile) -> None: ...

    def delete(self, provider: str, call_id: str) -> None: ...

    def incomplete(self) -> list[tuple[str, str, str | None]]: ...

    def refs(self) -> Sequence[tuple[str, str]]: ...

    def iter_records(
        self, refs: Sequence[tuple[str, str]] | None = None
    ) -> Iterator[dict[str, Any]]: ...
