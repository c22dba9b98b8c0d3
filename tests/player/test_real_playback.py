"""The real QMediaPlayer playing the sample library's recording offscreen (no sound card)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from callreview.library import SqliteLibrary
from callreview.library.sample import import_sample
from callreview.player import Player
from callreview.ui.listen import ListenPanel

CALL = ("ringyo", "call_7f3a9c21")


@pytest.fixture
def panel(qtbot: QtBot, tmp_path: Path, qloop: object) -> ListenPanel:
    library = SqliteLibrary(tmp_path)
    import_sample(library)
    stored = library.get(*CALL)
    assert stored is not None and stored.recording is not None
    player = Player()
    widget = ListenPanel(player)
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    with qtbot.waitSignal(
        player.state_changed, timeout=5000, check_params_cb=lambda s: s == "paused"
    ):
        widget.set_call(stored)
    library.close()
    return widget


def test_position_advances_and_highlight_changes_on_time(panel: ListenPanel, qtbot: QtBot) -> None:
    player = panel.player
    starts = [s.start_ms for s in panel.model.segments]
    changes: list[tuple[int, int]] = []
    panel.sync.current_segment_changed.connect(
        lambda row: changes.append((row, player._player.position()))  # type: ignore[attr-defined]
    )
    player.play()
    qtbot.waitUntil(lambda: player.position() > 500, timeout=5000)
    # Jump to just before each of the next lines and let it play across the boundary.
    for row in range(1, 5):
        player.seek(starts[row] - 400)
        qtbot.waitUntil(lambda row=row: panel.model.current == row, timeout=3000)
    lags = []
    for row in range(1, 5):
        heard = [pos for r, pos in changes if r == row]
        assert heard, (row, changes)
        lags.append(heard[-1] - starts[row])
    print("highlight lag after each line start (ms):", lags)
    assert all(-60 <= lag <= 150 for lag in lags), lags
    assert player.is_playing()


def test_click_on_the_fourth_line_moves_playback_there(panel: ListenPanel, qtbot: QtBot) -> None:
    player = panel.player
    start = panel.model.segments[3].start_ms
    player.play()
    qtbot.waitUntil(lambda: player.position() > 200, timeout=5000)
    rect = panel.view.visualRect(panel.model.index(3, 0))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: start <= player._player.position() < start + 1500, timeout=3000)  # type: ignore[attr-defined]
    assert panel.model.current == 3


def test_seek_before_loaded_is_kept(qtbot: QtBot, tmp_path: Path, qloop: object) -> None:
    library = SqliteLibrary(tmp_path)
    import_sample(library)
    stored = library.get(*CALL)
    library.close()
    assert stored is not None and stored.recording is not None
    player = Player()
    player.load(stored.recording.path)
    player.seek(20_000)  # still loading: the FFmpeg backend would drop this
    qtbot.waitUntil(lambda: player.state.value == "paused", timeout=5000)
    qtbot.waitUntil(lambda: abs(player._player.position() - 20_000) < 300, timeout=3000)  # type: ignore[attr-defined]


def test_missing_and_corrupt_files_give_clear_errors(
    qtbot: QtBot, tmp_path: Path, qloop: object
) -> None:
    player = Player()
    with qtbot.waitSignal(player.error_occurred) as missing:
        player.load(tmp_path / "gone.ogg")
    assert "missing" in missing.args[0]
    corrupt = tmp_path / "corrupt.ogg"
    corrupt.write_bytes(b"OggS" + b"\x00garbage" * 500)
    started = time.monotonic()
    with qtbot.waitSignal(player.error_occurred, timeout=5000) as bad:
        player.load(corrupt)
    assert time.monotonic() - started < 5
    assert "not supported" in bad.args[0] or "could not be read" in bad.args[0]
