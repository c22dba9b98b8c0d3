"""The main window driven as a person would, against the stand-in server."""

from __future__ import annotations

import hashlib
import html
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from callreview.domain import CallStatus
from callreview.library import CallQuery
from callreview.library.sample import make_demo_dir, sample_root
from callreview.providers.redact import Redactor
from callreview.secrets import KeyringSecretStore, MemorySecretStore
from callreview.services import Services
from callreview.ui.accounts_dialog import AccountsDialog
from callreview.ui.listen import PLAYER_SHORTCUTS
from callreview.ui.main_window import SHORTCUTS, MainWindow
from tests.conftest import RINGYO_KEY
from tests.standin import Fault, StandinServer
from tests.ui.conftest import close_services


def window_for(qtbot: QtBot, services: Services) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def demo_services(qtbot: QtBot, qloop: object) -> Iterator[Services]:
    """Services on a fresh copy of the sample library (keys in memory)."""
    demo = make_demo_dir()
    services = Services(demo, secrets=MemorySecretStore())
    try:
        yield services
    finally:
        close_services(qtbot, services)
        shutil.rmtree(demo)


def open_call(qtbot: QtBot, window: MainWindow, ref: str) -> None:
    """Select a call in the list and wait until the call view shows it."""
    window.table.selectRow(window.model.row_of(ref))

    def shown() -> bool:
        stored = window.call_view.stored
        return stored is not None and f"{stored.call.provider}:{stored.call.call_id}" == ref

    qtbot.waitUntil(shown, timeout=3000)


def fetch(qtbot: QtBot, window: MainWindow, account: str, ids: list[str]) -> None:
    dialog = window.open_fetch_dialog()
    task = dialog.start_fetch(account, ids)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=15000)


def results(window: MainWindow) -> dict[str, tuple[str, str]]:
    dialog = window._fetch_dialog
    assert dialog is not None
    model = dialog.model
    return {
        model.item(r, 0).text(): (model.item(r, 1).text(), model.item(r, 2).text())
        for r in range(model.rowCount())
    }


def test_fetch_from_the_window(qtbot: QtBot, with_accounts: Services) -> None:
    window = window_for(qtbot, with_accounts)
    assert window.model.total == 0
    fetch(qtbot, window, "acme", ["call_xyz789", "call_000001", "call_nope"])
    got = results(window)
    assert got["call_xyz789"] == ("done", "OK")
    assert got["call_000001"] == ("done", "OK")
    assert (
        got["call_nope"][0] == "failed" and "Ringyo has no call 'call_nope'" in got["call_nope"][1]
    )
    qtbot.waitUntil(lambda: window.model.total == 2, timeout=3000)
    assert "2 of 3 fetched" in window._fetch_dialog.summary.text()  # type: ignore[union-attr]
    window.table.selectRow(window.model.row_of("ringyo:call_xyz789"))
    qtbot.waitUntil(lambda: window.call_view.stored is not None, timeout=3000)
    assert window.call_view.facts["recording"].text().startswith("stored")
    assert window.call_view.transcript_model.rowCount() == 2


