"""The notes beside the transcript: who wrote what, when in the call, and a field to add one."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, QRect, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import Note
from callreview.ui.call_table import format_ms
from callreview.ui.plain import plain_tooltip

NOTE_ID_ROLE = Qt.ItemDataRole.UserRole
NOTE_POSITION_ROLE = Qt.ItemDataRole.UserRole + 1
NOTE_AUTHOR_ROLE = Qt.ItemDataRole.UserRole + 2

EMPTY_TEXT = "No notes yet. Type one below; Ctrl+Enter adds it at the current time."


def note_line(note: Note) -> str:
    """How a note reads in the list: its time, its text, then who wrote it and when."""
    when = f"[{format_ms(note.position_ms)}] " if note.position_ms is not None else ""
    by = note.author or "unknown author"
    return f"{when}{note.text}\n— {by}, {note.created_at:%Y-%m-%d %H:%M} UTC"


class NotesList(QListView):
    """The list of notes; says what to do when there are none."""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(10, 10, -10, -10)
            flags = int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            painter.drawText(QRect(area), flags | int(Qt.TextFlag.TextWordWrap), EMPTY_TEXT)
            painter.end()


class NotesPanel(QWidget):
    """Notes of the shown call; additions, deletions and seeks are emitted, never saved here.

    `note_added(text, position_ms or None)`, `note_deleted(note id)`,
    `seek_requested(position_ms)` for a click on a timed note. `position` gives the current
    playback position for "Note at current time".
    """

    note_added = Signal(str, object)
    note_deleted = Signal(int)
    seek_requested = Signal(int)

    def __init__(
        self,
        position: Callable[[], int],
        header: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._position = position
        self._has_audio = False
        self._setup_ui(header)
        self.set_notes(())
        self.set_has_audio(False)

    def _setup_ui(self, header: QWidget | None) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("Notes")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        top.addWidget(self.title)
        top.addStretch(1)
        if header is not None:
            top.addWidget(header)
        layout.addLayout(top)
        self.model = QStandardItemModel(self)
        self.view = NotesList()
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setSpacing(2)
        self.view.setAlternatingRowColors(True)
        self.view.setMinimumHeight(self.view.fontMetrics().lineSpacing() * 2 + 8)
        self.view.setAccessibleName("Notes")
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setToolTip("Click a note with a time to play from there")
        self.view.clicked.connect(self._on_view_activated)
        self.view.activated.connect(self._on_view_activated)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        layout.addWidget(self.view, 1)
        delete_key = QShortcut(QKeySequence.StandardKey.Delete, self.view)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self._on_delete_clicked)

        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Write a note… (Ctrl+Enter: at the current time)")
        self.text.setAccessibleName("New note")
        self.text.setTabChangesFocus(True)
        # One to three lines: the list above keeps the room for the notes already written, and
        # a small screen keeps the room for the transcript.
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() + 12)
        self.text.setMaximumHeight(self.text.fontMetrics().lineSpacing() * 3 + 12)
        self.text.installEventFilter(self)
        self.text.textChanged.connect(self._update_buttons)
        layout.addWidget(self.text)

        when = QHBoxLayout()
        when.addWidget(QLabel("At:"))
        self.at = QSpinBox()
        self.at.setRange(-1, 24 * 3600)
        self.at.setSpecialValueText("no time")
        self.at.setSuffix(" s")
        self.at.setValue(-1)
        self.at.setAccessibleName("Note position in seconds")
        when.addWidget(self.at, 1)
        self.now = QPushButton("Now")
        self.now.setToolTip("Set the note's time to where playback is now")
        self.now.clicked.connect(self._on_now_clicked)
        when.addWidget(self.now)
        self.add = QPushButton("Add note")
        self.add.setToolTip("Save the note with the time beside it (or none)")
        self.add.clicked.connect(self._on_add_clicked)
        when.addWidget(self.add)
        layout.addLayout(when)

        actions = QHBoxLayout()
        self.delete = QPushButton("Delete")
        self.delete.setToolTip("Delete the selected note")
        self.delete.clicked.connect(self._on_delete_clicked)
        actions.addWidget(self.delete)
        actions.addStretch(1)
        self.add_now = QPushButton("Note at current time")
        self.add_now.setToolTip("Save the note at the current playback time (Ctrl+Enter)")
        self.add_now.clicked.connect(self._on_add_now_clicked)
        actions.addWidget(self.add_now)
        layout.addLayout(actions)

    # showing notes ----------------------------------------------------------------------

    def set_notes(self, notes: Sequence[Note]) -> None:
        self.model.removeRows(0, self.model.rowCount())
        for note in notes:
            item = QStandardItem(note_line(note))
            item.setData(note.id, NOTE_ID_ROLE)
            item.setData(note.position_ms, NOTE_POSITION_ROLE)
            item.setData(note.author, NOTE_AUTHOR_ROLE)
            item.setToolTip(plain_tooltip(note_line(note)))
            self.model.appendRow(item)
        self.title.setText(f"Notes ({len(notes)})" if notes else "Notes")
        self._update_buttons()

    def set_has_audio(self, has_audio: bool) -> None:
        """Without a recording there is no current time to pin a note to."""
        self._has_audio = has_audio
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_text = bool(self.text.toPlainText().strip())
        self.add.setEnabled(has_text)
        self.add_now.setEnabled(has_text and self._has_audio)
        self.now.setEnabled(self._has_audio)
        self.delete.setEnabled(self.view.selectionModel().hasSelection())

    # actions ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.text
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if self._has_audio:
                self._on_add_now_clicked()
            else:
                self._on_add_clicked()
            return True
        return super().eventFilter(watched, event)

    def _emit(self, position: int | None) -> None:
        text = self.text.toPlainText().strip()
        if not text:
            return
        self.note_added.emit(text, position)
        self.text.clear()
        self.at.setValue(-1)  # the next note starts without a time again

    def _on_add_clicked(self) -> None:
        seconds = self.at.value()
        self._emit(seconds * 1000 if seconds >= 0 else None)

    def _on_add_now_clicked(self) -> None:
        if self._has_audio:
            self._emit(max(0, int(self._position())))

    def _on_now_clicked(self) -> None:
        self.at.setValue(int(self._position()) // 1000)

    def _on_view_activated(self, index: QModelIndex) -> None:
        position = index.data(NOTE_POSITION_ROLE)
        if position is not None:
            self.seek_requested.emit(int(position))

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _on_delete_clicked(self) -> None:
        indexes = self.view.selectionModel().selectedIndexes()
        if indexes:
            self.note_deleted.emit(int(indexes[0].data(NOTE_ID_ROLE)))
