"""The dialogs on their own, on a Workspace: accounts, fetch and browse; reads and writes async."""

from __future__ import annotations

from pathlib import Path

import keyring.backends.fail
from pytestqt.qtbot import QtBot

from callreview.redaction import Redactor
from callreview.secrets import KeyringSecretStore
from callreview.ui.accounts_dialog import AccountsDialog
from callreview.ui.browse_dialog import BrowseDialog
from callreview.ui.fetch_dialog import NO_ACCOUNTS, TASK, FetchDialog
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace, build_workspace
from tests.conftest import RINGYO_KEY
from tests.standin import StandinServer
from tests.ui.conftest import close_workspace, run


def accounts_dialog(qtbot: QtBot, workspace: Workspace) -> AccountsDialog:
    dialog = AccountsDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    return dialog


def test_the_key_store_is_described_as_it_is(
    qtbot: QtBot, tmp_path: Path, workspace: Workspace
) -> None:
    # A store that forgets at exit says so; "system keyring" is said of a real one only.
    memory = accounts_dialog(qtbot, workspace).backend.text()
    assert "memory" in memory and "gone when CallReview closes" in memory
    assert "keyring" not in memory
    # keyring's "no backend found" stand-in is no keyring, said in words, not as a class.
    failing = KeyringSecretStore(Redactor(), keyring.backends.fail.Keyring())
    other = build_workspace(tmp_path / "other", secrets=failing)
    try:
        text = accounts_dialog(qtbot, other).backend.text()
        assert text.startswith("No system keyring is available: keys can be kept for this")
        assert "keyring.backends" not in text
    finally:
        close_workspace(qtbot, other)


def test_what_the_dialog_says_after_save_test_and_remove(
    qtbot: QtBot, workspace: Workspace, server: StandinServer
) -> None:
    dialog = accounts_dialog(qtbot, workspace)
    dialog.name.setText("acme")
    dialog.base_url.setText(server.ringyo_base)
    dialog.key.setText(RINGYO_KEY)
    dialog.save_button.click()
    assert not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved 'acme'"), timeout=3000)
    assert dialog.save_button.isEnabled() and dialog.list_model.item(0).text() == "acme (Ringyo)"
    dialog.list.setCurrentIndex(dialog.list_model.index(0, 0))
    dialog.test_button.click()
    assert not dialog.test_button.isEnabled() and dialog.status.text() == "Testing 'acme'…"
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=5000)
    assert dialog.status.text() == "'acme' works: Ringyo accepted the key."
    dialog.ask = lambda *a: True  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.accounts_changed, timeout=3000):
        dialog.remove_button.click()
    assert dialog.status.text() == "Removed 'acme'." and dialog.name.text() == ""
    assert dialog.list_model.rowCount() == 0 and not dialog.name.isReadOnly()


def test_a_save_and_a_remove_at_once_both_happen(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    # Two writes from one dialog are two tasks: the second must not cancel the first.
    dialog = accounts_dialog(qtbot, with_accounts)
    qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 2, timeout=3000)
    dialog.name.setText("third")
    dialog.base_url.setText(server.ringyo_base)
    dialog.key.setText(RINGYO_KEY)
    dialog.save_button.click()
    dialog.list.setCurrentIndex(dialog.list_model.index(1, 0))  # support
    dialog.ask = lambda *a: True  # type: ignore[method-assign]
    dialog.remove_button.click()

    def names() -> list[str]:
        return [a.name for a in run(qtbot, with_accounts.accounts())]

    qtbot.waitUntil(lambda: names() == ["acme", "third"], timeout=5000)
    qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 2, timeout=3000)


def test_update_key_opens_on_the_account(qtbot: QtBot, with_accounts: Workspace) -> None:
    dialog = accounts_dialog(qtbot, with_accounts)
    task = dialog.select("support")
    assert dialog.name.text() == "support"  # at once, before the list has loaded
    qtbot.waitUntil(task.done, timeout=3000)
    assert dialog.name.isReadOnly() and dialog.provider.currentData() == "rounded"
    assert dialog.list.currentIndex().data() == "support (Rounded)"
    # "Save" with no new key keeps the stored key (a changed base URL only).
    dialog.base_url.setText("http://127.0.0.1:9")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved"), timeout=3000)
    assert run(qtbot, with_accounts.account("support")).base_url == "http://127.0.0.1:9"


