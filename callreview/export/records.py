"""Flat records for the calls CSV: the domain's one builder, which the library also uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from callreview.domain import StoredCall
from callreview.domain.records import CallRecord, record_from_stored

__all__ = ["CallRecord", "record_from_stored", "records"]


def records(stored_calls: Iterable[StoredCall]) -> Iterator[CallRecord]:
    return (record_from_stored(s) for s in stored_calls)
