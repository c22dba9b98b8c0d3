"""Every item model passes qtmodeltester; the call list loads lazily and sorts in SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from callreview.library import CallQuery, SqliteLibrary
from callreview.library.sample import import_sample
from callreview.providers.ringyo import map_call
from callreview.ui.call_table import ROW_ROLE, CallProxyModel, CallTableModel
from callreview.ui.transcript import TranscriptModel, TranscriptView, breakable
from tests.standin import seed


@pytest.fixture
def big_library(tmp_path: Path) -> SqliteLibrary:
    lib = SqliteLibrary(tmp_path)
    lib.save_calls([map_call(seed.make_ringyo_call(i)) for i in range(450)], "acme")
    return lib


def test_call_table_model_passes_modeltester(qtmodeltester, big_library: SqliteLibrary) -> None:  # type: ignore[no-untyped-def]
    model = CallTableModel(big_library)
    model.reload(CallQuery())
    qtmodeltester.check(model, force_py=True)
    proxy = CallProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)


def test_lazy_loading(big_library: SqliteLibrary) -> None:
    model = CallTableModel(big_library)
    model.reload(CallQuery())
    assert model.rowCount() == 200 and model.total == 450
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 450 and not model.canFetchMore(QModelIndex())
    refs = [model.call_row(i).ref for i in range(450)]  # type: ignore[union-attr]
    assert len(set(refs)) == 450


def test_sort_goes_to_the_library(big_library: SqliteLibrary) -> None:
    model = CallTableModel(big_library)
    proxy = CallProxyModel()
    proxy.setSourceModel(model)
    model.reload(CallQuery())
    proxy.sort(7, Qt.SortOrder.AscendingOrder)  # duration
    first = proxy.index(0, 0).data(ROW_ROLE)
    assert first.duration_ms == min(r.duration_ms for r in big_library.query(CallQuery(limit=1000)))
    assert model.query.order_by == "duration_ms" and not model.query.descending


def test_display_and_tooltips(tmp_path: Path) -> None:
    lib = SqliteLibrary(tmp_path)
    import_sample(lib)
    model = CallTableModel(lib)
    model.reload(CallQuery())
    texts = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert {"Ended", "No answer", "In progress"} <= texts
    tip = model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "provider said" in tip
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None


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