def test_rate_limit_is_waited_out(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    server.queue_faults("ringyo", "call_000002", [Fault.status(429, retry_after="0.2")] * 2)
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_000002"])
    assert results(window)["call_000002"] == ("done", "OK")


def test_rejected_key_offers_update_key(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    with_accounts.accounts.add("acme", "ringyo", "rg_revoked_000000", server.ringyo_base)
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_xyz789"])
    assert "rejected the API key for account 'acme' (401" in results(window)["call_xyz789"][1]
    model = window._fetch_dialog.model  # type: ignore[union-attr]
    assert model.item(0, 2).toolTip() == model.item(0, 2).text()  # long messages in full
    bar = window.message_bar
    assert bar.isVisible() and bar.action_button.text() == "Update key"
    bar.action_button.click()
    dialogs = window.findChildren(AccountsDialog)
    assert dialogs and dialogs[-1].name.text() == "acme"
    assert dialogs[-1].key.echoMode() == dialogs[-1].key.EchoMode.Password


def test_cancel_stops_the_fetch(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    server.latency = 1.5
    window = window_for(qtbot, with_accounts)
    dialog = window.open_fetch_dialog()
    task = dialog.start_fetch("acme", ["call_000003", "call_000004"])
    assert task is not None and dialog.cancel.isEnabled()
    qtbot.wait(200)
    dialog.cancel.click()
    qtbot.waitUntil(task.done, timeout=3000)
    assert task.cancelled()
    assert {v[0] for v in results(window).values()} == {"cancelled"}
    assert "Cancelled" in dialog.summary.text()
    assert dialog.start.isEnabled()
    server.latency = 0


def test_outage_shows_offline_banner_and_library_keeps_working(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_xyz789"])
    server.queue_faults("ringyo", "call_000005", [Fault.status(503)] * 5)
    fetch(qtbot, window, "acme", ["call_000005"])
    assert window.offline_banner.isVisible()
    assert "unavailable" in results(window)["call_000005"][1]
    window.filter_bar.search.setText("Sarah")
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)


def test_review_and_notes_are_saved(qtbot: QtBot, with_accounts: Services) -> None:
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_xyz789"])
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.call_view.stored is not None, timeout=3000)
    window.call_view.flagged.setChecked(True)
    window.call_view.note_text.setPlainText("Agent did not confirm the callback number")
    window.call_view.note_at.setValue(3)
    window.call_view.add_note.click()
    library = with_accounts.library

    def saved() -> bool:
        stored = library.get("ringyo", "call_xyz789")
        return stored is not None and stored.review.flagged and len(stored.review.notes) == 1

    qtbot.waitUntil(saved, timeout=3000)
    note = library.get("ringyo", "call_xyz789").review.notes[0]  # type: ignore[union-attr]
    assert note.position_ms == 3000
    qtbot.waitUntil(lambda: window.call_view.notes_model.rowCount() == 1, timeout=3000)


def test_accounts_dialog_with_memory_store(
    qtbot: QtBot, services: Services, server: StandinServer
) -> None:
    dialog = AccountsDialog(services)
    qtbot.addWidget(dialog)
    assert "memory" in dialog.backend.text()
    dialog.name.setText("acme")
    dialog.provider.setCurrentIndex(dialog.provider.findData("ringyo"))
    dialog.base_url.setText(server.ringyo_base)
    dialog.key.setText(RINGYO_KEY)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 1, timeout=3000)
    assert services.secrets.get("acme") == RINGYO_KEY
    assert dialog.key.text() == ""
    assert RINGYO_KEY not in (services.data_dir / "accounts.json").read_text()
    dialog.list.setCurrentIndex(dialog.list_model.index(0, 0))
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "works" in dialog.status.text(), timeout=5000)
    dialog.ask = lambda *a: True  # type: ignore[method-assign]
    dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 0, timeout=3000)
    assert services.secrets.get("acme") is None


