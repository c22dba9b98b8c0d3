"""Helpers shared by the providers' wire schemas and mappings."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from callreview.domain import JSONValue, SchemaError
from callreview.domain.timeline import parse_iso

M = TypeVar("M", bound=BaseModel)

# What the library can store: SQLite integers are signed 64-bit, text is UTF-8 (no lone
# surrogates), and positions and durations are whole milliseconds that must stay exact
# in a double (JSON readers, QMediaPlayer): below 2**53 ms, about 285,000 years.
MAX_INT = 2**63 - 1
MAX_MS = 2**53
MAX_SECONDS = MAX_MS / 1000
# Real call documents nest a dozen levels; metadata a few more. Far deeper is hostile (and
# would exhaust the stack of every recursive reader after us).
MAX_DEPTH = 64


def _no_surrogates(value: str) -> str:
    if not _storable_text(value):
        raise ValueError("text with a lone surrogate (not valid Unicode)")
    return value


def _storable_text(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Field types of the wire schemas: every value in them can be stored by the library.
Text = Annotated[str, AfterValidator(_no_surrogates)]
Int64 = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
Seconds = Annotated[float, Field(ge=-MAX_SECONDS, le=MAX_SECONDS, allow_inf_nan=False)]
Number = Annotated[float, Field(ge=-1e300, le=1e300, allow_inf_nan=False)]


class Wire(BaseModel):
    """Base of every wire schema: unknown fields are kept (and later listed), never fatal."""

    model_config = ConfigDict(extra="allow", frozen=True)


def check_json(raw: object, label: str, what: str) -> None:
    """Refuse JSON the library cannot store or our readers cannot walk, before validation.

    Iterative (a hostile depth can't exhaust the stack here): nesting deeper than MAX_DEPTH,
    text with a lone surrogate (in a value or a key), integers beyond 64 bits and numbers
    that are not finite raise a SchemaError naming where.
    """
    stack: list[tuple[object, int, str]] = [(raw, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise SchemaError(
                    f"{label} sent {what} nested too deep (more than {MAX_DEPTH} levels, "
                    f"at {_where(where)}); refusing it.",
                    provider=label,
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    path = f"{where}.{key}" if where else str(key)
                    if isinstance(key, str) and not _storable_text(key):
                        raise _bad_text(label, what, _shown_path(where, key))
                    stack.append((item, depth + 1, path))
            else:
                for pos, item in enumerate(value):
                    stack.append((item, depth + 1, f"{where}[{pos}]"))
        elif isinstance(value, str):
            if not _storable_text(value):
                raise _bad_text(label, what, where)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not -MAX_INT <= value <= MAX_INT:
                raise SchemaError(
                    f"{label} sent {what} with a number too large to store at "
                    f"{_where(where)} ({len(str(abs(value)))} digits).",
                    provider=label,
                )
        elif isinstance(value, float) and not math.isfinite(value):
            raise SchemaError(
                f"{label} sent {what} with a number that is not finite at {_where(where)}.",
                provider=label,
            )


def _where(path: str) -> str:
    return _clip(path) or "the top level"


def _clip(text: str, limit: int = 80) -> str:
    text = text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return text if len(text) <= limit else text[:limit] + "…"


def _shown_path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _bad_text(label: str, what: str, where: str) -> SchemaError:
    return SchemaError(
        f"{label} sent {what} with text that is not valid Unicode (a lone surrogate) at "
        f"{_where(where)}.",
        provider=label,
    )


def validate(model: type[M], raw: object, label: str, what: str) -> M:
    """Validate `raw` into `model`, turning every failure into one readable SchemaError."""
    check_json(raw, label, what)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"{where}: {err['msg']}")
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise SchemaError(
            f"{label} sent {what} in an unexpected shape: {'; '.join(problems)}{more}.",
            provider=label,
        ) from exc


def parse_time(value: str | None, field: str, label: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return parse_iso(value)
    except (ValueError, OverflowError) as exc:
        raise SchemaError(
            f"{label} sent an invalid date/time in {field}: {value[:40]!r}.", provider=label
        ) from exc


def unmapped(raw: Mapping[str, Any], consumed: Iterable[str], prefix: str = "") -> list[str]:
    used = set(consumed)
    return [f"{prefix}{key}" for key in raw if key not in used]


def as_json_mapping(value: Mapping[str, Any] | None) -> dict[str, JSONValue]:
    return dict(value) if value else {}


def norm_word(value: str | None) -> str:
    return (value or "").strip().lower().replace("-", "_").replace(" ", "_")
