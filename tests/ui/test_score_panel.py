"""The Score panel beside the transcript: keyboard answers, evidence, saving, moving on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from callreview.domain import Analysis, AnswerItem, CallRef
from callreview.domain.scorecard import NA, parse_template, score_card
from callreview.ui.call_view import CallView
from callreview.ui.listen import ListenPanel
from callreview.ui.main_window import MainWindow
from callreview.ui.score_panel import ANSWER_COLUMN, EMPTY_TEXT, PROVIDER_COLUMN, ScorePanel
from callreview.workspace import Workspace
from tests.ui.conftest import run, window_for
from tests.ui.fakes import FakePlayer
from tests.ui.test_main_window import idle, open_call
from tests.ui.test_notes_panel import with_notes

TEMPLATE = """\
name = "Test QA"
version = 1
pass_mark = 80

[[sections]]
title = "Opening"

[[sections.criteria]]
id = "resolved"
question = "Was the caller's issue resolved?"
kind = "yes_no"
weight = 2
provider_field = "issue_resolved"

[[sections]]
title = "Handling"

[[sections.criteria]]
id = "empathy"
question = "How well did the agent acknowledge the problem?"
kind = "scale"
min = 1
max = 5

[[sections.criteria]]
id = "interruptions"
question = "How often did the agent talk over the caller?"
kind = "choice"
options = [
    { label = "Never", points = 1.0 },
    { label = "Once", points = 0.5 },
    { label = "Repeatedly", points = 0.0 },
]

[[sections]]
title = "Closing"

[[sections.criteria]]
id = "next_steps"
question = "Did the agent summarise the next steps?"
kind = "yes_no"
na_allowed = true

