"""Listening: transport controls, a clickable timeline and the transcript that follows playback."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import Role, Segment, StoredCall
from callreview.domain.display import parse_position
from callreview.domain.timeline import (
    estimate_speech_ends,
    response_latencies,
    silences,
    talk_split,
)
from callreview.player import Player, TranscriptSync
from callreview.player.player import RATES
from callreview.ui.call_table import format_ms
from callreview.ui.transcript import NOTE_HUE, ROLE_HUE, TranscriptModel, TranscriptView, mix

SILENCE_MS = 2000
NUDGE_MS = 100
# Painted over the strip's background, so translucent: the turns stay visible through it.
SILENCE_COLOR = QColor(220, 60, 60, 70)
# Scorecard evidence (score_panel.py): away from the notes' purple and the speakers' hues.
EVIDENCE_HUE = QColor(225, 30, 120)
# A click this close (in pixels) to an evidence mark plays from the mark itself.
MARK_SNAP_PX = 5
NO_RECORDING = "No recording for this call. The transcript is shown without audio."
NO_AUDIO_DEVICE = (
    "No sound device was found, so playback runs silently. Connect speakers or headphones "
    "and open the call again."
)

PLAYER_SHORTCUTS = [
    ("Space", "Play / pause"),
    ("Left / Right", "Back / forward 5 seconds"),
    ("Shift+Left / Shift+Right", "Back / forward 15 seconds"),
    ("[ / ]", "Slower / faster (0.1x steps)"),
    ("Ctrl+Shift+R", "Replay the last 5 seconds"),
    ("Click or Enter on a line", "Play from that line"),
    ("Ctrl+Enter (in a note)", "Add the note at the current time"),
    ("Y / N / A, digits, Enter (Score tab)", "Answer yes, no, N/A, a scale or choice; next"),
    ("Ctrl+L (Score tab)", "Cite the current line as evidence"),
]


class TimelineStrip(QWidget):
    """The call at a glance: who spoke when, the silences, the playhead. A click seeks."""

    seek_requested = Signal(int)
    _notes: tuple[int, ...] = ()
    _evidence: tuple[int, ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._segments: Sequence[Segment] = ()
        self._silences: list[tuple[int, int, int]] = []
        self._duration = 0
        self._position = 0
        self.setMinimumHeight(26)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Timeline of speaker turns and silences")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_data(
        self, segments: Sequence[Segment], duration_ms: int, gaps: list[tuple[int, int, int]]
    ) -> None:
        self._segments, self._duration, self._silences = segments, max(duration_ms, 1), gaps
        self.update()

    def set_position(self, ms: int) -> None:
        self._position = ms
        self.update()

    def set_notes(self, positions_ms: Sequence[int]) -> None:
        """Flag these recording positions (the call's timed notes)."""
        self._notes = tuple(positions_ms)
        self.update()

    @property
    def notes(self) -> tuple[int, ...]:
        return self._notes

    def set_evidence(self, positions_ms: Sequence[int]) -> None:
        """Mark these recording positions (the evidence cited on the call's scorecard)."""
        self._evidence = tuple(positions_ms)
        self.update()

    @property
    def evidence(self) -> tuple[int, ...]:
        return self._evidence

    def evidence_x(self, ms: int) -> int:
        """Where an evidence mark is drawn (its pole's left edge)."""
        return min(self._x(ms), self.width() - 7)

    def _x(self, ms: int) -> int:
        return int(ms / self._duration * self.width()) if self._duration else 0

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), mix(base, palette.color(QPalette.ColorRole.Mid), 0.25))
        h = self.height()
        for seg in self._segments:
            if seg.end_ms is None:
                continue
            hue = ROLE_HUE.get(seg.role, palette.color(QPalette.ColorRole.Mid))
            top = 3 if seg.role is Role.AGENT else h // 2
            x1, x2 = self._x(seg.start_ms), max(self._x(seg.end_ms), self._x(seg.start_ms) + 1)
            painter.fillRect(QRect(x1, top, x2 - x1, h // 2 - 3), hue)
        for _, start, length in self._silences:
            x1, x2 = self._x(start), self._x(start + length)
            painter.fillRect(QRect(x1, 0, max(1, x2 - x1), h), SILENCE_COLOR)
        for ms in self._notes:
            # A small flag: a pole the strip's height and a pennant at its top.
            x = min(self._x(ms), self.width() - 7)
            painter.fillRect(QRect(x, 0, 2, h), NOTE_HUE)
            painter.fillRect(QRect(x + 2, 0, 5, 5), NOTE_HUE)
        for ms in self._evidence:
            # A pole and a block at its foot: notes hang from the top, evidence stands below.
            x = self.evidence_x(ms)
            painter.fillRect(QRect(x, 0, 2, h), EVIDENCE_HUE)
            painter.fillRect(QRect(x - 2, h - 6, 6, 6), EVIDENCE_HUE)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        x = self._x(self._position)
        painter.drawLine(x, 0, x, h)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._duration and self.width():
            x = event.position().x()
            near = [ms for ms in self._evidence if abs(self.evidence_x(ms) + 1 - x) <= MARK_SNAP_PX]
            if near:
                self.seek_requested.emit(min(near, key=lambda ms: abs(self.evidence_x(ms) - x)))
                return
            ms = int(x / self.width() * self._duration)
            self.seek_requested.emit(max(0, min(ms, self._duration)))


def strip_background(palette: QPalette) -> QColor:
    """The timeline strip's background (the legend's swatches are painted on it too)."""
    return mix(palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Mid), 0.25)


class TimelineLegend(QWidget):
    """What the strip's colours mean: small swatches in the colours the strip paints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.entries: list[tuple[str, QColor]] = []
        background = strip_background(self.palette())
        silence = QPixmap(1, 1)
        silence.fill(background)
        painter = QPainter(silence)
        painter.fillRect(0, 0, 1, 1, SILENCE_COLOR)
        painter.end()
        for text, color in (
            ("Agent", ROLE_HUE[Role.AGENT]),
            ("Caller", ROLE_HUE[Role.USER]),
            ("Tool call", ROLE_HUE[Role.TOOL_CALL]),
            ("Silence", silence.toImage().pixelColor(0, 0)),
        ):
            side = self.fontMetrics().height() * 2 // 3
            swatch = QPixmap(side, side)
            swatch.fill(color)
            icon = QLabel()
            icon.setPixmap(swatch)
            label = QLabel(text)
            layout.addWidget(icon)
            layout.addWidget(label)
            layout.addSpacing(8)
            self.entries.append((text, color))
        self.setAccessibleName("Timeline legend: " + ", ".join(t for t, _ in self.entries))


class ListenPanel(QWidget):
    """Player controls above the transcript; the line being spoken is always highlighted."""

    download_requested = Signal()
    offset_changed = Signal(int)
    # Something the window should say in its message bar (e.g. no sound device).
    notice = Signal(str)

    def __init__(
        self, player: Player, settings: QSettings | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.settings = settings
        self.sync = TranscriptSync(self)
        self.model = TranscriptModel(self)
        self._stored: StoredCall | None = None
        self._matches: list[int] = []
        self._match_pos = -1
        self._longest_silence: int | None = None
        self._longest_latency: int | None = None
        self._play_after_download = False
        self._told_no_device = False
        self.last_hint = ""
        self._setup_ui()
        self._connect()
        saved = settings.value("player/rate", 1.0) if settings is not None else 1.0
        try:
            rate = float(str(saved))
        except ValueError:
            rate = 1.0
        self.speed.setCurrentIndex(max(0, self.speed.findData(round(rate, 1))))
        self.set_call(None)

    # construction -----------------------------------------------------------------------

    def _button(self, text: str, name: str, slot: object) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(name)
        button.clicked.connect(slot)
        return button

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)  # six rows of controls: leave the height to the transcript
        # The seek bar shares its row only with play, the time and the sound controls, so it
        # keeps the spare width even in a narrow detail pane.
        row = QHBoxLayout()
        self.play_button = self._button("", "Play or pause (Space)", self.player.toggle)
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setMinimumWidth(36)
        row.addWidget(self.play_button)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Position")
        self.slider.setRange(0, 0)
        row.addWidget(self.slider, 1)
        self.elapsed = QLabel("0:00 / 0:00")
        self.elapsed.setAccessibleName("Elapsed and total time")
        self.elapsed.setMinimumWidth(self.elapsed.fontMetrics().horizontalAdvance("00:00 / 00:00"))
        row.addWidget(self.elapsed)
        self.speed = QComboBox()
        self.speed.setAccessibleName("Playback speed")
        for rate in RATES:
            self.speed.addItem(f"{rate:.1f}×", rate)
        row.addWidget(self.speed)
        self.mute = self._button("Mute", "Mute", self._on_mute_clicked)
        self.mute.setCheckable(True)
        # Wide enough for "Unmute" too: the row does not shift when it toggles.
        self.mute.setMinimumWidth(self.mute.fontMetrics().horizontalAdvance("Unmute") + 16)
        row.addWidget(self.mute)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setAccessibleName("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setMinimumWidth(60)
        self.volume.setMaximumWidth(90)
        row.addWidget(self.volume)
        self.slider.setMinimumWidth(self.volume.maximumWidth() + 40)
        layout.addLayout(row)

        jumps = QHBoxLayout()
        self.jump_buttons: list[QToolButton] = []
        for text, name, delta in (
            ("−15", "Back 15 seconds", -15000),
            ("−5", "Back 5 seconds", -5000),
            ("+5", "Forward 5 seconds", 5000),
            ("+15", "Forward 15 seconds", 15000),
        ):
            button = self._button(text, name, lambda _=False, d=delta: self.player.skip(d))
            self.jump_buttons.append(button)
        self.jump_buttons.append(self._button("↺5", "Replay the last 5 seconds", self.replay_last))
        for button in self.jump_buttons:
            jumps.addWidget(button)
        jumps.addStretch(1)
        self.jump_silence = QPushButton("Longest silence")
        self.jump_latency = QPushButton("Slowest reply")
        jumps.addWidget(self.jump_silence)
        jumps.addWidget(self.jump_latency)
        layout.addLayout(jumps)

        self.timeline = TimelineStrip()
        layout.addWidget(self.timeline)

        under = QHBoxLayout()
        self.legend = TimelineLegend()
        under.addWidget(self.legend)
        under.addStretch(1)
        under.addWidget(QLabel("Sync:"))
        under.addWidget(
            self._button("−0.1s", "Transcript earlier by 100 ms", lambda: self.nudge(-NUDGE_MS))
        )
        self.offset_label = QLabel("+0 ms")
        self.offset_label.setAccessibleName("Transcript sync offset")
        under.addWidget(self.offset_label)
        under.addWidget(
            self._button("+0.1s", "Transcript later by 100 ms", lambda: self.nudge(NUDGE_MS))
        )
        layout.addLayout(under)

        # The figures on a line of their own; they wrap between phrases (see _update_markers).
        self.stats = QLabel()
        self.stats.setTextFormat(Qt.TextFormat.PlainText)
        self.stats.setAccessibleName("Talk time and markers")
        self.stats.setWordWrap(True)
        layout.addWidget(self.stats)

        search = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find in transcript")
        self.search.setAccessibleName("Find in transcript")
        self.search.setClearButtonEnabled(True)
        self.prev_match = self._button("▲", "Previous match", lambda: self.step_match(-1))
        self.next_match = self._button("▼", "Next match", lambda: self.step_match(1))
        self.match_label = QLabel()
        self.follow = QPushButton("Follow playback")
        self.follow.setAccessibleName("Follow playback")
        self.follow.hide()
        for widget in (self.search, self.prev_match, self.next_match, self.match_label):
            search.addWidget(widget)
        search.addStretch(1)
        search.addWidget(self.follow)
        self.goto = QLineEdit()
        self.goto.setPlaceholderText("go to m:ss")
        self.goto.setAccessibleName("Go to time")
        self.goto.setMinimumWidth(self.goto.fontMetrics().horizontalAdvance("go to m:ss") + 24)
        self.goto.setMaximumWidth(self.goto.minimumWidth() + 40)
        search.addWidget(self.goto)
        layout.addLayout(search)

        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Player message")
        self.download = QPushButton("Download and play")
        msg_row = QHBoxLayout()
        msg_row.addWidget(self.message, 1)
        msg_row.addWidget(self.download)
        layout.addLayout(msg_row)

        self.view = TranscriptView()
        self.view.setModel(self.model)
        layout.addWidget(self.view, 1)

    def _connect(self) -> None:
        p = self.player
        p.position_changed.connect(self._on_player_position_changed)
        p.duration_changed.connect(self._on_player_duration_changed)
        p.state_changed.connect(self._on_player_state_changed)
        p.error_occurred.connect(self._on_player_error_occurred)
        self.sync.current_segment_changed.connect(self._on_sync_current_segment_changed)
        self.slider.sliderMoved.connect(self.player.seek)
        self.speed.currentIndexChanged.connect(self._on_speed_changed)
        self.volume.valueChanged.connect(lambda v: self.player.set_volume(v / 100))
        self.view.segment_activated.connect(self.seek_to_segment)
        self.view.following_changed.connect(lambda on: self.follow.setVisible(not on))
        self.follow.clicked.connect(self._on_follow_clicked)
        self.timeline.seek_requested.connect(self.player.seek)
        self.search.textChanged.connect(self._on_search_changed)
        self.search.returnPressed.connect(lambda: self.step_match(1))
        self.goto.returnPressed.connect(self._on_goto_return_pressed)
        self.jump_silence.clicked.connect(lambda: self._jump(self._longest_silence))
        self.jump_latency.clicked.connect(lambda: self._jump(self._longest_latency))
        self.download.clicked.connect(self._on_download_clicked)

    def put_beside_transcript(self, widget: QWidget) -> QSplitter:
        """Show `widget` (the call view's notes) to the right of the transcript, in a splitter."""
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        index = layout.indexOf(self.view)
        layout.insertWidget(index, splitter, 1)
        splitter.addWidget(self.view)
        splitter.addWidget(widget)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.transcript_splitter = splitter
        return splitter

    def window_actions(self) -> list[QAction]:
        """Keyboard shortcuts for the whole window (text fields keep their own keys)."""
        actions = []
        for keys, slot in (
            ("Space", self.player.toggle),
            ("Left", lambda: self.player.skip(-5000)),
            ("Right", lambda: self.player.skip(5000)),
            ("Shift+Left", lambda: self.player.skip(-15000)),
            ("Shift+Right", lambda: self.player.skip(15000)),
            ("[", lambda: self.change_speed(-1)),
            ("]", lambda: self.change_speed(1)),
            ("Ctrl+Shift+R", self.replay_last),
        ):
            action = QAction(keys, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            actions.append(action)
        return actions

    # the call ---------------------------------------------------------------------------

    def show_transcript_first(self, segments: tuple[Segment, ...]) -> None:
        """Lines to read while the call loads (see `CallView.show_transcript_first`)."""
        if self._stored is not None:
            return  # a call is loaded: its audio and transcript stay together
        timed = any(s.start_ms for s in segments)
        self.model.set_segments(segments, timed)

    def set_call(self, stored: StoredCall | None, autoplay: bool = False) -> None:
        previous = self._stored
        if (
            stored is not None
            and previous is not None
            and stored.call == previous.call
            and stored.recording == previous.recording
        ):
            # The same call again (a note or a flag changed): keep playing undisturbed.
            self._stored = stored
            return
        self._stored = stored
        segments = stored.call.segments if stored else ()
        timed = bool(stored and stored.call.timing.has_positions)
        if stored is not None and not segments and stored.call.transcript_text:
            # Only a flat transcript (e.g. Rounded's transcript_string): lines, no timing.
            segments = tuple(
                Segment(i, Role.OTHER, "", line, 0)
                for i, line in enumerate(stored.call.transcript_text.splitlines())
            )
        self.model.set_segments(segments, timed)
        self.sync.set_starts([s.start_ms for s in segments] if timed else [])
        self.sync.set_offset(stored.review.sync_offset_ms if stored else 0)
        self._show_offset()
        self.view.set_following(True)
        self._update_markers(segments if timed else (), stored)
        self.search.clear()
        self.download.hide()
        self._reset_position()
        message = ""
        has_audio = stored is not None and stored.recording is not None
        if stored is None:
            self.player.load(None)
        else:
            call = stored.call
            has_transcript = bool(segments)
            if stored.recording is not None:
                if self.player.load(stored.recording.path) and (
                    autoplay or self._play_after_download
                ):
                    self.player.play()
                if not has_transcript:
                    message = "This call has no transcript (yet); the recording can be played."
                elif not timed:
                    message = (
                        "The transcript has no timing information, so it can't follow the audio."
                    )
            else:
                self.player.load(None)
                if call.recording is not None:
                    message = "The recording is not downloaded yet."
                    self.download.show()
                elif has_transcript:
                    message = NO_RECORDING
                else:
                    message = "This call has no recording and no transcript."
        if not has_audio:
            self._reset_position()  # after load(None), whose signals may carry old figures
        self._play_after_download = False
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self._set_enabled(has_audio)

    def _reset_position(self) -> None:
        """Zero the time, the seek bar and the playhead: nothing of the last call remains."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.timeline.set_position(0)
        self.elapsed.setText("0:00 / 0:00")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def _set_enabled(self, has_audio: bool) -> None:
        """Only what can act is enabled: without audio nothing can play, seek or jump."""
        for widget in (
            self.play_button,
            self.slider,
            self.speed,
            self.mute,
            self.volume,
            self.timeline,
            self.goto,
            *self.jump_buttons,
        ):
            widget.setEnabled(has_audio)
        self.jump_silence.setEnabled(has_audio and self._longest_silence is not None)
        self.jump_latency.setEnabled(has_audio and self._longest_latency is not None)

    def _update_markers(self, segments: Sequence[Segment], stored: StoredCall | None) -> None:
        spoken = estimate_speech_ends(segments)
        gaps = silences(spoken, SILENCE_MS)
        latencies = response_latencies(spoken)
        duration = (
            stored.call.duration_ms
            if stored and stored.call.duration_ms
            else (spoken[-1].end_ms or 0 if spoken else 0)
        )
        self.timeline.set_data(spoken, duration or 1, gaps)
        self._longest_silence = max(gaps, key=lambda g: g[2])[1] if gaps else None
        slowest = max(latencies, key=lambda x: x[1]) if latencies else None
        self._longest_latency = segments[slowest[0]].start_ms if slowest else None
        shares = talk_split(spoken)
        parts = []
        if shares is not None:
            parts.append(f"Talk time: agent {shares[0]}%, caller {shares[1]}%")
        parts.append(f"silences over {SILENCE_MS // 1000} s: {len(gaps)}")
        if slowest:
            parts.append(f"slowest agent reply {slowest[1] / 1000:.1f} s")
        # No-break spaces inside each phrase: a narrow pane wraps between phrases only.
        phrases = [part.replace(" ", "\u00a0") for part in parts]
        self.stats.setText("\u00a0· ".join(phrases) if segments else "")
        self.stats.setVisible(bool(segments))
        self.jump_silence.setEnabled(self._longest_silence is not None)
        self.jump_latency.setEnabled(self._longest_latency is not None)

    # playback events --------------------------------------------------------------------

    def _on_player_position_changed(self, ms: int) -> None:
        self.sync.update(ms)
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(ms)
            self.slider.blockSignals(False)
        self.timeline.set_position(ms)
        self.elapsed.setText(
            f"{format_ms(ms) or '0:00'} / {format_ms(self.player.duration()) or '0:00'}"
        )

    def _on_player_duration_changed(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        self.elapsed.setText(f"{format_ms(self.player.position()) or '0:00'} / {format_ms(ms)}")

    def _on_player_state_changed(self, state: str) -> None:
        icon = (
            QStyle.StandardPixmap.SP_MediaPause
            if state == "playing"
            else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        if state == "playing":
            self._check_audio_output()

    def _check_audio_output(self) -> None:
        """Say once that playback is silent when there is no sound device to play on."""
        if self.player.has_audio_output():
            self._told_no_device = False  # a device came back: tell again if it goes
        elif not self._told_no_device:
            self._told_no_device = True
            self.notice.emit(NO_AUDIO_DEVICE)

    def _on_player_error_occurred(self, text: str) -> None:
        self.message.setText(f"{text} The transcript stays usable.")
        self.message.show()
        self._set_enabled(False)

    def _on_sync_current_segment_changed(self, row: int) -> None:
        self.model.set_current(row)
        self.view.follow_to(row)

    # actions ----------------------------------------------------------------------------

    def seek_to_segment(self, row: int) -> None:
        """Play from the start of a line, whether playing, paused or stopped."""
        if not self.model.timed or not 0 <= row < self.model.rowCount():
            return
        self.view.set_following(True)
        self.player.seek(self.sync.position_of(row))
        if not self.player.is_playing():
            self.player.play()

    def replay_last(self) -> None:
        self.player.skip(-5000)
        self.player.play()

    def change_speed(self, step: int) -> None:
        index = min(max(self.speed.currentIndex() + step, 0), self.speed.count() - 1)
        self.speed.setCurrentIndex(index)

    def _on_speed_changed(self, _: int) -> None:
        rate = float(self.speed.currentData())
        self.player.set_rate(rate)
        if self.settings is not None:
            self.settings.setValue("player/rate", rate)

    def _on_mute_clicked(self) -> None:
        muted = self.mute.isChecked()
        self.player.set_muted(muted)
        self.mute.setText("Unmute" if muted else "Mute")

    def nudge(self, delta_ms: int) -> None:
        if self._stored is None:
            return
        self.sync.set_offset(self.sync.offset_ms + delta_ms)
        self._show_offset()
        self.offset_changed.emit(self.sync.offset_ms)

    def _show_offset(self) -> None:
        self.offset_label.setText(f"{self.sync.offset_ms:+d} ms")

    def _on_follow_clicked(self) -> None:
        self.view.set_following(True)
        self.view.follow_to(self.model.current)

    def start_find(self, text: str) -> None:
        """Put `text` in the find field and show its first match (empty text: clear the find).

        For the window to carry the library's search into a call just opened; it takes no
        keyboard focus and does not move playback."""
        self.search.setText(text.strip())

    def _on_search_changed(self, text: str) -> None:
        self._matches = self.model.find(text)
        self._match_pos = -1
        self.match_label.setText(f"{len(self._matches)} match(es)" if text.strip() else "")
        if self._matches:
            self.step_match(1)

    def step_match(self, step: int) -> None:
        if not self._matches:
            return
        self._match_pos = (self._match_pos + step) % len(self._matches)
        row = self._matches[self._match_pos]
        index = self.model.index(row, 0)
        self.view.set_following(False)
        self.model.set_current_match(row)
        self.view.setCurrentIndex(index)
        # In the middle of the view, with the lines around it for context.
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.match_label.setText(f"{self._match_pos + 1} of {len(self._matches)}")

    def _on_goto_return_pressed(self) -> None:
        ms = parse_position(self.goto.text())
        if ms is None:
            self.goto.selectAll()
            self._hint(self.goto, "Type a time such as 1:23, 83 or 0:01:23.")
            return
        duration = self.player.duration()
        if duration and ms > duration:
            self._hint(self.goto, f"The recording is {format_ms(duration)} long.")
            ms = duration
        self.player.seek(ms)
        self.goto.clear()

    def _hint(self, widget: QWidget, text: str) -> None:
        """A short-lived note under a field (the message line is kept for real problems)."""
        self.last_hint = text
        QToolTip.showText(widget.mapToGlobal(widget.rect().bottomLeft()), text, widget)

    def _jump(self, ms: int | None) -> None:
        if ms is not None:
            self.view.set_following(True)
            self.player.seek(max(0, ms - 500))

    def _on_download_clicked(self) -> None:
        self._play_after_download = True
        self.download.setEnabled(False)
        self.message.setText("Downloading the recording…")
        self.download_requested.emit()

    def download_failed(self, text: str) -> None:
        self._play_after_download = False
        self.download.setEnabled(True)
        self.message.setText(text)
