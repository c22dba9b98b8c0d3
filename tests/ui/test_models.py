"""Every item model passes qtmodeltester; the call list loads lazily and sorts in the library."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from callreview.domain import CallQuery
from callreview.library import SqliteLibrary
from callreview.library.sample import import_sample
from callreview.providers.ringyo import map_call
from callreview.ui.call_table import COLUMN, PAGE, ROW_ROLE, CallProxyModel, CallTableModel
from callreview.ui.transcript import TranscriptModel, TranscriptView, breakable
from tests.library.helpers import open_library
from tests.standin import seed


@pytest.fixture
def big_library(tmp_path: Path) -> SqliteLibrary:
    lib = open_library(tmp_path)
    lib.save_calls([map_call(seed.make_ringyo_call(i)) for i in range(450)], "acme")
    return lib


def fed(library: SqliteLibrary) -> CallTableModel:
    """The model answered from a library at once, as the window answers it through a task."""
    model = CallTableModel()
    model.rows_wanted.connect(lambda q: model.set_rows(q, library.query(q), library.count(q)))
    model.more_wanted.connect(lambda q: model.append_rows(q, library.query(q)))
    first = CallTableModel.first_page(CallQuery())
    model.set_rows(first, library.query(first), library.count(first))
    return model


def test_call_table_model_passes_modeltester(qtmodeltester, big_library: SqliteLibrary) -> None:  # type: ignore[no-untyped-def]
    model = fed(big_library)
    qtmodeltester.check(model, force_py=True)
    proxy = CallProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)


def test_lazy_loading(big_library: SqliteLibrary) -> None:
    model = fed(big_library)
    assert model.rowCount() == 200 and model.total == 450
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 450 and not model.canFetchMore(QModelIndex())
    refs = [model.call_row(i).ref for i in range(450)]  # type: ignore[union-attr]
    assert len(set(refs)) == 450


def test_fetch_more_asks_once_and_only_for_the_next_page(qtbot: QtBot) -> None:
    model = CallTableModel()
    model.set_rows(CallQuery(search="refund"), [], 450)
    asked: list[CallQuery] = []
    model.more_wanted.connect(asked.append)
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())  # the view asks again on every scroll: one request
    assert asked == [replace(CallQuery(search="refund"), limit=PAGE, offset=0)]
    model.more_failed(asked[0])  # it did not come: the next scroll asks again
    model.fetchMore(QModelIndex())
    assert len(asked) == 2 and asked[1] == asked[0]


def test_a_page_of_an_older_list_is_dropped(big_library: SqliteLibrary) -> None:
    model = CallTableModel()
    first = CallTableModel.first_page(CallQuery())
    model.set_rows(first, big_library.query(first), big_library.count(first))
    asked: list[CallQuery] = []
    model.more_wanted.connect(asked.append)
    model.fetchMore(QModelIndex())
    [stale] = asked
    # The filter changed before the page came back: it belongs to the old list.
    newer = CallTableModel.first_page(CallQuery(order_by="duration_ms"))
    model.set_rows(newer, big_library.query(newer), big_library.count(newer))
    assert not model.append_rows(stale, big_library.query(stale))
    assert model.rowCount() == 200
    assert model.next_page() == replace(newer, offset=200)


def test_the_end_of_a_list_that_shrank(big_library: SqliteLibrary) -> None:
    model = fed(big_library)
    asked: list[CallQuery] = []
    model.more_wanted.disconnect()
    model.more_wanted.connect(asked.append)
    model.fetchMore(QModelIndex())
    assert model.append_rows(asked[0], [])  # the calls were deleted meanwhile
    assert model.total == 200 and not model.canFetchMore(QModelIndex())


def test_sort_goes_to_the_library(big_library: SqliteLibrary, qtbot: QtBot) -> None:
    model = fed(big_library)
    proxy = CallProxyModel()
    proxy.setSourceModel(model)
    with qtbot.waitSignal(model.rows_wanted) as wanted:
        proxy.sort(COLUMN["duration_ms"], Qt.SortOrder.AscendingOrder)
    assert wanted.args[0].order_by == "duration_ms" and not wanted.args[0].descending
    first = proxy.index(0, 0).data(ROW_ROLE)
    assert first.duration_ms == min(r.duration_ms for r in big_library.query(CallQuery(limit=1000)))
    assert model.query.order_by == "duration_ms" and not model.query.descending


def test_display_and_tooltips(tmp_path: Path) -> None:
    lib = open_library(tmp_path)
    import_sample(lib)
    model = fed(lib)
    texts = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert {"Ended", "No answer", "In progress"} <= texts
    tip = model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "provider said" in tip
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    # The review marks of a call with notes, reviewed and flagged, read from the library.
    ref = model.call_row(0).ref  # type: ignore[union-attr]
    lib.set_review(ref, reviewed=True, flagged=True)
    lib.add_note(ref, "Listen to the greeting again", None)
    model = fed(lib)
    row = model.row_of(ref)
    for key, tip in (("reviewed", "Reviewed"), ("flagged", "Flagged"), ("has_notes", "Has notes")):
        assert model.index(row, COLUMN[key]).data(Qt.ItemDataRole.ToolTipRole) == tip
        assert model.index(row, COLUMN[key]).data(Qt.ItemDataRole.DecorationRole) is not None


def test_transcript_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = TranscriptModel()
    call = map_call(seed.ringyo_doc_example())
    model.set_segments(call.segments)
    qtmodeltester.check(model, force_py=True)
    assert model.index(1, 0).data() == (
        "[0:03] Caller: Hi Sarah, I'm doing well. What's this call about?"
    )


def test_long_unbroken_text_wraps_instead_of_being_cut_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = seed.ringyo_doc_example()
    blob = '{"result":"' + "x" * 600 + '"}'
    doc["transcript"] = [
        {"role": "agent", "content": "Short line.", "timestamp": 0.0},
        {"role": "tool_call", "content": blob, "timestamp": 1.0},
    ]
    view = TranscriptView()
    qtbot.addWidget(view)
    model = TranscriptModel()
    model.set_segments(map_call(doc).segments)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    short = view.sizeHintForIndex(model.index(0, 0)).height()
    long = view.sizeHintForIndex(model.index(1, 0)).height()
    assert long > 3 * short  # several wrapped lines, not one clipped line
    assert breakable(blob).replace("\u200b", "") == blob  # only break points were added
    assert model.index(1, 0).data().endswith(blob)  # copies and exports keep the real text
