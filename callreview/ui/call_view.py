"""The selected call: key facts, analysis, details, notes, the scorecard and the transcript."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import CallRef, JSONValue, Note, Segment, StoredCall
from callreview.domain.display import format_duration, format_start
from callreview.ui.call_table import format_ms
from callreview.ui.listen import ListenPanel
from callreview.ui.notes_panel import NotesPanel
from callreview.ui.plain import plain_tooltip
from callreview.ui.score_panel import ScorePanel
from callreview.ui.transcript import TranscriptModel


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    # Provider text is data, never markup.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _table(headers: list[str]) -> tuple[QTableView, QStandardItemModel]:
    model = QStandardItemModel(0, len(headers))
    model.setHorizontalHeaderLabels(headers)
    view = QTableView()
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = view.horizontalHeader()
    # The second column holds the long values: it takes the room and wraps.
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    header.setMaximumSectionSize(420)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.verticalHeader().hide()
    view.setWordWrap(True)
    return view, model


def _text(value: JSONValue) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _fill_tree(parent: QStandardItem, value: Any) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in items:
        name = QStandardItem(str(key))
        if isinstance(inner, dict | list):
            _fill_tree(name, inner)
            parent.appendRow([name, QStandardItem("")])
        else:
            parent.appendRow([name, QStandardItem(_text(inner))])


class CallView(QWidget):
    """Shows one StoredCall; review changes are emitted for the window to save."""

    review_changed = Signal(bool, bool)
    note_added = Signal(str, object)
    note_deleted = Signal(int)

    def __init__(self, listen: ListenPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stored: StoredCall | None = None
        self.listen = listen
        self._setup_ui()
        self.set_call(None)

    @property
    def transcript_model(self) -> TranscriptModel:
        return self.listen.model

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = _label()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        header = QWidget()
        grid = QGridLayout(header)
        grid.setContentsMargins(0, 0, 0, 0)
        self.facts: dict[str, QLabel] = {}
        self._captions: dict[str, str] = {}
        names = [
            ("from", "From"),
            ("to", "To"),
            ("direction", "Direction"),
            ("agent", "Agent"),
            ("status", "Status"),
            ("start", "Started"),
            ("duration", "Duration"),
            ("cost", "Cost"),
            ("answered", "Answered by"),
            ("recording", "Recording"),
        ]
        for i, (key, title) in enumerate(names):
            caption = QLabel(f"{title}:")
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            value = _label()
            value.setAccessibleName(title)
            self.facts[key] = value
            self._captions[key] = title
            grid.addWidget(caption, i // 2, (i % 2) * 2)
            grid.addWidget(value, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addWidget(header)
        self.header = header
        # The facts in one line, for a short window (see `set_compact`).
        self.facts_line = _label()
        self.facts_line.setWordWrap(False)
        # Cut at the pane's edge rather than widen it (the tooltip has every fact).
        self.facts_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.facts_line.setAccessibleName("Call facts")
        self.facts_line.hide()
        layout.addWidget(self.facts_line)
        self.notice = _label()
        layout.addWidget(self.notice)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Call details")
        layout.addWidget(self.tabs, 1)

        # Listen: the player and the transcript that follows it
        self.tabs.addTab(self.listen, "Listen")

        # Analysis
        analysis = QWidget()
        form = QFormLayout(analysis)
        self.summary = _label()
        self.outcome = _label()
        self.success = _label()
        self.sentiment = _label()
        form.addRow("Summary:", self.summary)
        form.addRow("Outcome:", self.outcome)
        form.addRow("Success:", self.success)
        form.addRow("Sentiment:", self.sentiment)
        self.items_view, self.items_model = _table(["Question", "Answer", "Type"])
        self.items_view.setAccessibleName("Question and answer items")
        form.addRow(self.items_view)
        self.structured_model = QStandardItemModel(0, 2)
        self.structured_model.setHorizontalHeaderLabels(["Field", "Value"])
        self.structured = QTreeView()
        self.structured.setModel(self.structured_model)
        self.structured.setAccessibleName("Structured analysis data")
        self.structured.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        form.addRow(self.structured)
        self.tabs.addTab(analysis, "Analysis")

        # Details
        details = QSplitter(Qt.Orientation.Vertical)
        self.meta_view, self.meta_model = _table(["Metadata", "Value"])
        self.vars_view, self.vars_model = _table(["Variable", "Value", "Set at"])
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setAccessibleName("Raw provider JSON")
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        for widget in (self.meta_view, self.vars_view, self.raw):
            details.addWidget(widget)
        self.tabs.addTab(details, "Details")

        # Review state and notes live beside the transcript: a reviewer writes them while
        # listening, without leaving the Listen tab.
        review_row = QWidget()
        row = QHBoxLayout(review_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.reviewed = QCheckBox("Reviewed")
        self.flagged = QCheckBox("Flagged")
        for box in (self.reviewed, self.flagged):
            box.toggled.connect(self._on_review_toggled)
            row.addWidget(box)
        row.addStretch(1)
        self.notes = NotesPanel(self.listen.player.position, header=review_row)
        self.notes.note_added.connect(self.note_added)
        self.notes.note_deleted.connect(self.note_deleted)
        self.notes.seek_requested.connect(self._on_notes_seek_requested)
        # Notes and the scorecard share the side of the transcript, one tab each: both are
        # filled in while listening.
        self.score = ScorePanel(self.listen.player.position)
        self.score.seek_requested.connect(self._on_notes_seek_requested)
        self.score.evidence_changed.connect(self.listen.timeline.set_evidence)
        self.side_tabs = QTabWidget()
        self.side_tabs.setAccessibleName("Notes and score")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.notes, "Notes")
        self.side_tabs.addTab(self.score, "Score")
        self.side_tabs.currentChanged.connect(self._on_side_tabs_current_changed)
        self._side_splitter = self.listen.put_beside_transcript(self.side_tabs)
        self.listen.offset_changed.connect(self._on_listen_offset_changed)
        # The panel's parts under the names the window and its tests use.
        self.notes_model = self.notes.model
        self.notes_view = self.notes.view
        self.note_text = self.notes.text
        self.note_at = self.notes.at
        self.note_now = self.notes.now
        self.add_note = self.notes.add
        self.add_note_now = self.notes.add_now
        self.delete_note = self.notes.delete

    # showing a call ---------------------------------------------------------------------

    @property
    def stored(self) -> StoredCall | None:
        return self._stored

    def set_compact(self, compact: bool) -> None:
        """On a short window (1366×768 at 150 %) the facts take one line, so the transcript
        keeps its room; all of them are in the line's tooltip and the Details tab."""
        self.header.setVisible(not compact)
        self.facts_line.setVisible(compact)

    @property
    def compact(self) -> bool:
        return self.facts_line.isVisibleTo(self)

    def _show_facts_line(self) -> None:
        def fact(key: str) -> str:
            text = self.facts[key].text()
            return "" if text == "–" else text

        numbers = " → ".join(n or "?" for n in (fact("from"), fact("to")))
        parts = [numbers] + [fact(k) for k in ("direction", "status", "duration", "start")]
        self.facts_line.setText(" · ".join(p for p in parts if p and p != "? → ?"))
        self.facts_line.setToolTip(
            plain_tooltip(
                "\n".join(
                    f"{self._captions[key]}: {label.text()}"
                    for key, label in self.facts.items()
                    if label.text()
                )
            )
        )

    def show_transcript_first(self, ref: CallRef, segments: tuple[Segment, ...]) -> None:
        """The stored transcript of `ref` while its full call is still being read.

        Only before any call is shown (the first one after start-up, when the providers'
        schemas are still loading): `set_call` follows and replaces all of it.
        """
        if self._stored is not None or not segments:
            return
        self.setEnabled(True)
        self.title.setText(f"{ref.provider.capitalize()} call {ref.call_id}")
        self.listen.show_transcript_first(segments)

    def set_call(self, stored: StoredCall | None) -> None:
        self._stored = stored
        self.setEnabled(stored is not None)
        if stored is None:
            self.title.setText("No call selected")
            for label in self.facts.values():
                label.clear()
            self.facts_line.clear()
            self.facts_line.setToolTip("")
            self.notice.hide()
            self.listen.set_call(None)
            for model in (self.items_model, self.meta_model, self.vars_model):
                model.removeRows(0, model.rowCount())
            self.notes.set_has_audio(False)
            self._show_notes(())
            self.score.set_call(None)
            self.structured_model.removeRows(0, self.structured_model.rowCount())
            self.raw.clear()
            return
        call = stored.call
        self.title.setText(f"{call.provider.capitalize()} call {call.call_id}")
        started = call.started_at or call.created_at
        status = call.status.label + (f" ({call.status_raw})" if call.status_raw else "")
        duration = format_duration(call.duration_ms, call.duration_source)
        if stored.recording is not None:
            recording = f"stored ({stored.recording.size / 2**20:.1f} MiB)"
        elif call.recording is not None:
            recording = "available, not downloaded (Call → Download recording)"
        else:
            recording = "none"
        values = {
            "from": call.from_number or "–",
            "to": call.to_number or "–",
            "direction": call.direction.value.capitalize() if call.direction != "unknown" else "–",
            "agent": call.agent_id or "–",
            "status": status,
            "start": format_start(started) or "–",
            "duration": duration or "–",
            "cost": str(call.cost)
            + (" (currency not stated)" if call.cost and not call.cost.currency else "")
            if call.cost
            else "–",
            "answered": call.answered_by or "–",
            "recording": recording,
        }
        for key, text in values.items():
            self.facts[key].setText(text)
        self._show_facts_line()
        notices = []
        if stored.missing_parts:
            notices.append(
                "Incomplete: the provider has not sent the "
                + ", ".join(sorted(stored.missing_parts))
                + " yet. Refresh later (F5)."
            )
        if call.timing.flags:
            notices.append("Some transcript times looked wrong: " + ", ".join(call.timing.flags))
        self.notice.setText("\n".join(notices))
        self.notice.setVisible(bool(notices))

        self.listen.set_call(stored)

        analysis = call.analysis
        self.summary.setText((analysis.summary if analysis else None) or "–")
        self.outcome.setText((analysis.outcome if analysis else None) or "–")
        success = analysis.success if analysis else None
        self.success.setText("–" if success is None else ("Yes" if success else "No"))
        self.sentiment.setText((analysis.sentiment if analysis else None) or "–")
        self.items_model.removeRows(0, self.items_model.rowCount())
        for item in analysis.items if analysis else ():
            self.items_model.appendRow(
                [
                    QStandardItem(item.question),
                    QStandardItem(item.value_text),
                    QStandardItem(item.question_type),
                ]
            )
        self.items_view.setVisible(bool(analysis and analysis.items))
        self.structured_model.removeRows(0, self.structured_model.rowCount())
        if analysis and analysis.structured:
            _fill_tree(self.structured_model.invisibleRootItem(), dict(analysis.structured))
            self.structured.expandAll()
        self.structured.setVisible(bool(analysis and analysis.structured))

        self.meta_model.removeRows(0, self.meta_model.rowCount())
        for key, value in call.metadata.items():
            self.meta_model.appendRow([QStandardItem(key), QStandardItem(_text(value))])
        self.vars_model.removeRows(0, self.vars_model.rowCount())
        for var in call.variables:
            at = (
                format_ms(var.at_ms)
                if var.at_ms is not None
                else (var.at.strftime("%H:%M:%S") if var.at else "")
            )
            self.vars_model.appendRow(
                [QStandardItem(var.name), QStandardItem(_text(var.value)), QStandardItem(at)]
            )
        raw = json.dumps(dict(call.raw), indent=2, ensure_ascii=False)
        if call.unmapped_fields:
            raw = (
                "// Fields CallReview does not use yet: "
                + ", ".join(call.unmapped_fields)
                + "\n"
                + raw
            )
        self.raw.setPlainText(raw)
        self._show_review(stored)

    def _show_review(self, stored: StoredCall) -> None:
        review = stored.review
        for box, value in ((self.reviewed, review.reviewed), (self.flagged, review.flagged)):
            box.blockSignals(True)
            box.setChecked(value)
            box.blockSignals(False)
        self.notes.set_has_audio(stored.recording is not None)
        self._show_notes(review.notes, review.sync_offset_ms)
        self.score.set_call(stored)

    def _show_notes(self, notes: Sequence[Note], offset_ms: int = 0) -> None:
        """The list beside the transcript, and a flag on the timeline and on the line for
        each timed note (positions are in the recording; lines are `offset_ms` earlier)."""
        self.notes.set_notes(notes)
        positions = [n.position_ms for n in notes if n.position_ms is not None]
        self.listen.timeline.set_notes(positions)
        self.transcript_model.set_note_positions([p - offset_ms for p in positions])

    # review actions ---------------------------------------------------------------------

    def _on_review_toggled(self, _: bool) -> None:
        self.review_changed.emit(self.reviewed.isChecked(), self.flagged.isChecked())

    def _on_listen_offset_changed(self, offset_ms: int) -> None:
        if self._stored is not None:
            self._show_notes(self._stored.review.notes, offset_ms)

    def _on_side_tabs_current_changed(self, _index: int) -> None:
        # The scorecard's questions need more width than the notes: give the side at least
        # 40 % of the row while it is shown (the reviewer can still drag it back).
        splitter = self._side_splitter
        total = sum(splitter.sizes())
        if self.side_tabs.currentWidget() is self.score and splitter.sizes()[1] < total * 0.4:
            side = int(total * 0.4)
            splitter.setSizes([total - side, side])

    def _on_notes_seek_requested(self, position: int) -> None:
        self.tabs.setCurrentWidget(self.listen)
        self.listen.view.set_following(True)
        self.listen.player.seek(position)
