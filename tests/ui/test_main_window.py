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

from callreview.domain import CallQuery, CallRef, CallStatus
from callreview.library.sample import make_demo_dir, sample_root
from callreview.providers.ringyo import map_call
from callreview.redaction import Redactor
from callreview.secrets import KeyringSecretStore, MemorySecretStore
from callreview.ui import browse_dialog
from callreview.ui.accounts_dialog import AccountsDialog
from callreview.ui.browse_dialog import BrowseDialog
from callreview.ui.call_table import COLUMN
from callreview.ui.export_dialog import ExportDialog
from callreview.ui.fetch_dialog import FetchDialog
from callreview.ui.listen import PLAYER_SHORTCUTS
from callreview.ui.main_window import SHORTCUTS, MainWindow
from callreview.ui.plain import plain_tooltip
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace, build_workspace
from tests.conftest import RINGYO_KEY
from tests.library.helpers import open_library
from tests.standin import Fault, StandinServer, seed
from tests.ui.conftest import close_workspace, run, window_for


def idle(qtbot: QtBot, window: MainWindow, timeout: int = 5000) -> None:
    """Wait until every task the window started has ended."""
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=timeout)


def open_call(qtbot: QtBot, window: MainWindow, ref: CallRef | str) -> None:
    """Select a call in the list and wait until the call view shows it."""
    ref = CallRef.parse(ref) if isinstance(ref, str) else ref
    window.table.selectRow(window.model.row_of(ref))
    qtbot.waitUntil(lambda: window.selected_ref() == ref, timeout=3000)


def fetch(qtbot: QtBot, window: MainWindow, account: str, ids: list[str]) -> None:
    dialog = window.open_fetch_dialog()
    task = dialog.start_fetch(account, ids)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=15000)


def stored(qtbot: QtBot, workspace: Workspace, ref: CallRef | str):  # type: ignore[no-untyped-def]
    ref = CallRef.parse(ref) if isinstance(ref, str) else ref
    return run(qtbot, workspace.call(ref))


def results(window: MainWindow) -> dict[str, tuple[str, str]]:
    dialog = window._fetch_dialog
    assert dialog is not None
    model = dialog.model
    return {
        model.item(r, 0).text(): (model.item(r, 1).text(), model.item(r, 2).text())
        for r in range(model.rowCount())
    }


def test_fetch_from_the_window(qtbot: QtBot, with_accounts: Workspace) -> None:
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
    open_call(qtbot, window, "ringyo:call_xyz789")
    assert window.call_view.facts["recording"].text().startswith("stored")
    assert window.call_view.transcript_model.rowCount() == 2


