"""`Player(QObject)`: plays a library recording file; re-emits position, state and errors."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

log = logging.getLogger(__name__)

RATES = tuple(round(0.5 + 0.1 * i, 1) for i in range(16))  # 0.5x … 2.0x


class PlayerState(StrEnum):
    EMPTY = "empty"
    LOADING = "loading"
    PAUSED = "paused"
    PLAYING = "playing"
    ERROR = "error"


_ERRORS = {
    QMediaPlayer.Error.ResourceError: "The recording file could not be read (missing or damaged).",
    QMediaPlayer.Error.FormatError: (
        "The recording's audio format is not supported, or the file is corrupt."
    ),
    QMediaPlayer.Error.NetworkError: "The recording could not be loaded.",
    QMediaPlayer.Error.AccessDeniedError: "CallReview is not allowed to read the recording file.",
}


class Player(QObject):
    """Only ever plays local files from the library (never a provider URL).

    Seeks asked for before the media has loaded are kept and applied once it has: the
    FFmpeg backend silently drops `setPosition` while loading. Positions are re-emitted as
    they come; nothing here assumes how often that is.
    """

    position_changed = Signal(int)
    duration_changed = Signal(int)
    state_changed = Signal(str)
    error_occurred = Signal(str)
    rate_changed = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Created on the GUI thread, one audio output for the player's lifetime (swapping
        # outputs while playing is known to break).
        self._player = QMediaPlayer(self)
        self._audio = QAudioOutput(self)
        self._player.setAudioOutput(self._audio)
        if hasattr(self._player, "setPitchCompensation"):
            # Qt 6.10+: faster review playback without the "chipmunk" pitch shift.
            self._player.setPitchCompensation(True)
        self._state = PlayerState.EMPTY
        self._pending_seek: int | None = None
        self._play_when_loaded = False
        self._path: Path | None = None
        self._player.positionChanged.connect(self._on_player_position_changed)
        self._player.durationChanged.connect(self._on_player_duration_changed)
        self._player.mediaStatusChanged.connect(self._on_player_media_status_changed)
        self._player.playbackStateChanged.connect(self._on_player_playback_state_changed)
        self._player.errorOccurred.connect(self._on_player_error_occurred)

    # state ------------------------------------------------------------------------------

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def path(self) -> Path | None:
        return self._path

    def position(self) -> int:
        if self._pending_seek is not None:
            return self._pending_seek
        return int(self._player.position())

    def duration(self) -> int:
        return int(self._player.duration())

    def is_playing(self) -> bool:
        return self._state is PlayerState.PLAYING

    def _set_state(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state.value)

    # commands ---------------------------------------------------------------------------

    def load(self, path: Path | None) -> bool:
        """Load a local file (or nothing). Returns False, with `error_occurred`, if unusable."""
        self._pending_seek = None
        self._play_when_loaded = False
        self._player.stop()
        # Release the old file first (Windows can't replace or delete an open file).
        self._player.setSource(QUrl())
        self._path = path
        if path is None:
            self._set_state(PlayerState.EMPTY)
            return False
        if not path.is_file():
            self._set_state(PlayerState.ERROR)
            self.error_occurred.emit(
                f"The recording file is missing: {path}. Download it again (Ctrl+D)."
            )
            return False
        self._set_state(PlayerState.LOADING)
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        return True

    def play(self) -> None:
        if self._state is PlayerState.LOADING:
            self._play_when_loaded = True
            return
        if self._state in (PlayerState.PAUSED, PlayerState.PLAYING):
            if self.duration() and self._player.position() >= self.duration():
                self._player.setPosition(0)
            self._player.play()

    def pause(self) -> None:
        self._play_when_loaded = False
        self._player.pause()

    def toggle(self) -> None:
        if self.is_playing() or self._play_when_loaded:
            self.pause()
        else:
            self.play()

    def seek(self, ms: int) -> None:
        ms = max(0, int(ms))
        if self.duration():
            ms = min(ms, self.duration())
        if self._state is PlayerState.LOADING:
            self._pending_seek = ms
            self.position_changed.emit(ms)
            return
        self._player.setPosition(ms)
        # Report at once: the backend's next position tick may be 50 ms away.
        self.position_changed.emit(ms)

    def skip(self, delta_ms: int) -> None:
        self.seek(self.position() + delta_ms)

    def set_rate(self, rate: float) -> None:
        rate = min(max(RATES[0], round(rate, 1)), RATES[-1])
        self._player.setPlaybackRate(rate)
        self.rate_changed.emit(rate)

    def rate(self) -> float:
        return float(self._player.playbackRate())

    def set_volume(self, volume: float) -> None:
        self._audio.setVolume(min(max(volume, 0.0), 1.0))

    def volume(self) -> float:
        return float(self._audio.volume())

    def set_muted(self, muted: bool) -> None:
        self._audio.setMuted(muted)

    def is_muted(self) -> bool:
        return bool(self._audio.isMuted())

    # backend signals --------------------------------------------------------------------

    def _on_player_position_changed(self, position: int) -> None:
        if self._pending_seek is None:
            self.position_changed.emit(int(position))

    def _on_player_duration_changed(self, duration: int) -> None:
        self.duration_changed.emit(int(duration))

    def _on_player_media_status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia):
            if self._state is PlayerState.LOADING:
                self._set_state(PlayerState.PAUSED)
                if self._pending_seek is not None:
                    pending, self._pending_seek = self._pending_seek, None
                    self._player.setPosition(pending)
                    self.position_changed.emit(pending)
                if self._play_when_loaded:
                    self._play_when_loaded = False
                    self._player.play()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._set_state(PlayerState.ERROR)
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._set_state(PlayerState.PAUSED)

    def _on_player_playback_state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        if self._state in (PlayerState.ERROR, PlayerState.LOADING, PlayerState.EMPTY):
            return
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self._set_state(PlayerState.PLAYING if playing else PlayerState.PAUSED)

    def _on_player_error_occurred(self, error: QMediaPlayer.Error, text: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        log.warning("playback error %s: %s (%s)", error, text, self._path)
        self._set_state(PlayerState.ERROR)
        self._play_when_loaded = False
        self.error_occurred.emit(_ERRORS.get(error, f"The recording could not be played ({text})."))