def test_accounts_dialog_with_failing_backend(
    qtbot: QtBot, tmp_path: Path, server: StandinServer, qloop: object
) -> None:
    failing = KeyringSecretStore(Redactor(), keyring.backends.fail.Keyring())
    services = Services(tmp_path / "d", secrets=failing)
    try:
        dialog = AccountsDialog(services)
        qtbot.addWidget(dialog)
        asked: list[str] = []

        def ask(title: str, text: str) -> bool:
            asked.append(text)
            return len(asked) == 2  # refuse the first time, accept the second

        dialog.ask = ask  # type: ignore[method-assign]
        dialog.name.setText("acme")
        dialog.base_url.setText(server.ringyo_base)
        dialog.key.setText(RINGYO_KEY)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: "Not saved" in dialog.status.text(), timeout=3000)
        assert "No OS keyring is available" in asked[0] and "session only" in asked[0]
        assert services.accounts.list() == []
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved 'acme'"), timeout=3000)
        assert "session only" in dialog.status.text()
        assert services.secrets.get("acme") == RINGYO_KEY
        assert "for this session only" in dialog.list_model.item(0).text()
        files = b"".join(p.read_bytes() for p in (tmp_path / "d").rglob("*") if p.is_file())
        assert RINGYO_KEY.encode() not in files
    finally:
        close_services(qtbot, services)


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_demo_copy_leaves_the_sample_untouched(qtbot: QtBot, qloop: object) -> None:
    source = Path(str(sample_root()))
    before = _tree_hash(source)
    demo = make_demo_dir()
    try:
        services = Services(demo, secrets=None)
        window = window_for(qtbot, services)
        assert window.model.total == 6
        open_call(qtbot, window, "ringyo:call_7f3a9c21")
        window.call_view.reviewed.setChecked(True)
        stored = window.call_view.stored
        assert stored is not None and stored.recording is not None
        assert stored.recording.path.is_relative_to(demo)
        qtbot.waitUntil(
            lambda: services.library.get(stored.call.provider, stored.call.call_id).review.reviewed,  # type: ignore[union-attr]
            timeout=3000,
        )
        close_services(qtbot, services)
    finally:
        shutil.rmtree(demo)
    assert _tree_hash(source) == before


def test_keyboard_next_previous(qtbot: QtBot, demo_services: Services) -> None:
    services = demo_services
    window = window_for(qtbot, services)
    window.table.selectRow(0)
    window.move_selection(1)
    assert window.table.currentIndex().row() == 1
    window.move_selection(-1)
    assert window.table.currentIndex().row() == 0
    window.filter_bar.search.setText("router")
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)


def test_export_from_the_window(qtbot: QtBot, demo_services: Services, tmp_path: Path) -> None:
    services = demo_services
    window = window_for(qtbot, services)
    window.table.selectAll()
    dialog = window.open_export_dialog()
    assert dialog is not None and len(dialog.refs) == 6
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    dialog.destination.setText(str(tmp_path))
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=20000)
    assert dialog.written == [tmp_path / "calls.pdf"]
    assert (tmp_path / "calls.pdf").stat().st_size > 10_000
    assert dialog.show_folder.isVisibleTo(dialog) and dialog.progress.value() == 6
    dialog.format.setCurrentIndex(dialog.format.findData("srt"))
    dialog.destination.setText(str(tmp_path / "missing" / "deeper"))
    dialog.per_call.setChecked(True)
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=5000)
    assert "no transcript" in dialog.status.text() or "does not exist" in dialog.status.text()


def test_browse_recent_calls_and_fetch_the_chosen(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    window = window_for(qtbot, with_accounts)
    dialog = window.open_browse_dialog()
    qtbot.addWidget(dialog)
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    dialog.load.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=5000)
    listed = [dialog.model.item(r, 0).text() for r in range(dialog.model.rowCount())]
    assert len(listed) == len(set(listed))
    if dialog.more.isEnabled():
        before = dialog.model.rowCount()
        dialog.more.click()
        qtbot.waitUntil(lambda: dialog.model.rowCount() > before, timeout=5000)
    dialog.table.selectRow(0)
    dialog.table.selectionModel().select(
        dialog.model.index(1, 0),
        dialog.table.selectionModel().SelectionFlag.Select
        | dialog.table.selectionModel().SelectionFlag.Rows,
    )
    chosen = [dialog.model.item(r, 0).text() for r in (0, 1)]
    dialog.fetch.click()
    fetch_dialog = window._fetch_dialog
    assert fetch_dialog is not None
    qtbot.waitUntil(lambda: window.model.total == 2, timeout=10000)
    stored = {r.call_id for r in with_accounts.library.query(CallQuery())}
    assert stored == set(chosen)


