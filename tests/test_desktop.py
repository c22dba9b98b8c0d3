"""The menu entry for pip installs, and the packaged .desktop file, stay in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from callreview import desktop

ROOT = Path(__file__).resolve().parents[1]


def test_packaged_desktop_file_is_the_rendered_entry() -> None:
    packaged = (ROOT / "packaging" / "io.callreview.CallReview.desktop").read_text()
    assert packaged == desktop.render_entry("callreview")


def test_install_and_uninstall_for_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    written = desktop.install_entry()
    entry = tmp_path / "applications" / "io.callreview.CallReview.desktop"
    assert entry in written and entry.read_text().startswith("[Desktop Entry]")
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert "callreview" in exec_line and exec_line.endswith("%F")
    for size in desktop.ICON_SIZES:
        assert (
            tmp_path / f"icons/hicolor/{size}x{size}/apps/io.callreview.CallReview.png"
        ).stat().st_size > 0
    assert (tmp_path / "icons/hicolor/scalable/apps/io.callreview.CallReview.svg").exists()
    removed = desktop.uninstall_entry()
    assert len(removed) == len(written)
    assert not entry.exists()
