"""Scorecards through the Workspace: importing files, scoring calls, the scores CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from callreview.domain import CallRef, ConfigError
from callreview.domain.scorecard import FIXED_COLUMNS, NA, TemplateError
from callreview.domain.scores import ScoreFilter
from callreview.providers.ringyo import map_call as ringyo_call
from callreview.secrets import MemorySecretStore
from callreview.workspace import Workspace, build_workspace
from tests.library.test_scores import FULL, SALES, SUPPORT
from tests.standin import seed

T = TypeVar("T")


def ref(i: int) -> CallRef:
    return CallRef("ringyo", f"call_{i:06d}")


def run(tmp_path: Path, scenario: Callable[[Workspace], Coroutine[Any, Any, T]]) -> T:
    async def main() -> T:
        ws = build_workspace(tmp_path / "data", secrets=MemorySecretStore())
        ws.reviewer = "ana"
        try:
            for i in range(4):
                await ws.library.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
            return await scenario(ws)
        finally:
            await ws.aclose()

    return asyncio.run(main())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_import_and_export_keep_the_text_byte_for_byte(tmp_path: Path) -> None:
    crlf = SUPPORT.replace("\n", "\r\n")
    source = write(tmp_path, "support.toml", crlf)

    async def scenario(ws: Workspace) -> None:
        template, added = await ws.import_scorecard(source)
        assert (template.name, added) == ("Support QA", True)
        assert (await ws.import_scorecard(source))[1] is False
        await ws.export_scorecard("Support QA", tmp_path / "out.toml")
        assert [t.name for t in await ws.scorecards()] == ["Support QA"]

    run(tmp_path, scenario)
    assert (tmp_path / "out.toml").read_bytes() == crlf.encode("utf-8")


def test_an_invalid_file_stores_nothing(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.toml", SUPPORT.replace("weight = 3", "weight = -3"))
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'name = "Caf\xe9"\n')

    async def scenario(ws: Workspace) -> None:
        with pytest.raises(TemplateError) as info:
            await ws.import_scorecard(bad)
        assert str(info.value).startswith(f"{bad}:")
        assert "'weight' must be 0 or more" in str(info.value)
        with pytest.raises(TemplateError, match=r"latin.toml:1: not UTF-8"):
            await ws.import_scorecard(latin)
        with pytest.raises(ConfigError, match="Could not read"):
            await ws.import_scorecard(tmp_path / "missing.toml")
        assert await ws.scorecards() == []

    run(tmp_path, scenario)


def test_save_score_uses_the_newest_version_and_the_reviewer(tmp_path: Path) -> None:
    support = write(tmp_path, "support.toml", SUPPORT)
    v2 = write(tmp_path, "v2.toml", SUPPORT.replace("version = 1", "version = 2"))

    async def scenario(ws: Workspace) -> None:
        await ws.import_scorecard(support)
        first = await ws.save_score(ref(0), "Support QA", FULL, {"empathy": "ok"})
        assert (first.author, first.version, first.shown, first.result) == (
            "ana",
            1,
            "95.8",
            "pass",
        )
        await ws.import_scorecard(v2)
        draft = await ws.save_score(ref(0), "Support QA", {"greeting": NA}, reviewer="bo")
        assert (draft.author, draft.version, draft.draft, draft.result) == ("bo", 2, True, "n/a")
        again = await ws.save_score(ref(0), "Support QA", FULL, evidence={"greeting": (1500,)})
        cards = await ws.scores(ref(0))
        assert [(c.id, c.replaced) for c in cards] == [
            (again.id, False),
            (draft.id, False),
            (first.id, True),
        ]
        assert [c.id for c in await ws.list_scores()] == [again.id]  # the draft is left out
        with pytest.raises(ConfigError, match="No scorecard is named"):
            await ws.save_score(ref(0), "Nope", FULL)

    run(tmp_path, scenario)


def test_export_scores_csv_has_the_union_of_criteria(tmp_path: Path) -> None:
    support = write(tmp_path, "support.toml", SUPPORT)
    sales = write(tmp_path, "sales.toml", SALES)
    out = tmp_path / "scores.csv"

    async def scenario(ws: Workspace) -> tuple[int, str]:
        await ws.import_scorecard(support)
        await ws.import_scorecard(sales)
        await ws.save_score(ref(0), "Support QA", {**FULL, "note": 'Said "sorry", twice'})
        await ws.save_score(
            ref(1), "Sales QA", {"disclosure": True, "empathy": 2, "outcome": "Lost"}
        )
        await ws.save_score(ref(2), "Sales QA", {"disclosure": True})  # draft: left out
        await ws.save_score(ref(3), "Support QA", {**FULL, "greeting": NA}, reviewer="bo")
        # Replaces the card above; a formula in a text answer is neutralised.
        await ws.save_score(ref(3), "Support QA", {**FULL, "note": "=HYPERLINK(1)"}, reviewer="bo")
        count = await ws.export_scores(out)
        stream = io.StringIO()
        await ws.export_scores(stream, ScoreFilter(scorecard="Sales QA"))
        return count, stream.getvalue()

    count, sales_only = run(tmp_path, scenario)
    assert count == 3
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        # Templates by name (Sales, then Support), each id once, in template order.
        assert reader.fieldnames == [
            *FIXED_COLUMNS,
            "disclosure",
            "empathy",
            "outcome",
            "greeting",
            "resolution",
            "note",
        ]
    by_ref = {r["call_ref"]: r for r in rows}
    assert set(by_ref) == {"ringyo:call_000000", "ringyo:call_000001", "ringyo:call_000003"}
    first = by_ref["ringyo:call_000000"]
    assert first["provider"] == "ringyo" and first["agent"] == "agent_0"
    assert (first["reviewer"], first["scorecard"], first["version"]) == ("ana", "Support QA", "1")
    assert (first["score"], first["result"]) == ("95.8", "pass")
    assert (first["greeting"], first["empathy"], first["resolution"]) == ("yes", "4", "Resolved")
    assert first["note"] == 'Said "sorry", twice' and first["disclosure"] == ""
    assert first["scored_at"].endswith("Z")
    sale = by_ref["ringyo:call_000001"]
    assert (sale["outcome"], sale["result"], sale["greeting"]) == ("Lost", "fail", "")
    assert by_ref["ringyo:call_000003"]["greeting"] == "yes"  # the replacing card
    assert by_ref["ringyo:call_000003"]["note"] == "'=HYPERLINK(1)"
    only = list(csv.DictReader(io.StringIO(sales_only)))
    assert [r["call_ref"] for r in only] == ["ringyo:call_000001"]
    assert list(only[0]) == [*FIXED_COLUMNS, "disclosure", "empathy", "outcome"]