[[sections.criteria]]
id = "coaching"
question = "What should the agent do differently?"
kind = "text"
"""
EXPECTED = {"resolved": True, "empathy": 4, "interruptions": "Once", "next_steps": NA}
# A sample call whose provider analysis says issue_resolved = true, with a recording.
RESOLVED_CALL = CallRef.parse("rounded:c41d8e2b-7a9f-4e3c-b1d0-5f6a7b8c9d0e")


def answer_by_keys(qtbot: QtBot, panel: ScorePanel) -> None:
    """Y, 4, 2, A, Enter: yes, 4 of 1..5, the second option, N/A, past the text criterion."""
    panel.view.setFocus()
    for key in (Qt.Key.Key_Y, Qt.Key.Key_4, Qt.Key.Key_2, Qt.Key.Key_A, Qt.Key.Key_Return):
        qtbot.keyClick(panel.view, key)


def row_of(panel: ScorePanel, criterion_id: str) -> int:
    for row in range(panel.model.rowCount()):
        if panel.model.item(row, 0).data(Qt.ItemDataRole.UserRole + 20) == criterion_id:
            return row
    raise AssertionError(criterion_id)


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[tuple[CallView, FakePlayer]]:
    player = FakePlayer()
    widget = CallView(ListenPanel(player))  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    yield widget, player


def test_keyboard_answers_score_as_the_domain_does(
    view: tuple[CallView, FakePlayer], qtbot: QtBot
) -> None:
    widget, _ = view
    stored = with_notes(())
    stored = replace(
        stored,
        call=replace(
            stored.call,
            analysis=Analysis(
                items=(AnswerItem("issue_resolved", "Resolved?", "bool", True, True),)
            ),
        ),
    )
    wanted: list[CallRef] = []
    widget.score.card_wanted.connect(wanted.append)
    widget.set_call(stored)
    assert wanted == [stored.ref]  # the window is asked for the call's cards
    template = parse_template(TEMPLATE, "test.toml")
    panel = widget.score
    panel.set_card(stored.ref, [template], [], "ana")
    widget.side_tabs.setCurrentWidget(panel)
    assert panel.isVisible() and widget.listen.view.isVisible()  # beside the transcript
    # The provider's value before any answer; agreement once answered.
    assert panel.model.item(row_of(panel, "resolved"), PROVIDER_COLUMN).text() == "Yes"
    assert panel.model.item(row_of(panel, "empathy"), PROVIDER_COLUMN).text() == ""
    assert panel.focused().id == "resolved"  # type: ignore[union-attr]

    answer_by_keys(qtbot, panel)

    assert panel.answers == EXPECTED
    expected = score_card(template, EXPECTED)
    assert (expected.shown, expected.result, expected.draft) == ("81.3", "pass", False)
    assert panel.total.text() == "Score 81.3 % · pass"
    assert panel.model.item(row_of(panel, "empathy"), ANSWER_COLUMN).text() == "4"
    assert panel.model.item(row_of(panel, "interruptions"), ANSWER_COLUMN).text() == "Once"
    assert panel.model.item(row_of(panel, "next_steps"), ANSWER_COLUMN).text() == "N/A"
    assert panel.model.item(row_of(panel, "resolved"), PROVIDER_COLUMN).text() == "Yes ✓ agrees"
    # Enter past the last criterion lands on Submit, which a complete card enables.
    assert panel.submit.isEnabled() and panel.submit.hasFocus()

    # N on the first criterion: a running score, a fail, and the provider disagrees.
    panel.focus_criterion("resolved")
    qtbot.keyClick(panel.view, Qt.Key.Key_N)
    assert panel.total.text() == f"Score {score_card(template, panel.answers).shown} % · fail"
    assert panel.model.item(row_of(panel, "resolved"), PROVIDER_COLUMN).text() == (
        "Yes ✗ disagrees"
    )
    # A key that does not answer (A where N/A is not allowed, 9 on a 1..5 scale) changes nothing.
    panel.focus_criterion("empathy")
    for key in (Qt.Key.Key_A, Qt.Key.Key_9):
        qtbot.keyClick(panel.view, key)
    assert panel.answers["empathy"] == 4 and panel.focused().id == "empathy"  # type: ignore[union-attr]


def test_citing_the_current_line_marks_the_timeline_and_seeks_there(
    view: tuple[CallView, FakePlayer], qtbot: QtBot
) -> None:
    widget, player = view
    stored = with_notes(())
    widget.set_call(stored)
    panel = widget.score
    panel.set_card(stored.ref, [parse_template(TEMPLATE, "test.toml")], [], "ana")
    widget.side_tabs.setCurrentWidget(panel)
    panel.focus_criterion("empathy")
    player.tick(9_100)
    qtbot.keyClick(panel.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert panel.evidence_positions == {"empathy": (9_100,)}
    timeline = widget.listen.timeline
    assert timeline.evidence == (9_100,)
    assert timeline.notes == ()  # a mark of its own, not a note's flag
    assert "0:09" in panel.evidence.text()
    # A click on the mark plays from the cited moment exactly.
    player.tick(0)
    qtbot.mouseClick(
        timeline, Qt.MouseButton.LeftButton, pos=QPoint(timeline.evidence_x(9_100) + 2, 4)
    )
    assert player.seeks[-1] == 9_100
    # The evidence link under the criterion seeks there too.
    panel.evidence.linkActivated.emit("9100")
    assert player.position() == 9_100
    # Another call: no marks of the last one's card remain.
    widget.set_call(replace(stored, call=replace(stored.call, call_id="c2")))
    assert timeline.evidence == ()


def import_template(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "test.toml"
    path.write_text(TEMPLATE, encoding="utf-8")
    run(qtbot, workspace.import_scorecard(path))


def score_tab(qtbot: QtBot, window: MainWindow, ref: CallRef) -> ScorePanel:
    open_call(qtbot, window, ref)
    panel = window.call_view.score
    window.call_view.side_tabs.setCurrentWidget(panel)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.template is not None, timeout=3000)
    return panel


def test_submit_saves_moves_on_and_the_card_comes_back(
    qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path
) -> None:
    import_template(qtbot, demo_workspace, tmp_path)
    window = window_for(qtbot, demo_workspace)
    panel = score_tab(qtbot, window, RESOLVED_CALL)
    assert panel.picker.currentText() == "Test QA" and not panel.empty.isVisible()
    assert panel.model.item(row_of(panel, "resolved"), PROVIDER_COLUMN).text() == "Yes"
    answer_by_keys(qtbot, panel)
    panel.comment.setText("Warm and clear")  # the focused criterion's comment (the text one)
    panel.comment.textEdited.emit("Warm and clear")
    row = window.table.currentIndex().row()
    assert row + 1 < window.proxy.rowCount()

    panel.submit.click()
    qtbot.waitUntil(lambda: window.selected_ref() != RESOLVED_CALL, timeout=3000)
    idle(qtbot, window)
    # Submitting moved on to the call below, as Ctrl+R does.
    assert window.table.currentIndex().row() == row + 1
    [card] = run(qtbot, demo_workspace.scores(RESOLVED_CALL))
    assert card.answers == EXPECTED and not card.draft
    assert card.comments == {"coaching": "Warm and clear"}
    assert (card.shown, card.result, card.author) == ("81.3", "pass", demo_workspace.reviewer)

    # Back to the call: the reviewer's card is shown again, not an empty one.
    panel = score_tab(qtbot, window, RESOLVED_CALL)
    qtbot.waitUntil(lambda: panel.answers == EXPECTED, timeout=3000)
    assert panel.total.text() == "Score 81.3 % · pass"
    assert panel.status.text().startswith("Submitted")
    panel.focus_criterion("coaching")
    assert panel.comment.text() == "Warm and clear"


def test_leaving_a_call_keeps_its_answers_as_a_draft(
    qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path
) -> None:
    import_template(qtbot, demo_workspace, tmp_path)
    window = window_for(qtbot, demo_workspace)
    panel = score_tab(qtbot, window, RESOLVED_CALL)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Y)
    assert not panel.submit.isEnabled()  # a draft cannot be submitted
    assert "draft" in panel.total.text()
    window.move_selection(1)
    qtbot.waitUntil(lambda: window.selected_ref() != RESOLVED_CALL, timeout=3000)
    idle(qtbot, window)
    [card] = run(qtbot, demo_workspace.scores(RESOLVED_CALL))
    assert card.draft and card.answers == {"resolved": True}
    panel = score_tab(qtbot, window, RESOLVED_CALL)
    qtbot.waitUntil(lambda: panel.answers == {"resolved": True}, timeout=3000)
    assert panel.status.text().startswith("Draft saved")


def test_no_scorecards_then_import_with_file_and_line_errors(
    qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path
) -> None:
    window = window_for(qtbot, demo_workspace)
    open_call(qtbot, window, RESOLVED_CALL)
    panel = window.call_view.score
    window.call_view.side_tabs.setCurrentWidget(panel)
    idle(qtbot, window)
    assert panel.empty.isVisible() and panel.empty.text() == EMPTY_TEXT
    assert not panel.picker.isVisible() and panel.import_button.isVisible()
    bad = tmp_path / "bad.toml"
    bad.write_text(TEMPLATE.replace('kind = "scale"', 'kind = "stars"'), encoding="utf-8")
    panel._on_file_selected(str(bad))
    qtbot.waitUntil(lambda: bool(panel.last_error), timeout=3000)
    line = TEMPLATE.splitlines().index('kind = "scale"') + 1
    assert panel.last_error.startswith(f"{bad}:{line}: ")
    [box] = [b for b in panel.findChildren(QMessageBox) if b.isVisible()]
    assert f"bad.toml:{line}:" in box.text()
    box.close()
    good = tmp_path / "good.toml"
    good.write_text(TEMPLATE, encoding="utf-8")
    panel._on_file_selected(str(good))
    qtbot.waitUntil(lambda: panel.template is not None, timeout=3000)
    assert panel.picker.isVisible() and not panel.empty.isVisible()
    assert panel.picker.currentText() == "Test QA"
