"""The Score panel beside the transcript: a scorecard answered from the keyboard while listening."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import Analysis, CallRef, ConfigError, StoredCall
from callreview.domain.scorecard import (
    NA,
    AnswerValue,
    Criterion,
    CriterionKind,
    ScoreResult,
    Template,
    agrees_with_provider,
    score_card,
)
from callreview.domain.scores import StoredScore, answer_text
from callreview.ui.call_table import format_ms
from callreview.ui.plain import message_box, plain_tooltip

CRITERION_ROLE = Qt.ItemDataRole.UserRole + 20
COLUMNS = ("Criterion", "Answer", "Provider")
ANSWER_COLUMN = 1
PROVIDER_COLUMN = 2

EMPTY_TEXT = "No scorecards yet — import one with `callreview scorecards import FILE.toml`"
CITE_KEYS = "Ctrl+L"
# Analysis attributes a template's provider_field may name, besides structured data and items.
_ANALYSIS_FIELDS = ("summary", "outcome", "sentiment", "success")


def provider_value(analysis: Analysis | None, name: str) -> object | None:
    """The provider's value for `provider_field` `name`: an analysis field, a key of its
    structured data, or an answered item's key; None when the call has none of them."""
    if analysis is None:
        return None
    field: object = getattr(analysis, name) if name in _ANALYSIS_FIELDS else None
    if field is not None:
        return field
    if name in analysis.structured:
        return analysis.structured[name]
    for item in analysis.items:
        if item.key == name and item.answered:
            return item.value
    return None


