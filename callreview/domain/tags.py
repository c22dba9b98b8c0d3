"""Tagged moments: a named tag from the team's list on a span of a call, with a comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callreview.domain.errors import ConfigError
from callreview.domain.refs import CallRef

MAX_TAG_CHARS = 60
MAX_TAG_COMMENT_CHARS = 2000
# Positions travel in bundles as JSON numbers: beyond 2**53 a reader may round them.
MAX_TAG_POSITION_MS = 2**53 - 1


@dataclass(frozen=True, slots=True)
class Tag:
    """One tagged moment of a call: `name` from the tag list on [start_ms, end_ms].

    Both ends None: the whole call. `author` is the reviewer's name when it was tagged.
    """

    id: int
    ref: CallRef
    name: str
    start_ms: int | None
    end_ms: int | None
    comment: str | None
    author: str | None
    created_at: datetime


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def clean_tag_name(text: str) -> str:
    """A tag's name as the tag list keeps it: stripped, 1 to 60 printable characters.

    Raises `ConfigError` otherwise: names are shown on transcript lines and in menus, and
    travel in bundles, so line breaks, control characters and lone surrogates are refused.
    """
    name = text.strip()
    if not name:
        raise ConfigError("The tag name is empty. Type a name such as 'long silence'.")
    if len(name) > MAX_TAG_CHARS:
        raise ConfigError(f"The tag name is longer than {MAX_TAG_CHARS} characters.")
    if not name.isprintable() or _has_surrogate(name):
        raise ConfigError(
            "The tag name holds characters that can't be shown (line breaks or control "
            "characters). Use letters, digits, spaces and punctuation."
        )
    return name


def clean_tag_comment(text: str | None) -> str | None:
    """A tag's comment: stripped, at most 2,000 printable characters and line breaks; a blank
    comment is no comment. Raises `ConfigError` otherwise."""
    if text is None:
        return None
    comment = text.strip()
    if not comment:
        return None
    if len(comment) > MAX_TAG_COMMENT_CHARS:
        raise ConfigError(f"The tag comment is longer than {MAX_TAG_COMMENT_CHARS} characters.")
    if _has_surrogate(comment) or not all(
        ch.isprintable() or ch in "\n\t" for ch in comment.replace("\r\n", "\n")
    ):
        raise ConfigError(
            "The tag comment holds characters that can't be shown (control characters). "
            "Use letters, digits, spaces, punctuation and line breaks."
        )
    return comment.replace("\r\n", "\n")


def check_tag_span(start_ms: int | None, end_ms: int | None) -> tuple[int | None, int | None]:
    """The span a tag covers: both ends or neither (the whole call); only an end given is
    refused; a start alone is the moment itself. Raises `ConfigError` for a span out of order
    or out of range."""
    if start_ms is None:
        if end_ms is not None:
            raise ConfigError("A tagged span needs a start as well as an end.")
        return None, None
    end = start_ms if end_ms is None else end_ms
    for value in (start_ms, end):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError("A tag's times must be whole milliseconds.")
        if not 0 <= value <= MAX_TAG_POSITION_MS:
            raise ConfigError("A tag's times must be within the call (0 or later).")
    if end < start_ms:
        raise ConfigError("A tagged span must end at or after its start.")
    return start_ms, end
