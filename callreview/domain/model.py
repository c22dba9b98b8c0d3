"""Normalized call model shared by every provider, the library, the player and the exports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from callreview.domain.refs import CallRef

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"


class CallStatus(StrEnum):
    """Where a call is in its life; the provider's own word is kept in `Call.status_raw`."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    TRANSFERRED = "transferred"
    FAILED = "failed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    CANCELED = "canceled"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self not in _LIVE_STATUSES

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


_LIVE_STATUSES = frozenset(
    {CallStatus.QUEUED, CallStatus.RINGING, CallStatus.IN_PROGRESS, CallStatus.UNKNOWN}
)


class Role(StrEnum):
    """Who spoke a transcript line; the provider's word is kept in `Segment.role_raw`."""

    AGENT = "agent"
    USER = "user"
    SYSTEM = "system"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    TRANSFER_TARGET = "transfer_target"
    OTHER = "other"


class Direction(StrEnum):
    """Which way the call went."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    WEB = "web"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount as the provider stated it; currencies are never mixed or guessed."""

    amount: Decimal
    currency: str | None = None
    unit: str = "unstated"

    def __str__(self) -> str:
        text = f"{self.amount.normalize():f}"
        return f"{text} {self.currency}" if self.currency else text


ROLE_LABELS: dict[Role, str] = {
    Role.AGENT: "Agent",
    Role.USER: "Caller",
    Role.SYSTEM: "System",
    Role.TOOL_CALL: "Tool call",
    Role.TOOL_RESULT: "Tool result",
    Role.TRANSFER_TARGET: "Transfer",
    Role.OTHER: "Other",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One transcript line; positions are ms from the start of the recording."""

    index: int
    role: Role
    role_raw: str
    text: str
    start_ms: int
    end_ms: int | None = None
    end_inferred: bool = True
    flags: tuple[str, ...] = ()

    @property
    def speaker(self) -> str:
        """Who spoke, for people: "Agent", "Caller", … or the provider's own word."""
        if self.role is Role.OTHER:
            return self.role_raw or "Other"
        return ROLE_LABELS[self.role]


@dataclass(frozen=True, slots=True)
class Recording:
    """Where the provider said the audio is; a URL is a short-lived credential, never an export."""

    url: str | None
    expires_at: datetime | None = None
    presigned: bool = False
    secure: bool | None = None

    def is_expired(self, now: datetime, margin_s: float = 120.0) -> bool:
        if self.expires_at is None:
            return False
        return (self.expires_at - now).total_seconds() <= margin_s


@dataclass(frozen=True, slots=True)
class AnswerItem:
    """A typed question/answer produced by the platform's post-call analysis."""

    key: str
    question: str
    question_type: str
    answered: bool
    value: JSONValue = None
    description: str | None = None
    optional: bool | None = None

    @property
    def value_text(self) -> str:
        if not self.answered:
            return "(no answer)"
        value = self.value
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the platform concluded about a call."""

    summary: str | None = None
    outcome: str | None = None
    sentiment: str | None = None
    success: bool | None = None
    structured: Mapping[str, JSONValue] = field(default_factory=dict)
    items: tuple[AnswerItem, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.summary
            or self.outcome
            or self.sentiment
            or self.success is not None
            or self.structured
            or self.items
        )


@dataclass(frozen=True, slots=True)
class Variable:
    """A value the agent collected during the call, with when it was set."""

    name: str
    type: str | None
    value: JSONValue
    at: datetime | None = None
    at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Timing:
    """How transcript positions were derived: which anchor, and what looked wrong."""

    anchor: datetime | None
    anchor_source: str
    has_positions: bool = True
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Account:
    """A named API key for one platform; the key itself lives only in the OS keyring."""

    name: str
    provider: str
    base_url: str


@dataclass(frozen=True, slots=True)
class Call:
    """A call as CallReview understands it, with the provider's JSON kept verbatim beside it."""

    provider: str
    call_id: str
    status: CallStatus
    status_raw: str | None
    direction: Direction = Direction.UNKNOWN
    direction_raw: str | None = None
    call_type: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_ms: int | None = None
    duration_source: str | None = None
    transferred_ms: int | None = None
    cost: Money | None = None
    answered_by: str | None = None
    metadata: Mapping[str, JSONValue] = field(default_factory=dict)
    segments: tuple[Segment, ...] = ()
    transcript_text: str | None = None
    variables: tuple[Variable, ...] = ()
    analysis: Analysis | None = None
    recording: Recording | None = None
    timing: Timing = field(default_factory=lambda: Timing(None, "none", has_positions=False))
    included: frozenset[str] = frozenset()
    raw: Mapping[str, JSONValue] = field(default_factory=dict)
    unmapped_fields: tuple[str, ...] = ()

    @property
    def ref(self) -> CallRef:
        return CallRef(self.provider, self.call_id)

    @property
    def missing_parts(self) -> frozenset[str]:
        """Parts a finished call should have but does not yet (they arrive late)."""
        if not self.status.is_terminal or self.status not in _HAS_ARTEFACTS:
            return frozenset()
        missing = set()
        if not self.segments and not self.transcript_text:
            missing.add("transcript")
        if self.recording is None:
            missing.add("recording")
        if self.analysis is None or self.analysis.is_empty:
            missing.add("analysis")
        return frozenset(missing)


_HAS_ARTEFACTS = frozenset({CallStatus.ENDED, CallStatus.TRANSFERRED})