def test_play_downloads_the_recording_first(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    window = window_for(qtbot, with_accounts)
    dialog = window.open_fetch_dialog()
    dialog.download.setChecked(False)
    task = dialog.start_fetch("acme", ["call_xyz789"], download=False)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    window.table.selectRow(0)
    listen = window.listen
    qtbot.waitUntil(lambda: listen.download.isVisible(), timeout=3000)
    assert "not downloaded" in listen.message.text()
    listen.download.click()
    qtbot.waitUntil(lambda: window.player.is_playing(), timeout=10000)
    stored = with_accounts.library.get("ringyo", "call_xyz789")
    assert stored is not None and stored.recording is not None
    # Closing while playing shuts down cleanly (it once deadlocked in the FFmpeg backend).
    with qtbot.waitSignal(window.shut_down, timeout=10000):
        window.close()
    assert not window.isVisible()
    assert window.player.state.value == "empty"


def test_filters_and_remembered_settings(qtbot: QtBot, demo_services: Services) -> None:
    services = demo_services
    window = window_for(qtbot, services)
    bar = window.filter_bar
    bar.status.setCurrentIndex(bar.status.findText(CallStatus.NO_ANSWER.label))
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)
    bar.status.setCurrentIndex(0)
    bar.provider.setCurrentIndex(bar.provider.findText("Rounded"))
    qtbot.waitUntil(lambda: window.model.total == 3, timeout=3000)
    bar.set_accounts([("sample", "ringyo")])  # the accounts changed: the choice stays
    assert bar.provider.currentText() == "Rounded" and window.model.total == 3
    bar.provider.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.model.total == 6, timeout=3000)
    # Flag one call from the Notes tab, then show only flagged calls.
    open_call(qtbot, window, "ringyo:call_b84e0d55")
    window.call_view.flagged.setChecked(True)
    qtbot.waitUntil(
        lambda: services.library.get("ringyo", "call_b84e0d55").review.flagged,  # type: ignore[union-attr]
        timeout=3000,
    )
    bar.review.setCurrentIndex(bar.review.findText("Flagged"))
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)
    # Speed and splitter come back in the next window on the same data folder.
    window.listen.speed.setCurrentIndex(window.listen.speed.findData(1.5))
    window.splitter.setSizes([300, 900])
    sizes = window.splitter.sizes()
    window.save_settings()
    again = window_for(qtbot, services)
    assert again.listen.speed.currentData() == 1.5
    restored = again.splitter.sizes()
    # The same proportions (the offscreen platform may give the new window another size).
    assert abs(restored[0] / sum(restored) - sizes[0] / sum(sizes)) < 0.02


def test_every_control_on_every_sample_call(qtbot: QtBot, demo_services: Services) -> None:
    """A person clicking through everything: no control may raise (pytest-qt fails the test
    on any exception in a slot, and the task runner hands unexpected ones to excepthook)."""
    services = demo_services
    window = window_for(qtbot, services)
    bar = window.filter_bar
    for combo in (bar.provider, bar.status, bar.review):
        for index in range(combo.count()):
            combo.setCurrentIndex(index)
            qtbot.wait(20)
        combo.setCurrentIndex(0)
    bar.use_dates.setChecked(True)
    bar.since.setDate(bar.since.date().addYears(-5))
    qtbot.wait(20)
    bar.use_dates.setChecked(False)
    qtbot.waitUntil(lambda: window.model.total == 6, timeout=3000)
    listen = window.listen
    for row in range(window.model.total):
        window.table.selectRow(row)
        ref = window.selected_ref()
        assert ref is not None
        open_call(qtbot, window, ref)
        for tab in range(window.call_view.tabs.count()):
            window.call_view.tabs.setCurrentIndex(tab)
            qtbot.wait(10)
        window.call_view.tabs.setCurrentIndex(0)
        listen.search.setText("the")
        listen.next_match.click()
        listen.prev_match.click()
        listen.search.clear()
        listen.goto.setText("0:05")
        qtbot.keyClick(listen.goto, Qt.Key.Key_Return)
        listen.goto.setText("not a time")
        qtbot.keyClick(listen.goto, Qt.Key.Key_Return)
        for button in listen.findChildren(QAbstractButton):
            if button.isEnabled() and button.isVisible() and button is not listen.download:
                button.click()
                qtbot.wait(5)
        listen.change_speed(1)
        listen.change_speed(-1)
        window.player.pause()
        for action in (
            window.act_find,
            window.act_copy,
            window.act_next,
            window.act_prev,
            window.act_refresh,
            window.act_download,
            window.act_reviewed,
            window.act_flag,
        ):
            if action.isEnabled():
                action.trigger()
                qtbot.wait(20)
        window.table.selectRow(row)
    for action in (window.act_fetch, window.act_browse, window.act_accounts):
        action.trigger()
    window.table.selectAll()
    window.act_export.trigger()
    window.act_shortcuts.trigger()
    qtbot.wait(100)
    window.player.release()


