"""Tagged moments through the Workspace: the reviewer is the author, errors are in words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from callreview.domain import CallQuery, CallRef, ConfigError, NotInLibraryError
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.providers.rounded import map_call as rounded_call
from callreview.secrets import MemorySecretStore
from callreview.workspace import Workspace, build_workspace
from tests.library.helpers import open_library
from tests.standin import seed

T = TypeVar("T")
RINGYO = CallRef("ringyo", "call_xyz789")
ROUNDED = CallRef("rounded", seed.ROUNDED_ANSWERS_ID)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    lib = open_library(tmp_path)
    lib.save_call(ringyo_call(seed.ringyo_doc_example()), "acme")
    lib.save_call(rounded_call(seed.rounded_doc_example_with_answers()), "support")
    lib.close()
    return tmp_path


def run(data: Path, make: Callable[[Workspace], Coroutine[Any, Any, T]]) -> T:
    async def scenario() -> T:
        ws = build_workspace(data, secrets=MemorySecretStore())
        try:
            return await make(ws)
        finally:
            await ws.aclose()

    return asyncio.run(scenario())


def test_tags_are_written_by_the_reviewer_and_listed(data: Path) -> None:
    async def scenario(ws: Workspace) -> Any:
        ws.reviewer = "Alice QA"
        tag = await ws.add_tag(RINGYO, "hallucination", 42_000, 51_000, "made up a rule")
        moment = await ws.add_tag(RINGYO, "Long silence", 3000)
        await ws.add_tag(ROUNDED, "HALLUCINATION", None)
        rows = await ws.page(CallQuery(tags=frozenset({"hallucination", "long silence"})))
        listed = await ws.call_tags(RINGYO)
        await ws.delete_tag(tag.id)
        return tag, moment, await ws.tag_names(), rows, listed, await ws.call_tags(RINGYO)

    tag, moment, names, rows, listed, after = run(data, scenario)
    assert (tag.author, tag.comment, tag.start_ms, tag.end_ms) == (
        "Alice QA",
        "made up a rule",
        42_000,
        51_000,
    )
    assert (moment.start_ms, moment.end_ms, moment.comment) == (3000, 3000, None)
    assert names == ["hallucination", "Long silence"]
    assert [r.ref for r in rows.rows] == [RINGYO] and rows.total == 1
    assert [t.id for t in listed] == [moment.id, tag.id]
    assert [t.id for t in after] == [moment.id]


def test_bad_tags_and_missing_calls_are_errors_in_words(data: Path) -> None:
    async def bad_name(ws: Workspace) -> None:
        await ws.add_tag(RINGYO, "   ", 0)

    async def bad_span(ws: Workspace) -> None:
        await ws.add_tag(RINGYO, "ok", 5000, 1000)

    async def gone(ws: Workspace) -> None:
        await ws.add_tag(CallRef("ringyo", "nope"), "ok", 0)

    with pytest.raises(ConfigError, match="tag name is empty"):
        run(data, bad_name)
    with pytest.raises(ConfigError, match="end at or after"):
        run(data, bad_span)
    with pytest.raises(NotInLibraryError):
        run(data, gone)
