"""Scorecards in the SQLite library: import rules, replacing cards with history, list filters."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from callreview.domain import CallRef, ConfigError, StorageError
from callreview.domain.scorecard import NA, Template, parse_template
from callreview.domain.scores import ScoreFilter, shown_score
from callreview.library import SqliteLibrary
from callreview.providers.ringyo import map_call as ringyo_call
from tests.library.helpers import open_library
from tests.standin import seed

SUPPORT = """\
name = "Support QA"
version = 1
pass_mark = 80

[[sections]]
title = "Call"

[[sections.criteria]]
id = "greeting"
question = "Did the agent greet the caller?"
kind = "yes_no"
weight = 2
na_allowed = true

[[sections.criteria]]
id = "empathy"
question = "How well did the agent acknowledge the problem?"
kind = "scale"
min = 1
max = 5

[[sections.criteria]]
id = "resolution"
question = "How did the call end?"
kind = "choice"
options = [
  { label = "Resolved", points = 1.0 },
  { label = "Escalated", points = 0.5 },
  { label = "Unresolved", points = 0.0 },
]
weight = 3
critical = true

[[sections.criteria]]
id = "note"
question = "Anything else?"
kind = "text"
"""

SALES = """\
name = "Sales QA"
version = 1
pass_mark = 70

[[sections]]
title = "Pitch"

[[sections.criteria]]
id = "disclosure"
question = "Did the agent read the disclosure?"
kind = "yes_no"
critical = true

[[sections.criteria]]
id = "empathy"
question = "Did the agent listen?"
kind = "scale"
min = 0
max = 4