def test_rate_limit_is_waited_out(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    server.queue_faults("ringyo", "call_000002", [Fault.status(429, retry_after="0.2")] * 2)
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_000002"])
    assert results(window)["call_000002"] == ("done", "OK")


def test_rejected_key_offers_update_key(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    run(
        qtbot, with_accounts.save_account("acme", "ringyo", "rg_revoked_000000", server.ringyo_base)
    )
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_xyz789"])
    assert "rejected the API key for account 'acme' (401" in results(window)["call_xyz789"][1]
    model = window._fetch_dialog.model  # type: ignore[union-attr]
    # Long messages in full, shown as written (never as rich text).
    assert model.item(0, 2).toolTip() == plain_tooltip(model.item(0, 2).text())
    bar = window.message_bar
    assert bar.isVisible() and bar.action_button.text() == "Update key"
    bar.action_button.click()
    dialogs = window.findChildren(AccountsDialog)
    assert dialogs and dialogs[-1].name.text() == "acme"
    assert dialogs[-1].key.echoMode() == dialogs[-1].key.EchoMode.Password


def test_cancel_stops_the_fetch(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    server.latency = 1.5
    ids = ["call_000003", "call_000004"]
    window = window_for(qtbot, with_accounts)
    dialog = window.open_fetch_dialog()
    task = dialog.start_fetch("acme", ids)
    assert task is not None and dialog.cancel.isEnabled() and not dialog.start.isEnabled()
    # Cancelled while both requests are with the (slow) server, not before they were sent.
    qtbot.waitUntil(
        lambda: {r.path.rsplit("/", 1)[-1] for r in server.requests} >= set(ids), timeout=3000
    )
    dialog.cancel.click()
    qtbot.waitUntil(task.done, timeout=3000)
    assert task.cancelled()
    assert {v[0] for v in results(window).values()} == {"cancelled"}
    assert "Cancelled" in dialog.summary.text()
    assert dialog.start.isEnabled() and not dialog.cancel.isEnabled()
    assert run(qtbot, with_accounts.count()) == 0  # nothing stored after the cancel


def test_outage_shows_offline_banner_and_library_keeps_working(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_xyz789"])
    server.queue_faults("ringyo", "call_000005", [Fault.status(503)] * 5)
    fetch(qtbot, window, "acme", ["call_000005"])
    assert window.offline_banner.isVisible()
    assert "unavailable" in results(window)["call_000005"][1]
    window.filter_bar.search.setText("Sarah")
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)


def test_review_and_notes_are_saved(qtbot: QtBot, with_accounts: Workspace) -> None:
    window = window_for(qtbot, with_accounts)
    fetch(qtbot, window, "acme", ["call_xyz789"])
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)
    open_call(qtbot, window, "ringyo:call_xyz789")
    window.call_view.flagged.setChecked(True)
    window.call_view.note_text.setPlainText("Agent did not confirm the callback number")
    window.call_view.note_at.setValue(3)
    window.call_view.add_note.click()
    idle(qtbot, window)
    saved = stored(qtbot, with_accounts, "ringyo:call_xyz789")
    assert saved.review.flagged and not saved.review.reviewed
    [note] = saved.review.notes
    assert (note.text, note.position_ms) == ("Agent did not confirm the callback number", 3000)
    qtbot.waitUntil(lambda: window.call_view.notes_model.rowCount() == 1, timeout=3000)
    qtbot.waitUntil(lambda: window.model.call_row(0).flagged, timeout=3000)  # type: ignore[union-attr]


def test_accounts_dialog_with_memory_store(
    qtbot: QtBot, tmp_path: Path, server: StandinServer, qloop: object
) -> None:
    store = MemorySecretStore()
    workspace = build_workspace(tmp_path / "data", secrets=store)
    try:
        dialog = AccountsDialog(workspace, TaskRunner())
        qtbot.addWidget(dialog)
        assert "memory" in dialog.backend.text()
        dialog.name.setText("acme")
        dialog.provider.setCurrentIndex(dialog.provider.findData("ringyo"))
        dialog.base_url.setText(server.ringyo_base)
        dialog.key.setText(RINGYO_KEY)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 1, timeout=3000)
        assert store.get("acme") == RINGYO_KEY
        assert dialog.key.text() == ""
        assert RINGYO_KEY not in (tmp_path / "data" / "accounts.json").read_text()
        dialog.list.setCurrentIndex(dialog.list_model.index(0, 0))
        dialog.test_button.click()
        qtbot.waitUntil(lambda: "works" in dialog.status.text(), timeout=5000)
        dialog.ask = lambda *a: True  # type: ignore[method-assign]
        dialog.remove_button.click()
        qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 0, timeout=3000)
        assert store.get("acme") is None
        assert run(qtbot, workspace.accounts()) == []
    finally:
        close_workspace(qtbot, workspace)


def test_accounts_dialog_with_failing_backend(
    qtbot: QtBot, tmp_path: Path, server: StandinServer, qloop: object
) -> None:
    failing = KeyringSecretStore(Redactor(), keyring.backends.fail.Keyring())
    workspace = build_workspace(tmp_path / "d", secrets=failing)
    try:
        dialog = AccountsDialog(workspace, TaskRunner())
        qtbot.addWidget(dialog)
        asked: list[str] = []

        def ask(title: str, text: str, verb: str) -> bool:
            asked.append(text)
            return len(asked) == 2  # refuse the first time, accept the second

        dialog.ask = ask  # type: ignore[method-assign]
        dialog.session_only.setChecked(False)  # offered up front; here, the question after Save
        dialog.name.setText("acme")
        dialog.base_url.setText(server.ringyo_base)
        dialog.key.setText(RINGYO_KEY)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: "Not saved" in dialog.status.text(), timeout=3000)
        assert "No OS keyring is available" in asked[0] and "session only" in asked[0]
        assert run(qtbot, workspace.accounts()) == []
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved 'acme'"), timeout=3000)
        assert "session only" in dialog.status.text()
        assert workspace.is_session_only("acme")
        assert "for this session only" in dialog.list_model.item(0).text()
        # The key kept in memory works: the account reaches the provider with it.
        assert run(qtbot, workspace.test_account("acme")).name == "acme"
        files = b"".join(p.read_bytes() for p in (tmp_path / "d").rglob("*") if p.is_file())
        assert RINGYO_KEY.encode() not in files
    finally:
        close_workspace(qtbot, workspace)


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
        workspace = build_workspace(demo, secrets=MemorySecretStore())
        window = window_for(qtbot, workspace)
        assert window.model.total == 6
        open_call(qtbot, window, "ringyo:call_7f3a9c21")
        window.call_view.reviewed.setChecked(True)
        shown = window.call_view.stored
        assert shown is not None and shown.recording is not None
        assert shown.recording.path.is_relative_to(demo)
        idle(qtbot, window)
        assert stored(qtbot, workspace, shown.ref).review.reviewed
        window.player.release()
        close_workspace(qtbot, workspace)
    finally:
        shutil.rmtree(demo)
    assert _tree_hash(source) == before