def test_a_new_account_needs_a_key(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = accounts_dialog(qtbot, workspace)
    dialog.name.setText("acme")
    dialog.save_button.click()
    assert dialog.status.text() == "Paste the API key for the new account."
    assert dialog.save_button.isEnabled()


def fetch_dialog(qtbot: QtBot, workspace: Workspace) -> FetchDialog:
    dialog = FetchDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    return dialog


def test_a_fetch_asked_for_before_the_accounts_have_loaded(
    qtbot: QtBot, with_accounts: Workspace
) -> None:
    # "Refresh" and "Browse" start a fetch right after opening the dialog.
    dialog = fetch_dialog(qtbot, with_accounts)
    task = dialog.start_fetch("acme", ["call_xyz789"])
    assert task is not None and dialog.account.currentData() == "acme"
    qtbot.waitUntil(task.done, timeout=10_000)
    assert [r.ok for r in dialog.results] == [True]
    assert dialog.model.item(0, 2).text() == "OK"
    qtbot.waitUntil(lambda: dialog.account.count() == 2, timeout=3000)
    assert dialog.account.currentData() == "acme"
    assert dialog.account.currentText() == "acme (Ringyo)"


def test_no_accounts_is_said_without_hiding_what_a_file_gave(
    qtbot: QtBot, workspace: Workspace
) -> None:
    dialog = fetch_dialog(qtbot, workspace)
    qtbot.waitUntil(lambda: not dialog.runner.is_running(f"{TASK}-accounts"), timeout=3000)
    assert dialog.summary.text() == NO_ACCOUNTS
    dialog.summary.clear()
    dialog.fill_ids(["call_1", "call_2"], "ids.txt")
    task = dialog.reload_accounts()
    qtbot.waitUntil(task.done, timeout=3000)
    assert dialog.summary.text() == "2 call ID(s) from ids.txt."
    assert dialog.account.count() == 0 and dialog.account.placeholderText()
    assert not dialog.start.isEnabled()  # nothing to fetch from yet


def test_an_unknown_account_is_reported_in_the_dialog(
    qtbot: QtBot, with_accounts: Workspace
) -> None:
    dialog = fetch_dialog(qtbot, with_accounts)
    task = dialog.start_fetch("gone", ["call_xyz789"])
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    assert "no account named 'gone'" in dialog.summary.text()
    assert dialog.start.isEnabled() and not dialog.cancel.isEnabled()


def test_browse_fetches_from_the_account_it_listed(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    dialog = BrowseDialog(with_accounts, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.accounts_task.done, timeout=3000)
    assert [dialog.account.itemText(i) for i in range(dialog.account.count())] == [
        "acme (Ringyo)",
        "support (Rounded)",
    ]
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    dialog.load.click()
    assert not dialog.load.isEnabled() and dialog.info.text() == "Loading…"
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=5000)
    assert dialog.load.isEnabled()
    # Choosing another account in the picker lists nothing until "Load": the listed calls
    # are still acme's, and so is the fetch.
    dialog.account.setCurrentIndex(dialog.account.findData("support"))
    dialog.table.selectRow(0)
    first = dialog.model.item(0, 0).text()
    with qtbot.waitSignal(dialog.fetch_requested, timeout=1000) as blocker:
        dialog.fetch.click()
    assert blocker.args == ["acme", [first]]


def test_browse_with_a_rejected_key_says_so(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    run(
        qtbot, with_accounts.save_account("acme", "ringyo", "rg_revoked_000000", server.ringyo_base)
    )
    dialog = BrowseDialog(with_accounts, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.accounts_task.done, timeout=3000)
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    with qtbot.waitSignal(dialog.auth_failed, timeout=5000) as blocker:
        dialog.load.click()
    assert blocker.args[0] == "acme" and "rejected the API key" in blocker.args[1]
    assert dialog.load.isEnabled() and not dialog.more.isEnabled()


def test_browse_without_accounts(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = BrowseDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.accounts_task.done, timeout=3000)
    assert dialog.account.count() == 0 and "Add an account first" in dialog.info.text()
    dialog.load.click()
    assert dialog.info.text() == "Add an account first."


def test_a_dialog_closed_before_its_answer_arrives_is_left_alone(
    qtbot: QtBot, with_accounts: Workspace
) -> None:
    # The accounts list arrives from a worker thread after the dialog is gone: its task is
    # cancelled with it, instead of filling deleted widgets (an error in the Qt event loop,
    # which pytest-qt turns into a failure of this test).
    runner = TaskRunner()
    dialog = AccountsDialog(with_accounts, runner)
    task = dialog.reload()
    dialog.deleteLater()
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.cancelled()
    assert runner.running() == []
