"""Provider and reviewer text is shown as plain text everywhere: no <h1> phishing lines."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from callreview.domain import CallQuery, CallRow, CallStatus, ProviderError
from callreview.ui.call_table import CallTableModel
from callreview.ui.fetch_dialog import FetchDialog
from callreview.ui.plain import message_box, plain_tooltip
from callreview.ui.tasks import TaskRunner
from callreview.workspace import FetchEvent, Stage, Workspace

PHISHING = "<h1>Your account is locked</h1><a href='http://evil.example'>Log in again</a>"


def shown_as(tooltip: str) -> str:
    """What a person sees in a tooltip (Qt renders it as rich text when it looks like HTML)."""
    document = QTextDocument()
    if GuiQt.mightBeRichText(tooltip):
        document.setHtml(tooltip)
    else:
        document.setPlainText(tooltip)
    return document.toPlainText()


def test_a_tooltip_shows_provider_html_as_written(qtbot: QtBot) -> None:
    assert shown_as(plain_tooltip(PHISHING)) == PHISHING
    assert shown_as(plain_tooltip("line one\nline two")) == "line one\nline two"


def test_the_fetch_dialog_error_tooltip_is_plain(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = FetchDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.rows["call_1"] = dialog.model.rowCount()
    dialog.model.appendRow([QStandardItem("call_1"), QStandardItem(), QStandardItem()])
    dialog.on_event(FetchEvent("call_1", Stage.FAILED, error=ProviderError(PHISHING)))
    tips = [dialog.model.item(0, c).toolTip() for c in range(dialog.model.columnCount())]
    tip = next(t for t in tips if t)
    assert shown_as(tip) == PHISHING


def test_the_call_list_status_tooltip_is_plain(qtbot: QtBot) -> None:
    model = CallTableModel()
    row = CallRow(
        provider="ringyo",
        call_id="call_1",
        account="acme",
        status=CallStatus.ENDED,
        status_raw=PHISHING,
        direction="inbound",
        from_number=None,
        to_number=None,
        agent_id=None,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=1000,
        cost=None,
        segment_count=0,
        reviewed=False,
        flagged=False,
        has_recording=False,
        missing=frozenset(),
    )
    model.set_rows(CallQuery(), [row], 1)
    status_column = next(
        c
        for c in range(model.columnCount())
        if model.data(model.index(0, c), Qt.ItemDataRole.ToolTipRole)
        and "provider said" in shown_as(model.data(model.index(0, c), Qt.ItemDataRole.ToolTipRole))
    )
    tip = model.data(model.index(0, status_column), Qt.ItemDataRole.ToolTipRole)
    assert PHISHING in shown_as(tip)


def test_message_boxes_show_error_text_as_plain_text(qtbot: QtBot) -> None:
    box = message_box(None, QMessageBox.Icon.Critical, "CallReview", PHISHING)
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText
