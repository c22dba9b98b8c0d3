"""The call list's rows carry the agent's name and whether a call has notes, from the library."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from callreview.cli import row_to_dict
from callreview.domain import CallQuery, CallRef, CallRow
from callreview.library import SqliteLibrary
from callreview.providers.ringyo import map_call
from tests.library.helpers import open_library
from tests.standin import seed


def three_calls(tmp_path: Path) -> tuple[SqliteLibrary, list[CallRef]]:
    lib = open_library(tmp_path)
    calls = [map_call(seed.make_ringyo_call(i)) for i in range(3)]
    # Ringyo gives no agent name; a provider that does (Retell) sets Call.agent_name.
    calls[0] = replace(calls[0], agent_id="agent_zzz", agent_name="Ava Quixote")
    calls[1] = replace(calls[1], agent_id="agent_aaa", agent_name=None)
    calls[2] = replace(calls[2], agent_id="agent_mmm", agent_name="Bob")
    lib.save_call(calls[0], "acme")  # one at a time ...
    lib.save_calls(calls[1:], "acme")  # ... and in bulk: both write the name
    return lib, [c.ref for c in calls]


def rows_by_ref(lib: SqliteLibrary) -> dict[CallRef, CallRow]:
    return {row.ref: row for row in lib.query(CallQuery())}


def test_the_agent_name_round_trips(tmp_path: Path) -> None:
    lib, refs = three_calls(tmp_path)
    rows = rows_by_ref(lib)
    assert rows[refs[0]].agent_name == "Ava Quixote"
    assert rows[refs[0]].agent_id == "agent_zzz"
    assert rows[refs[1]].agent_name is None
    assert row_to_dict(rows[refs[0]])["agent_name"] == "Ava Quixote"
    # Saved again without a name (a refetch that no longer has one): the name goes.
    call = lib.get(refs[0])
    assert call is not None
    lib.save_call(replace(call.call, agent_name=None), "acme")
    assert rows_by_ref(lib)[refs[0]].agent_name is None


def test_the_agent_column_sorts_by_what_it_shows_and_names_are_searchable(tmp_path: Path) -> None:
    lib, refs = three_calls(tmp_path)
    ordered = [r.ref for r in lib.query(CallQuery(order_by="agent_id", descending=False))]
    # "agent_aaa" (no name) < "Ava Quixote" < "Bob": the name where there is one.
    assert ordered == [refs[1], refs[0], refs[2]]
    assert [r.ref for r in lib.query(CallQuery(search="quixote"))] == [refs[0]]


def test_has_notes_round_trips_and_sorts(tmp_path: Path) -> None:
    lib, refs = three_calls(tmp_path)
    assert not any(r.has_notes for r in lib.query(CallQuery()))
    note = lib.add_note(refs[1], "Check the refund wording", 3000)
    lib.add_note(refs[1], "A second note", None)
    rows = rows_by_ref(lib)
    assert rows[refs[1]].has_notes and not rows[refs[0]].has_notes
    assert row_to_dict(rows[refs[1]])["has_notes"] is True
    assert lib.query(CallQuery(order_by="has_notes"))[0].ref == refs[1]
    assert len(lib.query(CallQuery(order_by="has_notes"))) == 3  # one row per call
    # Notes survive a refetch of the call, and so does the mark.
    stored = lib.get(refs[1])
    assert stored is not None
    lib.save_call(stored.call, "acme")
    assert rows_by_ref(lib)[refs[1]].has_notes
    lib.delete_note(note.id)
    assert rows_by_ref(lib)[refs[1]].has_notes  # one left
    for n in lib.get(refs[1]).review.notes:  # type: ignore[union-attr]
        lib.delete_note(n.id)
    assert not any(r.has_notes for r in lib.query(CallQuery()))


def test_reviewed_and_flagged_sort_on_their_own(tmp_path: Path) -> None:
    lib, refs = three_calls(tmp_path)
    lib.set_review(refs[2], reviewed=True)
    lib.set_review(refs[1], flagged=True)
    assert lib.query(CallQuery(order_by="reviewed"))[0].ref == refs[2]
    assert lib.query(CallQuery(order_by="flagged"))[0].ref == refs[1]
