"""The real QMediaPlayer playing the sample library's recording offscreen (no sound card).

The listen panel on the real player is tested in tests/ui/test_listen.py."""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from callreview.domain import CallRef
from callreview.library.sample import import_sample
from callreview.player import Player
from tests.library.helpers import open_library

CALL = CallRef("ringyo", "call_7f3a9c21")


def test_seek_before_loaded_is_kept(qtbot: QtBot, tmp_path: Path, qloop: object) -> None:
    library = open_library(tmp_path)
    import_sample(library)
    stored = library.get(CALL)
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