def test_keyboard_next_previous(qtbot: QtBot, demo_workspace: Workspace) -> None:
    window = window_for(qtbot, demo_workspace)
    window.table.selectRow(0)
    window.move_selection(1)
    assert window.table.currentIndex().row() == 1
    window.move_selection(-1)
    assert window.table.currentIndex().row() == 0
    window.move_selection(-1)  # already at the top: stays
    assert window.table.currentIndex().row() == 0
    window.filter_bar.search.setText("router")
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)


@pytest.fixture
def big_workspace(tmp_path: Path, qtbot: QtBot, qloop: object) -> Iterator[Workspace]:
    """450 calls: more than two pages of the list."""
    library = open_library(tmp_path / "data")
    library.save_calls([map_call(seed.make_ringyo_call(i)) for i in range(450)], "acme")
    library.close()
    workspace = build_workspace(tmp_path / "data", secrets=MemorySecretStore())
    yield workspace
    close_workspace(qtbot, workspace)


def test_the_list_loads_page_by_page_through_the_workspace(
    qtbot: QtBot, big_workspace: Workspace
) -> None:
    window = window_for(qtbot, big_workspace)
    model = window.model
    assert (model.rowCount(), model.total) == (200, 450)
    # Scrolling to the end asks for the next page; it arrives without blocking the view.
    window.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 400, timeout=3000)
    # J on the last row loaded selects the next one once its page is here.
    window.table.selectRow(399)
    window.move_selection(1)
    qtbot.waitUntil(lambda: window.table.currentIndex().row() == 400, timeout=3000)
    assert model.rowCount() == 450 and not model.canFetchMore()
    refs = {model.call_row(i).ref for i in range(450)}  # type: ignore[union-attr]
    assert len(refs) == 450
    # Sorting by a column reloads the first page, in the library's order.
    with qtbot.waitSignal(window.list_loaded, timeout=3000):
        window.table.sortByColumn(COLUMN["duration_ms"], Qt.SortOrder.AscendingOrder)
    durations = [model.call_row(i).duration_ms or 0 for i in range(model.rowCount())]  # type: ignore[union-attr]
    assert model.rowCount() == 200 and durations == sorted(durations)
    window.player.release()


def test_export_from_the_window(qtbot: QtBot, demo_workspace: Workspace, tmp_path: Path) -> None:
    window = window_for(qtbot, demo_workspace)
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
    # One subtitle file per call into a folder not there yet: the folder is made, and the
    # calls with no transcript lines are left out, by name.
    calls = run(qtbot, demo_workspace.calls(dialog.refs))
    untimed = sorted(str(c.call.ref) for c in calls if not c.call.segments)
    assert untimed  # the sample library has a call without a transcript
    folder = tmp_path / "missing" / "deeper"
    dialog.format.setCurrentIndex(dialog.format.findData("srt"))
    dialog.destination.setText(str(folder))
    dialog.per_call.setChecked(True)
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=5000)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in dialog.written)
    assert len(dialog.written) == 6 - len(untimed)
    assert all(p.suffix == ".srt" and p.parent == folder for p in dialog.written)
    status = dialog.status.text()
    assert f"Skipped {len(untimed)} call(s)" in status
    assert all(ref in status for ref in untimed)