[[sections.criteria]]
id = "outcome"
question = "Outcome?"
kind = "choice"
options = [{ label = "Booked", points = 1.0 }, { label = "Lost", points = 0.0 }]
"""

FULL = {"greeting": True, "empathy": 4, "resolution": "Resolved"}  # (2 + 0.75 + 3) / 6


def template(text: str = SUPPORT) -> Template:
    return parse_template(text, "test.toml")


def ref(i: int) -> CallRef:
    return CallRef("ringyo", f"call_{i:06d}")


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[SqliteLibrary]:
    library = open_library(tmp_path)
    for i in range(6):  # agent_{i % 3}; call i starts i minutes before seed's epoch
        library.save_call(ringyo_call(seed.make_ringyo_call(i)), "acme")
    yield library
    library.close()


def test_import_rules(lib: SqliteLibrary) -> None:
    assert lib.import_scorecard(template()) is True
    assert lib.import_scorecard(template()) is False  # the identical text: nothing happens
    changed = SUPPORT.replace("Anything else?", "Anything more?")
    with pytest.raises(ConfigError, match="Version 1 of scorecard 'Support QA' is already"):
        lib.import_scorecard(template(changed))
    v3 = template(changed.replace("version = 1", "version = 3"))
    assert lib.import_scorecard(v3) is True  # a higher version is stored beside
    with pytest.raises(ConfigError, match="already at version 3"):
        lib.import_scorecard(template(changed.replace("version = 1", "version = 2")))
    assert lib.import_scorecard(template()) is False  # the old version again: still a no-op
    assert [t.version for t in lib.scorecards()] == [3]
    assert lib.scorecard("Support QA") == v3
    assert lib.scorecard("Support QA", 1).source == SUPPORT
    assert lib.scorecard_versions("Support QA") == [3, 1]
    with pytest.raises(ConfigError, match="No scorecard is named 'Nope'"):
        lib.scorecard("Nope")
    with pytest.raises(ConfigError, match="has no version 2"):
        lib.scorecard("Support QA", 2)


def test_save_score_computes_and_round_trips(lib: SqliteLibrary) -> None:
    lib.import_scorecard(template())
    card = lib.save_score(
        ref(0),
        template(),
        {**FULL, "greeting": NA, "note": "na"},
        {"empathy": "Kind, but slow."},
        {"resolution": (4200, 1200, 4200)},
        " Ana ",
    )
    assert (card.score, card.shown, card.result, card.draft) == (
        pytest.approx(100 * 3.75 / 4),
        "93.8",
        "pass",
        False,
    )
    assert card.author == "Ana"
    [back] = lib.scores(ref(0))
    assert back == card
    assert back.answers["greeting"] is NA and back.answers["note"] == "na"  # text stays text
    assert back.evidence == {"resolution": (1200, 4200)}
    assert back.agent == "agent_0"


def test_rescoring_replaces_the_card_and_keeps_history(lib: SqliteLibrary) -> None:
    lib.import_scorecard(template())
    lib.import_scorecard(template(SALES))
    first = lib.save_score(ref(0), template(), FULL, {}, {}, "ana")
    other = lib.save_score(ref(0), template(), {**FULL, "empathy": 1}, {}, {}, "bo")
    sales = lib.save_score(ref(0), template(SALES), {"disclosure": True}, {}, {}, "ana")
    second = lib.save_score(ref(0), template(), {**FULL, "resolution": "Unresolved"}, {}, {}, "ana")
    assert second.result == "fail"  # a critical criterion at 0
    cards = lib.scores(ref(0))
    assert [c.id for c in cards] == [second.id, sales.id, other.id, first.id]
    assert [c.replaced for c in cards] == [False, False, False, True]
    assert [c.id for c in lib.list_scores(ScoreFilter(scorecard="Support QA"))] == [
        other.id,
        second.id,
    ]


def test_replacing_is_one_transaction(lib: SqliteLibrary, tmp_path: Path) -> None:
    lib.import_scorecard(template())
    first = lib.save_score(ref(0), template(), FULL, {}, {}, "ana")
    db = sqlite3.connect(tmp_path / "library.sqlite3")
    db.execute(
        "CREATE TRIGGER no_replacing BEFORE UPDATE OF replaced_by ON scores "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    db.commit()
    with pytest.raises(StorageError):
        lib.save_score(ref(0), template(), {**FULL, "empathy": 1}, {}, {}, "ana")
    # The new card's insert was rolled back with the failed update: the old one is current.
    assert lib.scores(ref(0)) == [first]
    assert db.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 1
    db.close()


def test_a_higher_version_never_changes_earlier_scores(lib: SqliteLibrary) -> None:
    lib.import_scorecard(template())
    old = lib.save_score(ref(1), template(), FULL, {}, {}, "ana")
    v2 = template(SUPPORT.replace("version = 1", "version = 2").replace("weight = 3", "weight = 1"))
    lib.import_scorecard(v2)
    [back] = lib.scores(ref(1))
    assert (back.version, back.shown) == (1, old.shown)
    new = lib.save_score(ref(2), v2, FULL, {}, {}, "ana")
    assert new.version == 2 and new.shown != old.shown


def test_save_refuses_what_does_not_fit(lib: SqliteLibrary) -> None:
    with pytest.raises(ConfigError, match="import it first"):
        lib.save_score(ref(0), template(), FULL, {}, {}, "ana")
    lib.import_scorecard(template())
    with pytest.raises(ConfigError, match="no criterion 'tone'"):
        lib.save_score(ref(0), template(), {"tone": True}, {}, {}, "ana")
    with pytest.raises(ConfigError, match="not an answer to 'empathy'"):
        lib.save_score(ref(0), template(), {"empathy": 9}, {}, {}, "ana")
    with pytest.raises(ConfigError, match="comment"):
        lib.save_score(ref(0), template(), FULL, {"tone": "x"}, {}, "ana")
    with pytest.raises(ConfigError, match="positions"):
        lib.save_score(ref(0), template(), FULL, {}, {"empathy": (-1,)}, "ana")
    with pytest.raises(ConfigError, match="reviewer name is empty"):
        lib.save_score(ref(0), template(), FULL, {}, {}, "  ")
    assert lib.scores(ref(0)) == []


def test_list_filters(lib: SqliteLibrary) -> None:
    lib.import_scorecard(template())
    lib.import_scorecard(template(SALES))
    for i in range(6):
        lib.save_score(ref(i), template(), FULL, {}, {}, "ana" if i % 2 else "bo")
    lib.save_score(ref(0), template(SALES), {"disclosure": True}, {}, {}, "ana")  # a draft
    lib.save_score(
        ref(1),
        template(SALES),
        {"disclosure": True, "empathy": 4, "outcome": "Booked"},
        {},
        {},
        "cy",
    )

    def ids(**kwargs: object) -> list[str]:
        return sorted(
            f"{s.ref.call_id}/{s.scorecard}" for s in lib.list_scores(ScoreFilter(**kwargs))
        )  # type: ignore[arg-type]

    assert len(ids()) == 7  # the draft is left out
    assert ids(scorecard="Sales QA") == ["call_000001/Sales QA"]
    assert ids(agent="agent_1") == [
        "call_000001/Sales QA",
        "call_000001/Support QA",
        "call_000004/Support QA",
    ]
    assert ids(reviewer="bo") == [f"call_00000{i}/Support QA" for i in (0, 2, 4)]
    # The call's start: call i started i minutes before 12:00; until is exclusive.
    since = datetime.fromisoformat("2026-11-01T11:57:00+00:00")
    until = datetime.fromisoformat("2026-11-01T11:59:00+00:00")
    assert ids(since=since, until=until, scorecard="Support QA") == [
        "call_000002/Support QA",
        "call_000003/Support QA",
    ]


def test_deleting_a_call_deletes_its_cards(lib: SqliteLibrary) -> None:
    lib.import_scorecard(template())
    lib.save_score(ref(0), template(), FULL, {}, {}, "ana")
    lib.delete(ref(0))
    assert lib.list_scores(ScoreFilter()) == []


def test_shown_score_rounds_half_up() -> None:
    assert shown_score(80.05) == "80.1"
    assert shown_score(80.04999) == "80.0"
    assert shown_score(100.0) == "100.0"
    assert shown_score(None) == "n/a"


def test_scores_csv_neutralises_formulas_but_not_numbers(lib: SqliteLibrary) -> None:
    from callreview.domain.scores import write_scores_csv
    from callreview.export.text import safe_cell

    signed = template(SUPPORT.replace("min = 1\nmax = 5", "min = -2\nmax = 2"))
    lib.import_scorecard(signed)
    lib.save_score(ref(0), signed, {**FULL, "empathy": -2, "note": "=SUM(A1)"}, {}, {}, "@ana")
    out = io.StringIO()
    write_scores_csv(out, lib.list_scores(ScoreFilter()), [signed], safe_cell)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["empathy"], row["note"], row["reviewer"]) == ("-2", "'=SUM(A1)", "'@ana")
