"""What the library holds about a call beyond the call itself: review state, notes, the
recording file, the list row and the list's filters. Pure data, shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from callreview.domain.errors import ConfigError
from callreview.domain.model import Call, CallStatus
from callreview.domain.refs import CallRef


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
    tags: frozenset[str] = frozenset()  # tag names, any case; every one must be on the call


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
    "reviewed",
    "flagged",
    "has_notes",
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
    agent_name: str | None = None  # the provider's name for the agent, when it gives one
    has_notes: bool = False

    @property
    def ref(self) -> CallRef:
        return CallRef(self.provider, self.call_id)


@dataclass(frozen=True, slots=True)
class Note:
    """A reviewer's note, optionally pinned to a position in the recording.

    `author` is the reviewer's name as it was when the note was written; notes written
    before CallReview recorded authors (and bundles from then) have none.
    """

    id: int
    text: str
    position_ms: int | None
    created_at: datetime
    author: str | None = None


MAX_AUTHOR_CHARS = 100


def clean_author(name: str) -> str:
    """A reviewer's name as notes store it: stripped, 1 to 100 printable characters.

    Raises `ConfigError` otherwise: the name is shown beside every note and travels in
    bundles, so control characters, line breaks and lone surrogates have no place in it.
    """
    name = name.strip()
    if not name:
        raise ConfigError("The reviewer name is empty. Type the name to show beside your notes.")
    if len(name) > MAX_AUTHOR_CHARS:
        raise ConfigError(f"The reviewer name is longer than {MAX_AUTHOR_CHARS} characters.")
    if not name.isprintable() or any("\ud800" <= ch <= "\udfff" for ch in name):
        raise ConfigError(
            "The reviewer name holds characters that can't be shown (line breaks or control "
            "characters). Use letters, digits, spaces and punctuation."
        )
    return name


@dataclass(frozen=True, slots=True)
class Review:
    """The reviewer's state of one call: reviewed, flagged, the sync offset and the notes."""

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
    def ref(self) -> CallRef:
        return self.call.ref

    @property
    def missing_parts(self) -> frozenset[str]:
        """What the call still lacks; a stored recording file counts, whatever the raw JSON says.

        Bundles and refetches can carry a call whose provider data has no (or no longer a)
        recording link while the library holds the file itself.
        """
        missing = self.call.missing_parts
        return missing - {"recording"} if self.recording is not None else missing
