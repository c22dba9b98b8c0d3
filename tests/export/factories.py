"""Calls with chosen texts, stored the way fetched calls are (from the provider's JSON)."""

from __future__ import annotations

from typing import Any

from callreview.library import Library
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from tests.standin import seed


def save_ringyo(library: Library, call_id: str, texts: list[str], **fields: Any) -> tuple[str, str]:
    """A Ringyo call whose transcript lines alternate agent/caller, one second apart."""
    doc = seed.ringyo_doc_example()
    doc["id"] = call_id
    doc["transcript"] = [
        {"role": "agent" if i % 2 == 0 else "user", "content": text, "timestamp": float(i)}
        for i, text in enumerate(texts)
    ]
    doc.update(fields)
    library.save_call(ringyo_call(doc), "acme")
    return ("ringyo", call_id)


def save_rounded(library: Library, **fields: Any) -> tuple[str, str]:
    """The documented Rounded call with answers, with some fields replaced."""
    doc = seed.rounded_doc_example_with_answers()
    doc.update(fields)
    library.save_call(rounded_call(doc), "support")
    return ("rounded", doc["id"])
