"""The library's backend-neutral API: what every storage engine offers to the layers above."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from callreview.domain import (
    SORT_KEYS,
    Call,
    CallQuery,
    CallRef,
    CallRow,
    ConfigError,
    Note,
    RecordingFile,
    Review,
    Segment,
    StoredCall,
)
from callreview.domain.records import CallRecord
from callreview.domain.reports import Report, ReportQuery
from callreview.domain.scorecard import AnswerValue, Template
from callreview.domain.scores import ScoreFilter, StoredScore
from callreview.domain.tags import Tag

# The data types live in the domain (exports and the window use them without the library);
# they are re-exported here for the code that still imports them from the library.
__all__ = [
    "SORT_KEYS",
    "CallQuery",
    "CallRow",
    "DownloadLimits",
    "ImportCall",
    "ImportCounts",
    "ImportNote",
    "ImportTag",
    "Library",
    "Note",
    "RawMapper",
    "RecordingFile",
    "Review",
    "StoredCall",
]


class RawMapper(Protocol):
    """Re-derives a domain call from a provider's verbatim JSON and the parts asked for.

    The library stores the raw JSON and maps it again on every read, so a newer mapping
    needs no refetch; the composition root passes the providers' registry function.
    """

    def __call__(self, provider: str, raw: Any, included: frozenset[str], /) -> Call: ...


# The bounds a person may choose, in seconds (the window's spin boxes and the CLI check them).
DEADLINE_RANGE = (1, 24 * 3600)
STALL_RANGE = (1, 3600)


@dataclass(frozen=True, slots=True)
class DownloadLimits:
    """How long one recording's download may take, so none runs silently for ever.

    `deadline_s` bounds the whole download (every retry and resume included) and
    `stall_timeout_s` the wait for the next byte. The defaults are far beyond a normal
    recording: a 500 MiB file (the size limit) at 2.5 Mbit/s finishes inside 30 minutes, and a
    storage server that sends nothing for a minute is not coming back.
    """

    deadline_s: float = 1800.0
    stall_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        for name, value, (low, high) in (
            ("download deadline", self.deadline_s, DEADLINE_RANGE),
            ("stall timeout", self.stall_timeout_s, STALL_RANGE),
        ):
            if not low <= value <= high:
                raise ConfigError(
                    f"The {name} must be between {low} and {high} seconds (got {value:g})."
                )


@dataclass(frozen=True, slots=True)
class ImportNote:
    """A note to add unless the call already has it.

    With `created_at`, a note is present when one has the same text, position, author and
    time; a note without a time is present when one has the same text, position and author
    (no author matches only notes without one).
    """

    text: str
    position_ms: int | None = None
    created_at: datetime | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ImportCall:
    """One call of a validated import, merged by the bundle rule (see `Library.import_calls`).

    `recording` describes the file as it will be stored (its `path` is `recording_path`);
    `staged` is that file, complete and verified, under a temporary name in the recordings
    folder: it is moved into place only if the call has no recording yet.
    """

    call: Call
    account: str | None
    reviewed: bool = False
    flagged: bool = False
    sync_offset_ms: int | None = None
    notes: tuple[ImportNote, ...] = ()
    recording: RecordingFile | None = None
    staged: Path | None = None
    tags: tuple[ImportTag, ...] = ()  # added unless present (see `ImportTag`)


# tags ----
@dataclass(frozen=True, slots=True)
class ImportTag:
    """A tagged moment to add to an imported call unless it has it: the same name (any case),
    span, author and time make the same tag."""

    name: str
    start_ms: int | None
    end_ms: int | None
    comment: str | None
    author: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ImportCounts:
    added: int
    merged: int
    recordings: int


class Library(Protocol):
    """Storage for calls, recordings and review state; nothing above it writes SQL."""

    @property
    def recordings_dir(self) -> Path: ...

    def close(self) -> None: ...

    def save_call(self, call: Call, account: str | None) -> StoredCall: ...

    def get(self, ref: CallRef) -> StoredCall | None: ...

    def segments(self, ref: CallRef) -> tuple[Segment, ...]: ...

    def resolve(self, text: str) -> CallRef: ...

    def query(self, query: CallQuery) -> list[CallRow]: ...

    def count(self, query: CallQuery) -> int: ...

    def set_review(
        self,
        ref: CallRef,
        *,
        reviewed: bool | None = None,
        flagged: bool | None = None,
        sync_offset_ms: int | None = None,
    ) -> Review: ...

    def add_note(
        self, ref: CallRef, text: str, position_ms: int | None = None, author: str | None = None
    ) -> Note:
        """Save a note; `author` is checked with `clean_author` (None: no author)."""
        ...

    def delete_note(self, note_id: int) -> None: ...

    # scorecards and scores ----
    def import_scorecard(self, template: Template) -> bool:
        """Store a template; False if this text is stored already. ConfigError for a different
        text under an imported version or under a version below the newest."""
        ...

    def scorecards(self) -> list[Template]:
        """The newest version of each scorecard, by name."""
        ...

    def scorecard(self, name: str, version: int | None = None) -> Template:
        """One version (the newest without `version`); ConfigError if there is none."""
        ...

    def scorecard_versions(self, name: str) -> list[int]: ...

    def save_score(
        self,
        ref: CallRef,
        template: Template,
        answers: Mapping[str, AnswerValue],
        comments: Mapping[str, str],
        evidence: Mapping[str, tuple[int, ...]],
        author: str,
    ) -> StoredScore:
        """Score and store a card, replacing (in the same transaction) the author's current
        card of this call and scorecard, which stays as history."""
        ...

    def scores(self, ref: CallRef) -> list[StoredScore]:
        """The call's cards: current first, then history, newest first."""
        ...

    def list_scores(self, filter: ScoreFilter) -> list[StoredScore]:
        """Current, non-draft cards matching the filter."""
        ...

    def report(self, query: ReportQuery) -> Report:
        """Current, non-draft cards aggregated per agent, ISO week (UTC) or criterion;
        ConfigError for a scorecard that is not imported."""
        ...

    def recording_path(self, ref: CallRef, extension: str) -> Path: ...

    def set_recording(self, ref: CallRef, recording: RecordingFile) -> None: ...

    def delete(self, ref: CallRef) -> None: ...

    def incomplete(self) -> list[tuple[CallRef, str | None]]: ...

    def refs(self) -> list[CallRef]: ...

    def iter_records(self, refs: Sequence[CallRef] | None = None) -> Iterator[CallRecord]: ...

    def import_calls(self, plan: Sequence[ImportCall]) -> ImportCounts:
        """Merge `plan` in ONE write transaction: all of it or, on any error, nothing.

        A call the library lacks is saved; one it has keeps its provider data. Reviewed and
        flagged are set when True (never cleared), the sync offset when given, notes added
        unless present (see `ImportNote`), and the staged recording moved into place when the
        call has none. The existing state is read inside the same transaction, so importing
        the same plan twice, even from two processes at once, changes nothing the second time.
        """
        ...

    # tags ----
    def tag_names(self) -> list[str]:
        """The team's tag list, alphabetical."""
        ...

    def add_tag(
        self,
        ref: CallRef,
        name: str,
        start_ms: int | None,
        end_ms: int | None,
        comment: str | None,
        author: str | None,
    ) -> Tag:
        """Tag a span of the call (a start alone: that moment; neither: the whole call); an
        unknown name joins the tag list in the same transaction. ConfigError for a bad name,
        comment, author or span."""
        ...

    def call_tags(self, ref: CallRef) -> list[Tag]:
        """The call's tags ordered by start (whole-call tags first)."""
        ...

    def delete_tag(self, tag_id: int) -> None: ...
