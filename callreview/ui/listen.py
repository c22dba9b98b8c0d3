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
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
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
from callreview.ui.transcript import ROLE_HUE, TranscriptModel, TranscriptView, mix

SILENCE_MS = 2000
NUDGE_MS = 100

PLAYER_SHORTCUTS = [
    ("Space", "Play / pause"),
    ("Left / Right", "Back / forward 5 seconds"),
    ("Shift+Left / Shift+Right", "Back / forward 15 seconds"),
    ("[ / ]", "Slower / faster (0.1x steps)"),
    ("Ctrl+Shift+R", "Replay the last 5 seconds"),
    ("Click or Enter on a line", "Play from that line"),
]


class TimelineStrip(QWidget):
    """The call at a glance: who spoke when, the silences, the playhead. A click seeks."""

    seek_requested = Signal(int)

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
            painter.fillRect(QRect(x1, 0, max(1, x2 - x1), h), QColor(220, 60, 60, 70))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        x = self._x(self._position)
        painter.drawLine(x, 0, x, h)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._duration and self.width():
            ms = int(event.position().x() / self.width() * self._duration)
            self.seek_requested.emit(max(0, min(ms, self._duration)))


class ListenPanel(QWidget):
    """Player controls above the transcript; the line being spoken is always highlighted."""

    download_requested = Signal()
    offset_changed = Signal(int)

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
        row = QHBoxLayout()
        self.play_button = self._button("", "Play or pause (Space)", self.player.toggle)
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setMinimumWidth(36)
        row.addWidget(self.play_button)
        for text, name, delta in (
            ("−15", "Back 15 seconds", -15000),
            ("−5", "Back 5 seconds", -5000),
            ("+5", "Forward 5 seconds", 5000),
            ("+15", "Forward 15 seconds", 15000),
        ):
            row.addWidget(self._button(text, name, lambda _=False, d=delta: self.player.skip(d)))
        row.addWidget(self._button("↺5", "Replay the last 5 seconds", self.replay_last))
        self.elapsed = QLabel("0:00 / 0:00")
        self.elapsed.setAccessibleName("Elapsed and total time")
        row.addWidget(self.elapsed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Position")
        self.slider.setRange(0, 0)
        row.addWidget(self.slider, 1)
        self.speed = QComboBox()
        self.speed.setAccessibleName("Playback speed")
        for rate in RATES:
            self.speed.addItem(f"{rate:.1f}×", rate)
        row.addWidget(self.speed)
        self.mute = self._button("Mute", "Mute", self._on_mute_clicked)
        self.mute.setCheckable(True)
        row.addWidget(self.mute)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setAccessibleName("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setMaximumWidth(90)
        row.addWidget(self.volume)
        layout.addLayout(row)

        self.timeline = TimelineStrip()
        layout.addWidget(self.timeline)

        info = QHBoxLayout()
        self.stats = QLabel()
        self.stats.setTextFormat(Qt.TextFormat.PlainText)
        self.stats.setAccessibleName("Talk time and markers")
        self.stats.setWordWrap(True)  # wraps instead of squeezing the buttons beside it
        info.addWidget(self.stats, 1)
        self.jump_silence = QPushButton("Longest silence")
        self.jump_latency = QPushButton("Slowest reply")
        info.addWidget(self.jump_silence)
        info.addWidget(self.jump_latency)
        info.addWidget(QLabel("Sync:"))
        info.addWidget(
            self._button("−0.1s", "Transcript earlier by 100 ms", lambda: self.nudge(-NUDGE_MS))
        )
        self.offset_label = QLabel("+0 ms")
        self.offset_label.setAccessibleName("Transcript sync offset")
        info.addWidget(self.offset_label)
        info.addWidget(
            self._button("+0.1s", "Transcript later by 100 ms", lambda: self.nudge(NUDGE_MS))
        )
        layout.addLayout(info)

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
        messages = []
        if stored is None:
            self.player.load(None)
            self.message.setText("")
        else:
            call = stored.call
            if stored.recording is not None:
                if self.player.load(stored.recording.path) and (
                    autoplay or self._play_after_download
                ):
                    self.player.play()
            else:
                self.player.load(None)
                if call.recording is not None:
                    messages.append("The recording is not downloaded yet.")
                    self.download.show()
                else:
                    messages.append("This call has no recording; the transcript is shown alone.")
            if segments and not timed:
                messages.append(
                    "The transcript has no timing information, so it can't follow the audio."
                )
            if not segments and not call.transcript_text:
                messages.append("No transcript (yet).")
        self._play_after_download = False
        self.message.setText(" ".join(messages))
        self.message.setVisible(bool(messages))
        self._set_enabled(stored is not None and stored.recording is not None)

    def _set_enabled(self, has_audio: bool) -> None:
        for widget in (self.play_button, self.slider, self.speed, self.timeline, self.goto):
            widget.setEnabled(has_audio)

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
        self.stats.setText(" · ".join(parts) if segments else "")
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

    def _on_player_error_occurred(self, text: str) -> None:
        self.message.setText(f"{text} The transcript stays usable.")
        self.message.show()
        self._set_enabled(False)

    def _on_sync_current_segment_changed(self, row: int) -> None:
        self.model.set_current(row)
        self.view.follow_to(row)

    # actions ----------------------------------------------------------------------------

    def seek_to_segment(self, row: int) -> None:
        if not self.model.timed or not 0 <= row < self.model.rowCount():
            return
        self.view.set_following(True)
        self.player.seek(self.sync.position_of(row))

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
        self.view.set_following(False)
        self.view.scrollTo(self.model.index(row, 0))
        self.view.setCurrentIndex(self.model.index(row, 0))
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