def provider_text(value: object | None) -> str:
    """A provider value as shown: "–" when absent, yes/no for a bool, JSON for lists and maps."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def key_hint(criterion: Criterion) -> str:
    """The keys that answer this criterion, in words."""
    na = " · A: N/A" if criterion.na_allowed else ""
    if criterion.kind is CriterionKind.YES_NO:
        return f"Y: yes · N: no{na}"
    if criterion.kind is CriterionKind.SCALE:
        return f"{criterion.min}–{criterion.max}: type the number{na}"
    if criterion.kind is CriterionKind.CHOICE:
        options = " · ".join(f"{i}: {o.label}" for i, o in enumerate(criterion.options, 1))
        return options + na
    return "Type the answer below"


class ScorePanel(QWidget):
    """One scorecard for the shown call; saving and importing are emitted, never done here.

    `card_wanted(ref)`: a new call is shown, the window answers with `set_card`.
    `save_requested(ref, scorecard name, answers, comments, evidence, submit)`: the window
    saves through the Workspace and answers with `show_saved`. `submitted(ref)`: a submitted
    card was saved (the window moves on to the next call). `import_requested(path)`,
    `seek_requested(position_ms)`, `evidence_changed(positions_ms)` for the timeline.
    """

    card_wanted = Signal(object)
    save_requested = Signal(object, str, object, object, object, bool)
    submitted = Signal(object)
    import_requested = Signal(str)
    seek_requested = Signal(int)
    evidence_changed = Signal(object)

    def __init__(self, position: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._position = position
        self._ref: CallRef | None = None
        self._analysis: Analysis | None = None
        self._has_audio = False
        self._templates: list[Template] = []
        self._cards: list[StoredScore] = []
        self._reviewer = ""
        self._template: Template | None = None
        self._answers: dict[str, AnswerValue] = {}
        self._comments: dict[str, str] = {}
        self._evidence: dict[str, list[int]] = {}
        self._saved: StoredScore | None = None
        self._dirty = False
        self._submitting = False
        self._digits = ""
        self._filling = False
        self.result: ScoreResult | None = None
        self.last_error = ""
        self._setup_ui()
        self._show_templates()

    # construction -----------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        top = QHBoxLayout()
        self.picker = QComboBox()
        self.picker.setAccessibleName("Scorecard")
        self.picker.setToolTip("The scorecard to fill in for this call")
        self.picker.currentIndexChanged.connect(self._on_picker_changed)
        top.addWidget(self.picker, 1)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Import a scorecard template (.toml)")
        self.import_button.clicked.connect(self._on_import_clicked)
        top.addWidget(self.import_button)
        layout.addLayout(top)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No scorecards")
        layout.addWidget(self.empty)

        self.total = QLabel()
        self.total.setTextFormat(Qt.TextFormat.PlainText)
        self.total.setAccessibleName("Score")
        font = self.total.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.total.setFont(font)
        layout.addWidget(self.total)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Criteria")
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setUniformRowHeights(True)
        self.view.setRootIsDecorated(False)
        self.view.setItemsExpandable(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ANSWER_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PROVIDER_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.view.installEventFilter(self)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        layout.addWidget(self.view, 1)

        self.question = QLabel()
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setWordWrap(True)
        self.question.setAccessibleName("Focused criterion")
        layout.addWidget(self.question)
        self.keys = QLabel()
        self.keys.setTextFormat(Qt.TextFormat.PlainText)
        self.keys.setWordWrap(True)
        self.keys.setAccessibleName("Keys to answer")
        layout.addWidget(self.keys)

        self.text_answer = QLineEdit()
        self.text_answer.setPlaceholderText("Answer… (Enter: next criterion)")
        self.text_answer.setAccessibleName("Text answer")
        self.text_answer.textEdited.connect(self._on_text_answer_edited)
        self.text_answer.returnPressed.connect(self._on_field_return_pressed)
        layout.addWidget(self.text_answer)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment on this criterion… (Enter: back to the list)")
        self.comment.setAccessibleName("Comment on the criterion")
        self.comment.textEdited.connect(self._on_comment_edited)
        self.comment.returnPressed.connect(self._on_field_return_pressed)
        layout.addWidget(self.comment)

        cite_row = QHBoxLayout()
        self.cite = QPushButton(f"Cite the current line ({CITE_KEYS})")
        self.cite.setToolTip(
            "Attach where playback is now to the focused criterion, as evidence on the timeline"
        )
        self.cite.clicked.connect(self.cite_current)
        cite_row.addWidget(self.cite)
        self.evidence = QLabel()
        self.evidence.setAccessibleName("Evidence of the criterion")
        # Our own text only (times as links), so rich text is safe here.
        self.evidence.setTextFormat(Qt.TextFormat.RichText)
        self.evidence.linkActivated.connect(self._on_evidence_link_activated)
        cite_row.addWidget(self.evidence, 1)
        layout.addLayout(cite_row)
        shortcut = QShortcut(QKeySequence(CITE_KEYS), self)
        shortcut.activated.connect(self.cite_current)

        bottom = QHBoxLayout()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Saved state")
        bottom.addWidget(self.status, 1)
        self.save_draft = QPushButton("Save draft")
        self.save_draft.clicked.connect(lambda: self._request_save(submit=False))
        bottom.addWidget(self.save_draft)
        self.submit = QPushButton("Submit")
        self.submit.setToolTip("Save the scorecard and move on to the next call")
        self.submit.clicked.connect(lambda: self._request_save(submit=True))
        bottom.addWidget(self.submit)
        layout.addLayout(bottom)
        self.setFocusProxy(self.view)

    # what the window gives --------------------------------------------------------------

    @property
    def ref(self) -> CallRef | None:
        return self._ref

    @property
    def template(self) -> Template | None:
        return self._template

    @property
    def answers(self) -> dict[str, AnswerValue]:
        return dict(self._answers)

    @property
    def comments(self) -> dict[str, str]:
        return dict(self._comments)

    @property
    def evidence_positions(self) -> dict[str, tuple[int, ...]]:
        return {cid: tuple(p) for cid, p in self._evidence.items() if p}

    def set_call(self, stored: StoredCall | None) -> None:
        """The shown call; a different call asks for its cards (`card_wanted`)."""
        ref = stored.ref if stored is not None else None
        self._analysis = stored.call.analysis if stored is not None else None
        self.set_has_audio(stored is not None and stored.recording is not None)
        if ref == self._ref:
            self._show_criteria()  # the same call again (a note was added): keep the answers
            return
        if self._dirty and self._ref is not None and self._template is not None and self._answers:
            # Leaving a call with unsaved answers keeps them as a draft rather than losing them.
            self._emit_save(submit=False)
        self._ref = ref
        self._cards = []
        self._saved = None
        self._clear_answers()
        self._show_criteria()
        self._emit_evidence()
        if ref is not None:
            self.card_wanted.emit(ref)

    def set_has_audio(self, has_audio: bool) -> None:
        """Without a recording there is no current position to cite."""
        self._has_audio = has_audio
        self._update_state()

    def set_card(
        self,
        ref: CallRef,
        templates: Sequence[Template],
        cards: Sequence[StoredScore],
        reviewer: str,
    ) -> None:
        """The scorecards and this call's cards; the reviewer's current card is shown."""
        if ref != self._ref:
            return  # another call is shown by now
        self._reviewer = reviewer
        self._cards = [c for c in cards if not c.replaced and c.author == reviewer]
        current = self._template.name if self._template is not None else None
        mine = self._cards[0].scorecard if self._cards else current
        self.set_templates(templates, mine)

    def set_templates(self, templates: Sequence[Template], select: str | None = None) -> None:
        """The imported scorecards (newest versions); `select` names the one to show."""
        self._templates = list(templates)
        self._show_templates(select)

    def show_saved(self, card: StoredScore) -> None:
        """A card the window saved; a submitted (non-draft) one emits `submitted`."""
        if card.ref != self._ref:
            return
        self._cards = [c for c in self._cards if c.scorecard != card.scorecard]
        self._cards.insert(0, card)
        self._saved = card
        self._dirty = False
        self._update_state()
        if self._submitting and not card.draft:
            self._submitting = False
            self.submitted.emit(card.ref)
        self._submitting = False

    def show_import_error(self, text: str) -> QMessageBox:
        """An import the Workspace refused: its `FILE:LINE: reason`, in a message."""
        self.last_error = text
        box = message_box(
            self,
            QMessageBox.Icon.Warning,
            "Scorecard not imported",
            f"{text}\n\nNothing was imported.",
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): a nested event loop would stall the qasync loop's tasks
        return box

    # showing ----------------------------------------------------------------------------

    def _show_templates(self, select: str | None = None) -> None:
        names = [t.name for t in self._templates]
        has = bool(names)
        self.empty.setVisible(not has)
        self.picker.setVisible(has)
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(names)
        index = names.index(select) if select in names else 0
        self.picker.setCurrentIndex(index if has else -1)
        self.picker.blockSignals(False)
        self._use_template(self._templates[index] if has else None)

    def _on_picker_changed(self, index: int) -> None:
        if 0 <= index < len(self._templates):
            self._use_template(self._templates[index])

    def _use_template(self, template: Template | None) -> None:
        self._template = template
        self._clear_answers()
        self._saved = None
        if template is not None:
            card = next((c for c in self._cards if c.scorecard == template.name), None)
            if card is not None:
                self._load_card(template, card)
        self._fill_model()
        self._show_criteria()
        self._emit_evidence()

    def _load_card(self, template: Template, card: StoredScore) -> None:
        self._saved = card
        for cid, answer in card.answers.items():
            try:
                score_card(template, {cid: answer})  # still an answer of the newest version?
            except ConfigError:
                continue
            self._answers[cid] = answer
        self._comments = {k: v for k, v in card.comments.items() if template.criterion(k)}
        self._evidence = {k: list(v) for k, v in card.evidence.items() if template.criterion(k)}

    def _clear_answers(self) -> None:
        self._answers, self._comments, self._evidence = {}, {}, {}
        self._dirty = False
        self._digits = ""

    def _fill_model(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        template = self._template
        if template is None:
            return
        root = self.model.invisibleRootItem()
        for section in template.sections:
            head = QStandardItem(section)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            # Disabled: the arrow keys and Enter pass over section titles.
            head.setFlags(Qt.ItemFlag.NoItemFlags)
            root.appendRow([head, QStandardItem(), QStandardItem()])
            for c in template.criteria:
                if c.section != section:
                    continue
                mark = " (critical)" if c.critical else ""
                question = QStandardItem(f"{c.question}{mark}")
                question.setData(c.id, CRITERION_ROLE)
                question.setToolTip(plain_tooltip(f"{c.id}: {c.question}\n{key_hint(c)}"))
                answer, provider = QStandardItem(), QStandardItem()
                for item in (answer, provider):
                    item.setData(c.id, CRITERION_ROLE)
                root.appendRow([question, answer, provider])
        first = self._criterion_index(0)
        if first.isValid():
            self.view.setCurrentIndex(first)

    def _criterion_rows(self) -> list[int]:
        return [
            r for r in range(self.model.rowCount()) if self.model.item(r, 0).data(CRITERION_ROLE)
        ]

    def _criterion_index(self, position: int) -> QModelIndex:
        rows = self._criterion_rows()
        return self.model.index(rows[position], 0) if 0 <= position < len(rows) else QModelIndex()

    def focused(self) -> Criterion | None:
        """The criterion the keys answer."""
        index = self.view.currentIndex()
        cid = index.siblingAtColumn(0).data(CRITERION_ROLE) if index.isValid() else None
        return self._template.criterion(cid) if self._template and cid else None

    def focus_criterion(self, criterion_id: str) -> None:
        for row in self._criterion_rows():
            if self.model.item(row, 0).data(CRITERION_ROLE) == criterion_id:
                self.view.setCurrentIndex(self.model.index(row, 0))

    def _show_criteria(self) -> None:
        """Every row's answer and provider value, then the score and the buttons."""
        template = self._template
        if template is not None:
            for row in self._criterion_rows():
                criterion = template.criterion(self.model.item(row, 0).data(CRITERION_ROLE))
                assert criterion is not None
                self._show_row(row, criterion)
        self._update_state()

    def _show_row(self, row: int, criterion: Criterion) -> None:
        answer = self._answers.get(criterion.id)
        text = "N/A" if answer is NA else answer_text(answer)
        if criterion.kind is CriterionKind.YES_NO and isinstance(answer, bool):
            text = "Yes" if answer else "No"
        extras = ""
        if self._comments.get(criterion.id):
            extras += " ✎"
        if self._evidence.get(criterion.id):
            extras += f" ◆{len(self._evidence[criterion.id])}"
        answer_item = self.model.item(row, ANSWER_COLUMN)
        answer_item.setText(text + extras if text else ("–" + extras if extras else ""))
        answer_item.setToolTip(plain_tooltip(self._comments.get(criterion.id, "")))
        provider_item = self.model.item(row, PROVIDER_COLUMN)
        if criterion.provider_field is None:
            provider_item.setText("")
            provider_item.setToolTip("")
            return
        value = provider_value(self._analysis, criterion.provider_field)
        agrees = agrees_with_provider(criterion, answer, value)
        marker = "" if agrees is None else (" ✓ agrees" if agrees else " ✗ disagrees")
        provider_item.setText(provider_text(value) + marker)
        provider_item.setToolTip(
            plain_tooltip(f"The provider's {criterion.provider_field}: {provider_text(value)}")
        )

    def _update_state(self) -> None:
        template = self._template
        active = template is not None and self._ref is not None
        for widget in (self.view, self.text_answer, self.comment, self.save_draft, self.submit):
            widget.setEnabled(active)
        self.result = score_card(template, self._answers) if template is not None else None
        result = self.result
        if result is None:
            self.total.setText("")
        else:
            score = result.shown if result.score is None else f"{result.shown} %"
            draft = " · draft" if result.draft else ""
            self.total.setText(f"Score {score} · {result.result}{draft}")
        self.save_draft.setEnabled(active and bool(self._answers))
        self.submit.setEnabled(active and result is not None and not result.draft)
        if self._saved is not None and not self._dirty:
            when = self._saved.scored_at.strftime("%Y-%m-%d %H:%M")
            kind = "Draft saved" if self._saved.draft else "Submitted"
            self.status.setText(f"{kind} {when} UTC")
        else:
            self.status.setText("Not saved" if self._dirty else "")
        self._show_focused()

    def _show_focused(self) -> None:
        criterion = self.focused()
        self.cite.setEnabled(criterion is not None and self._has_audio and self._ref is not None)
        self.text_answer.setVisible(criterion is not None and criterion.kind is CriterionKind.TEXT)
        if criterion is None:
            self.question.setText("")
            self.keys.setText("")
            self.evidence.setText("")
            self.comment.setEnabled(False)
            return
        self.question.setText(criterion.question)
        self.keys.setText(key_hint(criterion) + " · Enter: next")
        self._filling = True
        comment = self._comments.get(criterion.id, "")
        if self.comment.text() != comment:
            self.comment.setText(comment)
        answer = self._answers.get(criterion.id)
        text = answer if criterion.kind is CriterionKind.TEXT and isinstance(answer, str) else ""
        if self.text_answer.text() != text:
            self.text_answer.setText(text)
        self._filling = False
        times = self._evidence.get(criterion.id, [])
        links = ", ".join(f'<a href="{ms}">{format_ms(ms) or "0:00"}</a>' for ms in times)
        self.evidence.setText(f"Evidence: {links}" if links else "")

    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._digits = ""
        self._show_focused()

    # answering --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            return self._on_key(event)
        return super().eventFilter(watched, event)

    def _on_key(self, event: QKeyEvent) -> bool:
        criterion = self.focused()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.next_criterion()
            return True
        if criterion is None:
            return False
        key = event.text().casefold()
        if not key or not key.isprintable() or key == " ":
            return False  # arrows, Space (play/pause) and the like keep their meaning
        if criterion.kind is CriterionKind.TEXT:
            # Typing on a text criterion starts its answer.
            self.text_answer.setFocus()
            self.text_answer.setText(self.text_answer.text() + event.text())
            self._on_text_answer_edited(self.text_answer.text())
            return True
        if key == "a" and criterion.na_allowed:
            self.answer(criterion, NA)
            return True
        if criterion.kind is CriterionKind.YES_NO and key in ("y", "n"):
            self.answer(criterion, key == "y")
            return True
        if key.isdigit():
            self._on_digit(criterion, key)
            return True
        return False

    def _on_digit(self, criterion: Criterion, digit: str) -> None:
        if criterion.kind is CriterionKind.CHOICE:
            number = int(digit)
            if 1 <= number <= len(criterion.options):
                self.answer(criterion, criterion.options[number - 1].label)
            return
        assert criterion.min is not None and criterion.max is not None
        typed = self._digits + digit
        if int(typed) > criterion.max:
            typed = digit  # a new number rather than one out of range
        value = int(typed)
        if not criterion.min <= value <= criterion.max:
            self._digits = typed if value * 10 <= criterion.max else ""
            return
        # 1 on a 0..10 scale may become 10: wait for the next digit (or Enter) to move on.
        more = value * 10 <= criterion.max and value != 0
        self.answer(criterion, value, advance=not more)
        self._digits = typed if more else ""

    def answer(self, criterion: Criterion, value: AnswerValue, *, advance: bool = True) -> None:
        """Record an answer (the domain checks it fits) and move to the next criterion."""
        if self._template is None:
            return
        try:
            score_card(self._template, {criterion.id: value})
        except ConfigError as exc:
            self.keys.setText(str(exc))
            return
        self._answers[criterion.id] = value
        self._dirty = True
        self._show_criteria()
        if advance:
            self.next_criterion()

    def next_criterion(self) -> None:
        """Focus the next criterion; after the last one, the Submit button."""
        self._digits = ""
        rows = self._criterion_rows()
        current = self.view.currentIndex().row()
        later = [r for r in rows if r > current]
        if later:
            self.view.setCurrentIndex(self.model.index(later[0], 0))
            self.view.setFocus()
        elif self.submit.isEnabled():
            self.submit.setFocus()
        else:
            self.save_draft.setFocus()

    def _on_text_answer_edited(self, text: str) -> None:
        criterion = self.focused()
        if self._filling or criterion is None or criterion.kind is not CriterionKind.TEXT:
            return
        if text.strip():
            self._answers[criterion.id] = text
        else:
            self._answers.pop(criterion.id, None)
        self._dirty = True
        self._show_criteria()

    def _on_comment_edited(self, text: str) -> None:
        criterion = self.focused()
        if self._filling or criterion is None:
            return
        if text.strip():
            self._comments[criterion.id] = text.strip()
        else:
            self._comments.pop(criterion.id, None)
        self._dirty = True
        self._show_criteria()

    def _on_field_return_pressed(self) -> None:
        if self.sender() is self.text_answer:
            self.next_criterion()
        self.view.setFocus()

    # evidence ---------------------------------------------------------------------------

    def cite_current(self) -> None:
        """Attach the current playback position to the focused criterion."""
        criterion = self.focused()
        if criterion is None or not self._has_audio or self._ref is None:
            return
        position = max(0, int(self._position()))
        times = self._evidence.setdefault(criterion.id, [])
        if position not in times:
            times.append(position)
            times.sort()
        self._dirty = True
        self._show_criteria()
        self._emit_evidence()

    def _emit_evidence(self) -> None:
        self.evidence_changed.emit(sorted({p for ps in self._evidence.values() for p in ps}))

    def _on_evidence_link_activated(self, link: str) -> None:
        self.seek_requested.emit(int(link))

    # saving -----------------------------------------------------------------------------

    def _request_save(self, *, submit: bool) -> None:
        if self._ref is None or self._template is None:
            return
        self._submitting = submit
        self._emit_save(submit)

    def _emit_save(self, submit: bool) -> None:
        assert self._ref is not None and self._template is not None
        self.save_requested.emit(
            self._ref,
            self._template.name,
            dict(self._answers),
            dict(self._comments),
            self.evidence_positions,
            submit,
        )

    # importing --------------------------------------------------------------------------

    def _on_import_clicked(self) -> QFileDialog:
        # open(), not getOpenFileName(): a nested event loop would stall the qasync loop.
        dialog = QFileDialog(
            self, "Import scorecard", "", "Scorecard templates (*.toml);;All files (*)"
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._on_file_selected)
        dialog.open()
        return dialog

    def _on_file_selected(self, path: str) -> None:
        if path:
            self.import_requested.emit(path)
