"""Calls with chosen texts, stored the way fetched calls are (from the provider's JSON)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from callreview.domain import CallRef
from callreview.export import FORMATS, ExportOptions, ExportResult, export_calls
from callreview.library import Library
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.standin import seed


def save_ringyo(library: Library, call_id: str, texts: list[str], **fields: Any) -> CallRef:
    """A Ringyo call whose transcript lines alternate agent/caller, one second apart."""
    doc = seed.ringyo_doc_example()
    doc["id"] = call_id
    doc["transcript"] = [
        {"role": "agent" if i % 2 == 0 else "user", "content": text, "timestamp": float(i)}
        for i, text in enumerate(texts)
    ]
    doc.update(fields)
    library.save_call(ringyo_call(doc), "acme")
    return CallRef("ringyo", call_id)


def save_rounded(library: Library, **fields: Any) -> CallRef:
    """The documented Rounded call with answers, with some fields replaced."""
    doc = seed.rounded_doc_example_with_answers()
    doc.update(fields)
    library.save_call(rounded_call(doc), "support")
    return CallRef("rounded", doc["id"])


def export_from(
    library: Library,
    refs: Sequence[CallRef],
    fmt: str,
    output: Path,
    options: ExportOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Export calls of a library as the Workspace does: the library's flat records for a
    format that takes them (the calls CSV), the stored calls for the others."""
    if FORMATS[fmt].takes_records:
        return export_calls(list(library.iter_records(refs)), fmt, output, options, progress)
    calls = [library.get(ref) for ref in refs]
    assert all(calls), "every call is in the library"
    return export_calls([c for c in calls if c is not None], fmt, output, options, progress)
