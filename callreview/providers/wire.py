"""Helpers shared by the providers' wire schemas and mappings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from callreview.domain import JSONValue, SchemaError
from callreview.domain.timeline import parse_iso

M = TypeVar("M", bound=BaseModel)


class Wire(BaseModel):
    """Base of every wire schema: unknown fields are kept (and later listed), never fatal."""

    model_config = ConfigDict(extra="allow", frozen=True)


def validate(model: type[M], raw: object, label: str, what: str) -> M:
    """Validate `raw` into `model`, turning every failure into one readable SchemaError."""
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
