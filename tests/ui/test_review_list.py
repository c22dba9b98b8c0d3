"""The call list shows review state at a glance (issue 14, item 1): reviewed, flagged and
has-notes as icons beside Status, agents by name or a short ID, no "Unknown" direction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from callreview.domain import CallQuery, CallRef, CallRow, CallStatus, Direction
from callreview.ui.call_table import (
    COLUMN,
    COLUMNS,
    HEADER_STATE_KEY,
    MARK_WIDTH,
    MARKS,
    CallProxyModel,
    CallTableModel,
    MarkDelegate,
    fit_columns,
)
from callreview.ui.plain import plain_tooltip
from callreview.workspace import Workspace
from tests.ui.conftest import window_for

TIP = Qt.ItemDataRole.ToolTipRole
ICON = Qt.ItemDataRole.DecorationRole
UUID = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"


def make_row(call_id: str = "call_1", **changes: object) -> CallRow:
    row = CallRow(
        provider="ringyo",
        call_id=call_id,
        account="acme",
        status=CallStatus.ENDED,
        status_raw="completed",
        direction="unknown",
        from_number="+15550100100",
        to_number="+15550142301",
        agent_id="agent_reminders_ava",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=42_000,
        cost=None,
        segment_count=3,
        reviewed=False,
        flagged=False,
        has_recording=False,
        missing=frozenset(),
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def model_of(*rows: CallRow) -> CallTableModel:
    model = CallTableModel()
    model.set_rows(CallQuery(), list(rows), len(rows))
    return model


def test_review_marks_are_icons_with_tooltips_beside_status(qtbot: QtBot) -> None:
    model = model_of(make_row("marked", reviewed=True, flagged=True, has_notes=True), make_row())
    status = COLUMN["status"]
    # Right beside Status, in this order, not the last of the columns.
    assert [COLUMN["reviewed"], COLUMN["flagged"], COLUMN["has_notes"]] == [
        status + 1,
        status + 2,
        status + 3,
    ]
    for key, tip, off in (
        ("reviewed", "Reviewed", "Not reviewed"),
        ("flagged", "Flagged", "Not flagged"),
        ("has_notes", "Has notes", "No notes"),
    ):
        on_cell, off_cell = model.index(0, COLUMN[key]), model.index(1, COLUMN[key])
        icon = on_cell.data(ICON)
        assert isinstance(icon, QIcon) and not icon.isNull()
        assert not icon.pixmap(16, 16).isNull()
        assert on_cell.data(TIP) == tip
        assert not on_cell.data()  # an icon, not a letter
        assert off_cell.data(ICON) is None and off_cell.data(TIP) == off
        # The title is the same icon, named in its tooltip.
        assert model.headerData(COLUMN[key], Qt.Orientation.Horizontal, TIP) == tip
        assert isinstance(model.headerData(COLUMN[key], Qt.Orientation.Horizontal, ICON), QIcon)
    # The three icons differ from each other.
    keys = [
        model.index(0, COLUMN[k]).data(ICON).pixmap(16, 16).toImage()
        for k in ("reviewed", "flagged", "has_notes")
    ]
    assert keys[0] != keys[1] != keys[2] != keys[0]
    texts = {model.index(r, c).data() for r in range(2) for c in range(model.columnCount())}
    assert not any(t and ("RF" in t or "♪" in t) for t in texts)
    assert "review" not in {key for key, _ in COLUMNS}


def test_each_review_mark_sorts_in_the_library(qtbot: QtBot) -> None:
    model = model_of(make_row())
    proxy = CallProxyModel()
    proxy.setSourceModel(model)
    for key in ("reviewed", "flagged", "has_notes"):
        with qtbot.waitSignal(model.rows_wanted) as wanted:
            proxy.sort(COLUMN[key], Qt.SortOrder.DescendingOrder)
        assert wanted.args[0].order_by == key and wanted.args[0].descending


def test_agent_by_name_else_a_short_id_with_the_full_id_in_the_tooltip(qtbot: QtBot) -> None:
    model = model_of(
        make_row("named", agent_id=UUID, agent_name="Ava"),
        make_row("uuid", agent_id=UUID),
        make_row("slug", agent_id="agent_reminders_ava"),
        make_row("none", agent_id=None),
    )
    agent = COLUMN["agent_id"]
    named, uuid, slug, none = (model.index(r, agent) for r in range(4))
    assert named.data() == "Ava"
    assert named.data(TIP) == plain_tooltip(f"Ava\nAgent ID: {UUID}")
    assert uuid.data() == "5d4c3b2a…"
    assert uuid.data(TIP) == plain_tooltip(UUID)
    assert slug.data() == "agent_reminders_ava"  # short enough to read whole
    assert none.data() == "" and none.data(TIP) is None


def test_the_list_never_says_unknown(qtbot: QtBot) -> None:
    model = model_of(make_row(direction="unknown"))
    shown = [model.index(0, c).data() for c in range(model.columnCount())]
    assert not any(t and "unknown" in t.lower() for t in shown)


def test_the_window_shows_the_marks_at_1024_and_ignores_an_old_header_state(
    qtbot: QtBot,
    demo_workspace: Workspace,
) -> None:
    # A state saved by an earlier version (other columns) under the old key, here one that
    # hides the new columns: it must not apply.
    first = window_for(qtbot, demo_workspace)
    header = first.table.horizontalHeader()
    for key in ("reviewed", "flagged", "has_notes", "agent_id"):
        header.hideSection(COLUMN[key])
    old_state = header.saveState()
    first.close()  # (saves its own state under the new key: not what an old version did)
    first.settings.remove(HEADER_STATE_KEY)
    first.settings.setValue("header", old_state)
    first.settings.sync()
    window = window_for(qtbot, demo_workspace)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.table.viewport().width() > 0)
    header = window.table.horizontalHeader()
    viewport = window.table.viewport().width()
    for key in ("reviewed", "flagged", "has_notes"):
        column = COLUMN[key]
        assert not header.isSectionHidden(column)
        assert header.sectionSize(column) == MARK_WIDTH  # narrow, after resize-to-contents
        assert header.sectionViewportPosition(column) + MARK_WIDTH <= viewport  # on screen
    assert not header.isSectionHidden(COLUMN["agent_id"])
    # The window saves under the new key (the next start restores that).
    window.save_settings()
    assert window.settings.value(HEADER_STATE_KEY) is not None
    window.player.release()
    first.player.release()


def test_a_direction_the_provider_does_not_give_is_a_dash(
    qtbot: QtBot,
    demo_workspace: Workspace,
) -> None:
    window = window_for(qtbot, demo_workspace)
    ref = CallRef.parse("rounded:9b2f6c1a-4e7d-4b8a-a3c5-1d2e3f4a5b6c")
    window.table.selectRow(window.model.row_of(ref))
    qtbot.waitUntil(
        lambda: window.call_view.stored is not None and window.call_view.stored.ref == ref
    )
    stored = window.call_view.stored
    assert stored is not None
    window.call_view.set_call(
        replace(stored, call=replace(stored.call, direction=Direction.UNKNOWN))
    )
    assert window.call_view.facts["direction"].text() == "–"
    window.call_view.set_call(
        replace(stored, call=replace(stored.call, direction=Direction.INBOUND))
    )
    assert window.call_view.facts["direction"].text() == "Inbound"
    window.player.release()


def test_the_marks_are_painted_in_the_middle_of_their_narrow_columns(qtbot: QtBot) -> None:
    view = QTableView()
    qtbot.addWidget(view)
    model = model_of(make_row(reviewed=True, flagged=True, has_notes=True))
    view.setModel(model)
    fit_columns(view)
    view.resize(700, 200)
    view.show()
    qtbot.waitExposed(view)
    image = view.viewport().grab().toImage()
    for key in MARKS:
        assert isinstance(view.itemDelegateForColumn(COLUMN[key]), MarkDelegate)
        cell = view.visualRect(model.index(0, COLUMN[key]))
        assert view.columnWidth(COLUMN[key]) == MARK_WIDTH
        top, bottom = cell.top(), cell.bottom()

        # Coloured pixels (the icon) on both sides of the middle, none at the edges.
        def inked(x: int, top: int = top, bottom: int = bottom) -> bool:
            return any(image.pixelColor(x, y).saturation() > 80 for y in range(top, bottom))

        middle = cell.center().x()
        assert inked(middle - 3) and inked(middle + 3)
        assert not inked(cell.left() + 2) and not inked(cell.right() - 2)
