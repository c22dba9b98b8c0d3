"""The menu entry for pip installs, and the packaged .desktop file, stay in step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callreview import app, desktop
from callreview.domain import ConfigError

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


def _fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache tools as scripts that log their arguments (PATH holds nothing else)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    for tool in ("update-desktop-database", "gtk-update-icon-cache", "update-mime-database"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return calls


def test_install_registers_the_bundle_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    calls = _fake_tools(tmp_path, monkeypatch)
    written = desktop.install_entry()
    xml = home / "mime/packages/io.callreview.CallReview.xml"
    assert xml in written
    shipped = ROOT / "resources/mime/io.callreview.CallReview.xml"
    assert xml.read_bytes() == shipped.read_bytes()
    assert 'glob pattern="*.crbundle"' in xml.read_text()
    assert f"update-mime-database {home / 'mime'}" in calls.read_text().splitlines()
    calls.unlink()
    removed = desktop.uninstall_entry()
    assert xml in removed and not xml.exists()
    # Run again after removal, so that the type leaves the user's MIME database too.
    assert f"update-mime-database {home / 'mime'}" in calls.read_text().splitlines()


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="needs shared-mime-info")
def test_the_real_mime_database_knows_bundles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    desktop.install_entry()
    globs = (tmp_path / "mime/globs2").read_text()
    assert "application/x-callreview-bundle:*.crbundle" in globs
    desktop.uninstall_entry()
    assert "crbundle" not in (tmp_path / "mime/globs2").read_text()


@pytest.mark.parametrize("missing", ["icons", "mime"])
def test_missing_resources_are_a_clear_error_and_nothing_is_written(
    missing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "installed" / missing
    empty.mkdir(parents=True)
    monkeypatch.setattr(desktop, f"{missing}_dir", lambda: empty)
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    with pytest.raises(ConfigError, match="Reinstall CallReview") as caught:
        desktop.install_entry()
    assert str(empty) in str(caught.value)
    assert not home.exists()


def test_install_desktop_entry_reports_a_missing_resource_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "no-icons"
    empty.mkdir()
    monkeypatch.setattr(desktop, "icons_dir", lambda: empty)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert app.main(["--install-desktop-entry"]) == 2
    err = capsys.readouterr().err
    assert "Reinstall CallReview" in err and str(empty) in err
    assert "Traceback" not in err


def test_unwritable_menu_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "share"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    with pytest.raises(ConfigError, match="Could not add CallReview to the applications menu"):
        desktop.install_entry()
    assert app.main(["--install-desktop-entry"]) == 2
    assert "Could not add CallReview" in capsys.readouterr().err