def test_browse_recent_calls_and_fetch_the_chosen(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the provider lists in one request (other tests may have added calls to the
    # session's stand-in server); pages of 10 make "Load more" do something.
    everything = run(qtbot, with_accounts.list_recent("acme", limit=100))
    assert not everything.has_more and len(everything.calls) > 20
    total = len(everything.calls)
    monkeypatch.setattr(browse_dialog, "PAGE_SIZE", 10)
    window = window_for(qtbot, with_accounts)
    dialog = window.open_browse_dialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.account.findData("acme") >= 0, timeout=3000)
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    dialog.load.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 10, timeout=5000)
    for expected in range(20, total + 10, 10):
        assert dialog.more.isEnabled()
        dialog.more.click()
        n = min(expected, total)
        qtbot.waitUntil(lambda n=n: dialog.model.rowCount() == n, timeout=5000)
    assert not dialog.more.isEnabled()  # the provider said there is no more
    listed = [dialog.model.item(r, 0).text() for r in range(dialog.model.rowCount())]
    assert listed == [c.call_id for c in everything.calls]
    dialog.table.selectRow(0)
    dialog.table.selectionModel().select(
        dialog.model.index(1, 0),
        dialog.table.selectionModel().SelectionFlag.Select
        | dialog.table.selectionModel().SelectionFlag.Rows,
    )
    chosen = [dialog.model.item(r, 0).text() for r in (0, 1)]
    dialog.fetch.click()
    assert window._fetch_dialog is not None
    qtbot.waitUntil(lambda: window.model.total == 2, timeout=10000)
    page = run(qtbot, with_accounts.page(CallQuery()))
    assert {r.call_id for r in page.rows} == set(chosen)


def test_play_downloads_the_recording_first(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    window = window_for(qtbot, with_accounts)
    dialog = window.open_fetch_dialog()
    task = dialog.start_fetch("acme", ["call_xyz789"], download=False)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)
    open_call(qtbot, window, "ringyo:call_xyz789")
    listen = window.listen
    qtbot.waitUntil(lambda: listen.download.isVisible(), timeout=3000)
    assert "not downloaded" in listen.message.text()
    assert window.act_download.isEnabled()
    listen.download.click()
    qtbot.waitUntil(lambda: window.player.is_playing(), timeout=10000)
    assert stored(qtbot, with_accounts, "ringyo:call_xyz789").recording is not None
    assert not window.act_download.isEnabled()
    # Closing while playing shuts down cleanly (it once deadlocked in the FFmpeg backend).
    with qtbot.waitSignal(window.shut_down, timeout=10000):
        window.close()
    assert not window.isVisible()
    assert window.player.state.value == "empty"


def test_filters_and_remembered_settings(qtbot: QtBot, demo_workspace: Workspace) -> None:
    window = window_for(qtbot, demo_workspace)
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
    idle(qtbot, window)
    assert stored(qtbot, demo_workspace, "ringyo:call_b84e0d55").review.flagged
    bar.review.setCurrentIndex(bar.review.findText("Flagged"))
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)
    # Speed and splitter come back in the next window on the same data folder.
    window.listen.speed.setCurrentIndex(window.listen.speed.findData(1.5))
    window.splitter.setSizes([300, 900])
    sizes = window.splitter.sizes()
    window.save_settings()
    again = window_for(qtbot, demo_workspace)
    assert again.listen.speed.currentData() == 1.5
    restored = again.splitter.sizes()
    # The same proportions (the offscreen platform may give the new window another size).
    assert abs(restored[0] / sum(restored) - sizes[0] / sum(sizes)) < 0.02
    window.player.release()
    again.player.release()