def test_shortcuts_overlay_lists_every_shortcut(qtbot: QtBot, services: Services) -> None:
    window = window_for(qtbot, services)
    box = window.show_shortcuts()
    text = box.text()
    listed = set()
    for keys, _ in SHORTCUTS + PLAYER_SHORTCUTS:
        listed.update(part.strip() for part in keys.split(" / "))
        assert html.escape(keys) in text
    for action in window.actions():
        for shortcut in action.shortcuts():
            key = shortcut.toString(QKeySequence.SequenceFormat.PortableText)
            assert key in listed, f"{action.text()!r} ({key}) is missing from the overlay"
    assert box.isVisible() and not box.isModal()
    assert window.show_shortcuts() is box  # raised again, not a new box per F1


def test_rejected_key_while_browsing_offers_update_key(
    qtbot: QtBot, with_accounts: Services, server: StandinServer
) -> None:
    with_accounts.accounts.add("acme", "ringyo", "rg_revoked_000000", server.ringyo_base)
    window = window_for(qtbot, with_accounts)
    dialog = window.open_browse_dialog()
    qtbot.addWidget(dialog)
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    dialog.load.click()
    qtbot.waitUntil(lambda: "401" in dialog.info.text(), timeout=5000)
    bar = window.message_bar
    assert bar.isVisible() and bar.action_button.text() == "Update key"


def test_note_at_the_playback_position_and_back_to_it(
    qtbot: QtBot, demo_services: Services
) -> None:
    services = demo_services
    window = window_for(qtbot, services)
    view, player = window.call_view, window.player
    window.table.selectRow(window.model.row_of("ringyo:call_7f3a9c21"))
    qtbot.waitUntil(lambda: player.state.value == "paused", timeout=5000)
    player.seek(12_000)
    qtbot.waitUntil(lambda: abs(player.position() - 12_000) < 300, timeout=3000)
    view.tabs.setCurrentIndex(view.tabs.count() - 1)  # Notes
    view.note_now.click()
    assert view.note_at.value() == 12
    view.note_text.setPlainText("Agent confirms the time")
    view.add_note.click()
    qtbot.waitUntil(lambda: view.notes_model.rowCount() == 1, timeout=3000)
    stored = services.library.get("ringyo", "call_7f3a9c21")
    assert stored is not None and stored.review.notes[0].position_ms == 12_000
    player.seek(2_000)
    qtbot.waitUntil(lambda: abs(player.position() - 2_000) < 300, timeout=3000)
    view.notes_view.activated.emit(view.notes_model.index(0, 0))
    assert view.tabs.currentWidget() is view.listen
    qtbot.waitUntil(lambda: abs(player.position() - 12_000) < 300, timeout=3000)
    player.release()
