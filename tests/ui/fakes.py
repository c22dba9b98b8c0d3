"""A fake player with the real Player's signals and methods, driven by injected positions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from callreview.player.player import PlayerState


class FakePlayer(QObject):
    position_changed = Signal(int)
    duration_changed = Signal(int)
    state_changed = Signal(str)
    error_occurred = Signal(str)
    rate_changed = Signal(float)

    def __init__(self, duration: int = 60_000) -> None:
        super().__init__()
        self._position = 0
        self._duration = duration
        self.state = PlayerState.EMPTY
        self.seeks: list[int] = []
        self.rate = 1.0
        self.loaded: Path | None = None
        self.audio_output = True  # tests set False: a machine without a sound device

    # what tests do
    def tick(self, ms: int) -> None:
        self._position = ms
        self.position_changed.emit(ms)

    # the Player API the panel uses
    def load(self, path: Path | None) -> bool:
        self.loaded = path
        self.state = PlayerState.PAUSED if path else PlayerState.EMPTY
        self.duration_changed.emit(self._duration)
        return path is not None

    def play(self) -> None:
        self.state = PlayerState.PLAYING
        self.state_changed.emit("playing")

    def pause(self) -> None:
        self.state = PlayerState.PAUSED
        self.state_changed.emit("paused")

    def toggle(self) -> None:
        self.pause() if self.state is PlayerState.PLAYING else self.play()

    def seek(self, ms: int) -> None:
        self.seeks.append(ms)
        self.tick(ms)

    def skip(self, delta: int) -> None:
        self.seek(max(0, self._position + delta))

    def position(self) -> int:
        return self._position

    def is_playing(self) -> bool:
        return self.state is PlayerState.PLAYING

    def has_audio_output(self) -> bool:
        return self.audio_output

    def duration(self) -> int:
        return self._duration

    def set_rate(self, rate: float) -> None:
        self.rate = rate

    def set_volume(self, volume: float) -> None:
        pass

    def set_muted(self, muted: bool) -> None:
        pass
