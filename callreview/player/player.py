"""`Player(QObject)`: plays a library recording file; re-emits position, state and errors."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl, Signal

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

log = logging.getLogger(__name__)

RATES = tuple(round(0.5 + 0.1 * i, 1) for i in range(16))  # 0.5x … 2.0x


class PlayerState(StrEnum):
    EMPTY = "empty"
    LOADING = "loading"
    PAUSED = "paused"
    PLAYING = "playing"
    ERROR = "error"


def _error_text(name: str) -> str | None:
    return {
        "ResourceError": "The recording file could not be read (missing or damaged).",
        "FormatError": "The recording's audio format is not supported, or the file is corrupt.",
        "NetworkError": "The recording could not be loaded.",
        "AccessDeniedError": "CallReview is not allowed to read the recording file.",
    }.get(name)


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
        self._backend: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._state = PlayerState.EMPTY
        self._pending_seek: int | None = None
        self._play_when_loaded = False
        self._path: Path | None = None
        self._rate = 1.0
        self._volume = 1.0
        self._muted = False

    @property
    def _player(self) -> QMediaPlayer:
        """The QMediaPlayer, created when first needed: loading QtMultimedia and its FFmpeg
        plugin takes ~100 ms, which should not delay the window's first paint."""
        if self._backend is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            # On the GUI thread, one audio output for the player's lifetime (swapping
            # outputs while playing is known to break).
            player = QMediaPlayer(self)
            audio = QAudioOutput(self)
            player.setAudioOutput(audio)
            if hasattr(player, "setPitchCompensation"):
                # Qt 6.10+: faster review playback without the "chipmunk" pitch shift.
                player.setPitchCompensation(True)
            player.setPlaybackRate(self._rate)
            audio.setVolume(self._volume)
            audio.setMuted(self._muted)
            player.positionChanged.connect(self._on_player_position_changed)
            player.durationChanged.connect(self._on_player_duration_changed)
            player.mediaStatusChanged.connect(self._on_player_media_status_changed)
            player.playbackStateChanged.connect(self._on_player_playback_state_changed)
            player.errorOccurred.connect(self._on_player_error_occurred)
            self._backend, self._audio = player, audio
        return self._backend

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
        return int(self._backend.position()) if self._backend is not None else 0

    def duration(self) -> int:
        return int(self._backend.duration()) if self._backend is not None else 0

    def is_playing(self) -> bool:
        return self._state is PlayerState.PLAYING

    def has_audio_output(self) -> bool:
        """Whether the system offers a sound device; without one, playback advances silently."""
        from PySide6.QtMultimedia import QMediaDevices

        return (
            bool(QMediaDevices.audioOutputs()) and not QMediaDevices.defaultAudioOutput().isNull()
        )

    def _set_state(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state.value)

    # commands ---------------------------------------------------------------------------

    def load(self, path: Path | None) -> bool:
        """Load a local file (or nothing). Returns False, with `error_occurred`, if unusable."""
        self._pending_seek = None
        self._play_when_loaded = False
        if self._backend is not None:
            self._backend.stop()
            # Release the old file first (Windows can't replace or delete an open file).
            self._backend.setSource(QUrl())
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
        if self._backend is not None:
            self._backend.pause()

    def release(self) -> None:
        """Stop, close the file and free the media backend (before the app shuts down).

        The FFmpeg backend joins its threads when the QMediaPlayer is destroyed; stopping it
        here, from plain Python rather than from inside a Qt destructor chain, keeps that join
        from waiting on a thread that needs the GIL.
        """
        self.load(None)
        if self._backend is not None:
            self._backend.deleteLater()
            if self._audio is not None:
                self._audio.deleteLater()
            self._backend = self._audio = None

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
        self._rate = min(max(RATES[0], round(rate, 1)), RATES[-1])
        if self._backend is not None:
            self._backend.setPlaybackRate(self._rate)
        self.rate_changed.emit(self._rate)

    def rate(self) -> float:
        return self._rate

    def set_volume(self, volume: float) -> None:
        self._volume = min(max(volume, 0.0), 1.0)
        if self._audio is not None:
            self._audio.setVolume(self._volume)

    def volume(self) -> float:
        return self._volume

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        if self._audio is not None:
            self._audio.setMuted(muted)

    def is_muted(self) -> bool:
        return self._muted

    # backend signals --------------------------------------------------------------------

    def _on_player_position_changed(self, position: int) -> None:
        if self._pending_seek is None:
            self.position_changed.emit(int(position))

    def _on_player_duration_changed(self, duration: int) -> None:
        self.duration_changed.emit(int(duration))

    def _on_player_media_status_changed(self, status: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

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

    def _on_player_playback_state_changed(self, state: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if self._state in (PlayerState.ERROR, PlayerState.LOADING, PlayerState.EMPTY):
            return
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self._set_state(PlayerState.PLAYING if playing else PlayerState.PAUSED)

    def _on_player_error_occurred(self, error: Any, text: str) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if error == QMediaPlayer.Error.NoError:
            return
        log.warning("playback error %s: %s (%s)", error, text, self._path)
        self._set_state(PlayerState.ERROR)
        self._play_when_loaded = False
        self.error_occurred.emit(
            _error_text(error.name) or f"The recording could not be played ({text})."
        )