def test_every_control_on_every_sample_call(qtbot: QtBot, demo_workspace: Workspace) -> None:
    """A person clicking through everything: no control may raise (pytest-qt fails the test
    on any exception in a slot, and the task runner hands unexpected ones to excepthook).

    What each control should be (enabled, visible) is decided from the call shown and
    checked; a disabled control is still clicked, as a person might, and must do nothing.
    """
    window = window_for(qtbot, demo_workspace)
    bar = window.filter_bar
    for combo in (bar.provider, bar.status, bar.review):
        # Every choice, then back to the first: each one reloads the list.
        for index in [*range(1, combo.count()), 0]:
            with qtbot.waitSignal(window.list_loaded, timeout=3000):
                combo.setCurrentIndex(index)
            assert window.count_label.text() == f"{window.model.total:,} call(s)"
    with qtbot.waitSignal(window.list_loaded, timeout=3000):
        bar.use_dates.setChecked(True)
    with qtbot.waitSignal(window.list_loaded, timeout=3000):
        bar.since.setDate(bar.since.date().addYears(-5))
    with qtbot.waitSignal(window.list_loaded, timeout=3000):
        bar.use_dates.setChecked(False)
    assert window.model.total == 6
    listen, view = window.listen, window.call_view
    for row in range(window.model.total):
        call_row = window.model.call_row(row)
        assert call_row is not None
        open_call(qtbot, window, call_row.ref)
        shown = view.stored
        assert shown is not None
        has_audio = shown.recording is not None
        can_download = shown.recording is None and shown.call.recording is not None
        # A call just opened follows the playback: the "follow" button is hidden.
        assert not listen.follow.isVisible()
        for tab in range(view.tabs.count()):
            view.tabs.setCurrentIndex(tab)
            assert view.tabs.currentIndex() == tab
        view.tabs.setCurrentIndex(0)
        listen.search.setText("the")
        listen.next_match.click()
        listen.prev_match.click()
        listen.search.clear()
        assert listen.goto.isEnabled() == has_audio
        listen.goto.setText("0:05")
        qtbot.keyClick(listen.goto, Qt.Key.Key_Return)
        listen.goto.setText("not a time")
        qtbot.keyClick(listen.goto, Qt.Key.Key_Return)
        assert listen.play_button.isEnabled() == has_audio
        assert listen.download.isVisible() == can_download
        for button in listen.findChildren(QAbstractButton):
            if button is not listen.download:  # downloading is its own test
                button.click()
        listen.change_speed(1)
        listen.change_speed(-1)
        window.player.pause()
        # With a call shown, these act on it; Download only when there is one to get.
        for action in (window.act_refresh, window.act_reviewed, window.act_flag, window.act_copy):
            assert action.isEnabled()
        assert window.act_download.isEnabled() == can_download
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
            action.trigger()
        idle(qtbot, window, timeout=10000)
        if window._fetch_dialog is not None:
            window._fetch_dialog.close()  # opened by Refresh: the sample has no account
    for action in (window.act_fetch, window.act_browse, window.act_accounts):
        action.trigger()
    window.table.selectAll()
    window.act_export.trigger()
    window.act_shortcuts.trigger()
    for kind in (FetchDialog, BrowseDialog, AccountsDialog):
        assert any(d.isVisible() for d in window.findChildren(kind)), kind.__name__
    [export] = window.findChildren(ExportDialog)
    assert export.isVisible() and len(export.refs) == 6
    assert window._shortcuts_box is not None and window._shortcuts_box.isVisible()
    idle(qtbot, window)
    window.player.release()


def test_shortcuts_overlay_lists_every_shortcut(qtbot: QtBot, workspace: Workspace) -> None:
    window = window_for(qtbot, workspace)
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
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    run(
        qtbot, with_accounts.save_account("acme", "ringyo", "rg_revoked_000000", server.ringyo_base)
    )
    window = window_for(qtbot, with_accounts)
    dialog = window.open_browse_dialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.account.findData("acme") >= 0, timeout=3000)
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    dialog.load.click()
    qtbot.waitUntil(lambda: "401" in dialog.info.text(), timeout=5000)
    bar = window.message_bar
    assert bar.isVisible() and bar.action_button.text() == "Update key"


def test_note_at_the_playback_position_and_back_to_it(
    qtbot: QtBot, demo_workspace: Workspace
) -> None:
    window = window_for(qtbot, demo_workspace)
    view, player = window.call_view, window.player
    open_call(qtbot, window, "ringyo:call_7f3a9c21")
    qtbot.waitUntil(lambda: player.state.value == "paused", timeout=5000)
    player.seek(12_000)
    qtbot.waitUntil(lambda: abs(player.position() - 12_000) < 300, timeout=3000)
    view.tabs.setCurrentIndex(view.tabs.count() - 1)  # Notes
    view.note_now.click()
    assert view.note_at.value() == 12
    view.note_text.setPlainText("Agent confirms the time")
    view.add_note.click()
    qtbot.waitUntil(lambda: view.notes_model.rowCount() == 1, timeout=3000)
    saved = stored(qtbot, demo_workspace, "ringyo:call_7f3a9c21")
    assert saved.review.notes[0].position_ms == 12_000
    player.seek(2_000)
    qtbot.waitUntil(lambda: abs(player.position() - 2_000) < 300, timeout=3000)
    view.notes_view.activated.emit(view.notes_model.index(0, 0))
    assert view.tabs.currentWidget() is view.listen
    qtbot.waitUntil(lambda: abs(player.position() - 12_000) < 300, timeout=3000)
    player.release()
