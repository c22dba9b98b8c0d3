"""Issue 14 items 2, 6 and 10 (the window's part): the review queue keeps its place, the
detail pane always shows the selected call or an empty state, the window fits its screen."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from callreview.domain import CallRef
from callreview.ui.call_list import DetailsScrollArea, fit_to_screen
from callreview.ui.main_window import MainWindow
from callreview.workspace import Workspace


def shown_window(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.show()
    qtbot.waitUntil(lambda: window.selected_ref() is not None, timeout=5000)
    return window


def listed(window: MainWindow) -> list[CallRef]:
    from callreview.ui.call_table import ROW_ROLE

    return [window.proxy.index(r, 0).data(ROW_ROLE).ref for r in range(window.proxy.rowCount())]


def select(window: MainWindow, row: int) -> None:
    """Select one row as a click would (QTableView.selectRow follows held modifiers)."""
    window.table.selectionModel().setCurrentIndex(
        window.proxy.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def current_row(window: MainWindow) -> int:
    rows = window.table.selectionModel().selectedRows()
    return rows[0].row() if len(rows) == 1 else -1


def settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=5000)


def press(qtbot: QtBot, window: MainWindow, key: str) -> None:
    action = {"Ctrl+R": window.act_reviewed, "J": window.act_next, "K": window.act_prev}[key]
    action.trigger()
    settle(qtbot, window)


def test_marking_reviewed_under_not_reviewed_moves_to_the_next_call_in_place(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.filter_bar.review.setCurrentText("Not reviewed")
    settle(qtbot, window)
    queue = listed(window)
    assert len(queue) >= 4
    select(window, 1)
    qtbot.waitUntil(lambda: window.selected_ref() == queue[1], timeout=3000)

    press(qtbot, window, "Ctrl+R")
    # The reviewed call left the list; the one after it now has its row and is shown.
    qtbot.waitUntil(lambda: window.selected_ref() == queue[2], timeout=3000)
    assert listed(window) == [queue[0], *queue[2:]]
    assert current_row(window) == 1
    assert window.call_view.stored is not None and window.call_view.stored.ref == queue[2]

    press(qtbot, window, "J")  # J continues from there, not from the top
    qtbot.waitUntil(lambda: window.selected_ref() == queue[3], timeout=3000)
    press(qtbot, window, "K")
    qtbot.waitUntil(lambda: window.selected_ref() == queue[2], timeout=3000)


def test_the_last_call_of_a_queue_leaves_the_empty_state(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.filter_bar.review.setCurrentText("Not reviewed")
    settle(qtbot, window)
    for _ in range(len(listed(window))):
        before = window.selected_ref()
        press(qtbot, window, "Ctrl+R")
        qtbot.waitUntil(lambda b=before: window.selected_ref() != b, timeout=3000)
    settle(qtbot, window)
    assert listed(window) == []
    assert window.call_view.stored is None
    assert window.call_view.title.text() == "No call selected"
    assert "No call left" in window.table.empty_text()


def test_marking_reviewed_without_a_filter_moves_on_to_the_next_row(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    calls = listed(window)
    select(window, 0)
    qtbot.waitUntil(lambda: window.selected_ref() == calls[0], timeout=3000)
    press(qtbot, window, "Ctrl+R")
    qtbot.waitUntil(lambda: window.selected_ref() == calls[1], timeout=3000)
    assert listed(window) == calls  # still listed, now reviewed
    # Un-marking does not move.
    select(window, 0)
    qtbot.waitUntil(lambda: window.selected_ref() == calls[0], timeout=3000)
    press(qtbot, window, "Ctrl+R")
    settle(qtbot, window)
    assert window.selected_ref() == calls[0]


def test_a_search_without_results_empties_the_detail_pane_and_says_so(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.filter_bar.search.setText("zzqxnothingmatchesthis")
    settle(qtbot, window)
    assert listed(window) == []
    assert window.call_view.stored is None
    assert "No call matches the search" in window.table.empty_text()


def test_a_search_that_drops_the_shown_call_shows_a_listed_one(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    calls = listed(window)
    select(window, len(calls) - 1)
    qtbot.waitUntil(lambda: window.selected_ref() == calls[-1], timeout=3000)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.filter_bar.review.setCurrentText("Flagged")
    settle(qtbot, window)
    shown = window.selected_ref()
    assert shown is None or shown in listed(window)


def test_clicking_empty_space_under_the_rows_keeps_the_call(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    window.resize(1400, 900)
    ref = window.selected_ref()
    viewport = window.table.viewport()
    below = QPoint(20, viewport.height() - 5)
    assert not window.table.indexAt(below).isValid(), "the sample has fewer rows than fit"
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=below)
    settle(qtbot, window)
    assert window.selected_ref() == ref
    assert window.table.selectionModel().hasSelection()


def test_a_first_window_fits_a_small_screen(qtbot: QtBot, demo_workspace: Workspace) -> None:
    window = MainWindow(demo_workspace)
    qtbot.addWidget(window)
    room = window.screen().availableGeometry()
    assert window.width() <= room.width() and window.height() <= room.height()


def test_a_restored_geometry_bigger_than_the_screen_is_clamped(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    room = widget.screen().availableGeometry()
    widget.setGeometry(QRect(room.right() - 50, room.bottom() - 50, 4000, 3000))
    fit_to_screen(widget)
    frame = widget.frameGeometry()
    assert room.contains(frame), (room, frame)


def test_the_queue_moves_on_even_while_ctrl_is_still_held(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    # Ctrl+R: the list reloads while Ctrl may still be down; a modifier-following selection
    # would toggle the next row off instead of selecting it.
    window = shown_window(qtbot, demo_workspace)
    calls = listed(window)
    select(window, 0)
    qtbot.waitUntil(lambda: window.selected_ref() == calls[0], timeout=3000)
    qtbot.keyPress(window.table, Qt.Key.Key_Control)
    try:
        press(qtbot, window, "Ctrl+R")
        qtbot.waitUntil(lambda: window.selected_ref() == calls[1], timeout=3000)
        assert current_row(window) == 1
    finally:
        qtbot.keyRelease(window.table, Qt.Key.Key_Control)


def test_the_library_search_carries_into_the_open_call(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    with qtbot.waitSignal(window.list_loaded, timeout=5000):
        window.filter_bar.search.setText("Thursday")
    settle(qtbot, window)
    assert listed(window), "the sample has a call about Thursday"
    qtbot.waitUntil(lambda: window.selected_ref() in listed(window), timeout=3000)
    assert window.listen.search.text() == "Thursday"
    assert window.listen.match_label.text()  # "1 of N" or "N match(es)"


def test_playback_without_a_sound_device_is_said_in_the_message_bar(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    window.listen.notice.emit("No sound device was found, so playback runs silently.")
    assert window.message_bar.isVisible()
    assert "No sound device" in window.message_bar.label.text()


def test_an_account_added_in_the_fetch_dialog_reaches_the_filter_bar(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    from tests.ui.conftest import run

    window = shown_window(qtbot, demo_workspace)
    dialog = window.open_fetch_dialog()
    run(qtbot, demo_workspace.save_account("newteam", "ringyo", "rg_test_4f9c2e1d8b7a"))
    dialog.accounts_changed.emit()
    qtbot.waitUntil(
        lambda: any(
            "newteam" in window.filter_bar.provider.itemText(i)
            for i in range(window.filter_bar.provider.count())
        ),
        timeout=3000,
    )
    dialog.close()


def test_a_short_window_folds_the_facts_into_one_line(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = shown_window(qtbot, demo_workspace)
    view = window.call_view
    window.resize(1400, 1000)
    qtbot.waitUntil(lambda: not view.compact, timeout=3000)
    assert view.header.isVisible()
    window.resize(900, 560)
    qtbot.waitUntil(lambda: view.compact, timeout=3000)
    assert not view.header.isVisible()
    line = view.facts_line.text()
    assert " → " in line and view.facts["status"].text() in line
    assert "Recording:" in view.facts_line.toolTip()
    # Folding never widens the pane: no sideways scrolling for a long line.
    scroll = window.findChild(DetailsScrollArea)
    assert scroll is not None and not scroll.horizontalScrollBar().isVisible()
