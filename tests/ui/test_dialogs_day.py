"""Issue 14 items 8, 10-12: the dialogs a reviewer meets say what they can do, in full."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QCheckBox, QMessageBox, QPushButton, QToolBar
from pytestqt.qtbot import QtBot

from callreview.domain import CallRef, UnavailableError
from callreview.export import FORMATS
from callreview.library.sample import import_sample
from callreview.redaction import Redactor
from callreview.secrets import KeyringSecretStore, MemorySecretStore
from callreview.ui.accounts_dialog import AccountsDialog, key_storage_text
from callreview.ui.browse_dialog import HINT_NO_ACCOUNTS, HINT_READY, BrowseDialog
from callreview.ui.export_dialog import FOLDER_KEY, FORMAT_KEY, ExportDialog
from callreview.ui.fetch_dialog import NO_ACCOUNTS, FetchDialog
from callreview.ui.main_window import MainWindow
from callreview.ui.tasks import TaskRunner
from callreview.workspace import FetchEvent, FetchResult, KeyStorage, Stage, Workspace
from callreview.workspace import build_workspace as build
from tests.conftest import RINGYO_KEY
from tests.library.helpers import open_library
from tests.standin import StandinServer
from tests.ui.conftest import close_workspace, run

LONG_ERROR = (
    "Ringyo could not be reached at http://127.0.0.1:9/v1/calls after 3 attempts (the "
    "connection was refused). Check the base URL in Accounts, your network connection and "
    "whether the platform reports an outage; calls already in the library stay available "
    "offline. The last response said: upstream connect error or disconnect/reset before "
    "headers. reset reason: connection termination. END-OF-MESSAGE"
)


@pytest.fixture
def no_keyring(tmp_path: Path, qtbot: QtBot, qloop: object) -> Iterator[Workspace]:
    """A Workspace where keyring found no backend (keyring.backends.fail)."""
    failing = KeyringSecretStore(Redactor(), keyring.backends.fail.Keyring())
    workspace = build(tmp_path / "nokeyring", secrets=failing)
    yield workspace
    close_workspace(qtbot, workspace)


# item 8: accounts ----------------------------------------------------------------------


def test_key_storage_is_named_in_plain_words() -> None:
    secret_service = KeyStorage("keyring.backends.SecretService.Keyring", True)
    assert key_storage_text(secret_service).startswith(
        "Keys are stored in your system keyring (GNOME Keyring / Secret Service)."
    )
    chained = KeyStorage(
        "keyring.backends.chainer.ChainerBackend (keyring.backends.kwallet.DBusKeyring, "
        "keyring.backends.SecretService.Keyring)",
        True,
    )
    assert "(KWallet)" in key_storage_text(chained)
    for backend in ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"):
        text = key_storage_text(KeyStorage(backend, True))
        assert text.startswith("No system keyring is available: keys can be kept for this")
    unknown = key_storage_text(KeyStorage("keyrings.alt.file.EncryptedKeyring", True))
    assert unknown.startswith("Keys are stored in your system keyring.")
    for storage in (secret_service, chained, KeyStorage("keyring.backends.fail.Keyring", True)):
        assert "keyring.backends" not in key_storage_text(storage)


def test_no_keyring_offers_session_only_up_front(
    qtbot: QtBot, no_keyring: Workspace, server: StandinServer
) -> None:
    dialog = AccountsDialog(no_keyring, TaskRunner())
    qtbot.addWidget(dialog)
    assert "No system keyring is available" in dialog.backend.text()
    assert "keyring.backends" not in dialog.backend.text()
    assert dialog.session_only.isVisibleTo(dialog) and dialog.session_only.isChecked()
    asked: list[str] = []
    dialog.ask = lambda *a: bool(asked.append(a[1]))  # type: ignore[method-assign]
    dialog.name.setText("acme")
    dialog.base_url.setText(server.ringyo_base)
    dialog.key.setText(RINGYO_KEY)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved 'acme'"), timeout=3000)
    assert asked == []  # no failed Save first, no question
    assert no_keyring.is_session_only("acme")


def test_a_store_with_a_keyring_offers_no_session_only(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = AccountsDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    assert not dialog.session_only.isVisibleTo(dialog)


def test_questions_are_answered_with_verbs(
    qtbot: QtBot, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = AccountsDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    seen: list[list[str]] = []

    def exec_(box: QMessageBox) -> int:
        seen.append([b.text() for b in box.buttons()])
        box.buttons()[0].click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    assert dialog.ask("The key could not be stored", "No keyring.", "Keep for this session")
    assert sorted(seen[0]) == ["Cancel", "Keep for this session"]
    assert not any(label.replace("&", "") in {"Yes", "No"} for label in seen[0])


def test_a_long_test_error_is_shown_whole(
    qtbot: QtBot, with_accounts: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(name: str) -> None:
        raise UnavailableError(LONG_ERROR, provider="ringyo")

    monkeypatch.setattr(with_accounts, "test_account", unreachable)
    dialog = AccountsDialog(with_accounts, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 2, timeout=3000)
    before = dialog.height()
    dialog.list.setCurrentIndex(dialog.list_model.index(0, 0))
    dialog.test_button.click()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=3000)
    assert dialog.status.text().endswith("END-OF-MESSAGE")
    qtbot.waitUntil(
        lambda: dialog.status.height() >= dialog.status.heightForWidth(dialog.status.width()),
        timeout=2000,
    )
    # The label has the height its wrapped text needs, and lies inside the dialog.
    status = dialog.status.geometry()
    assert dialog.rect().contains(status), (status, dialog.rect())
    assert dialog.height() >= before


def test_the_account_list_shows_whole_labels(
    qtbot: QtBot, no_keyring: Workspace, server: StandinServer
) -> None:
    run(
        qtbot,
        no_keyring.save_account(
            "customer-support-emea-night",
            "ringyo",
            RINGYO_KEY,
            server.ringyo_base,
            session_only=True,
        ),
    )
    dialog = AccountsDialog(no_keyring, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.list_model.rowCount() == 1, timeout=3000)
    label = dialog.list_model.item(0).text()
    assert label.endswith("key for this session only")
    rect = dialog.list.visualRect(dialog.list_model.index(0, 0))
    # Either the whole label fits on one line or the row wraps to more than one.
    one_line = dialog.list.fontMetrics().horizontalAdvance(label) <= rect.width()
    assert one_line or rect.height() > dialog.list.fontMetrics().height() * 1.5
    assert rect.right() <= dialog.list.viewport().width()


# item 11: export --------------------------------------------------------------------------


@pytest.fixture
def sample(
    tmp_path: Path, qloop: object, qtbot: QtBot
) -> Iterator[tuple[Workspace, list[CallRef]]]:
    data = tmp_path / "lib"
    library = open_library(data)
    try:
        import_sample(library)
        refs = list(library.refs())
    finally:
        library.close()
    workspace = build(data, secrets=MemorySecretStore())
    yield workspace, refs
    close_workspace(qtbot, workspace)


def test_export_remembers_the_folder_and_format(
    qtbot: QtBot, sample: tuple[Workspace, list[CallRef]], tmp_path: Path
) -> None:
    workspace, refs = sample
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    out = tmp_path / "exports"
    out.mkdir()
    first = ExportDialog(workspace, TaskRunner(), refs[:1], settings=settings)
    qtbot.addWidget(first)
    first.format.setCurrentIndex(first.format.findData("md"))
    first.destination.setText(str(out))
    task = first.start()
    qtbot.waitUntil(task.done, timeout=10_000)
    assert settings.value(FORMAT_KEY) == "md" and settings.value(FOLDER_KEY) == str(out)
    second = ExportDialog(workspace, TaskRunner(), refs[:1], settings=settings)
    qtbot.addWidget(second)
    assert second.format.currentData() == "md"
    assert second.destination.text() == str(out)


def test_export_dialog_takes_the_windows_settings(
    qtbot: QtBot, sample: tuple[Workspace, list[CallRef]], tmp_path: Path
) -> None:
    workspace, _refs = sample
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.settings.setValue(FORMAT_KEY, "csv")
    window.settings.setValue(FOLDER_KEY, str(tmp_path))
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)
    window.table.selectAll()
    dialog = window.open_export_dialog()
    assert dialog is not None
    assert dialog.format.currentData() == "csv" and dialog.destination.text() == str(tmp_path)
    # Item 11: Export is on the toolbar.
    toolbar = window.findChild(QToolBar, "main-toolbar")
    assert window.act_export in toolbar.actions()
    dialog.close()


def test_export_progress_and_status_belong_to_an_export(
    qtbot: QtBot, sample: tuple[Workspace, list[CallRef]], tmp_path: Path
) -> None:
    workspace, refs = sample
    dialog = ExportDialog(workspace, TaskRunner(), refs[:2])
    qtbot.addWidget(dialog)
    # No 0 % bar before anything starts.
    assert not dialog.progress.isVisibleTo(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    dialog.destination.setText(str(tmp_path))
    task = dialog.start()
    assert dialog.progress.isVisibleTo(dialog)
    qtbot.waitUntil(task.done, timeout=10_000)
    assert dialog.status.text().startswith("Wrote ") and dialog.show_folder.isVisibleTo(dialog)
    # A new choice: the last export's result is no longer what the dialog would do.
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.status.text() == "" and not dialog.show_folder.isVisibleTo(dialog)
    assert not dialog.progress.isVisibleTo(dialog)
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=10_000)
    dialog.mask_box.setChecked(True)
    assert dialog.status.text() == ""
    task = dialog.start()
    qtbot.waitUntil(task.done, timeout=10_000)
    dialog.destination.setText(str(tmp_path / "elsewhere"))
    dialog.destination.textEdited.emit(dialog.destination.text())
    assert dialog.status.text() == ""


def test_export_never_shows_a_ticked_box_that_cannot_change(
    qtbot: QtBot, sample: tuple[Workspace, list[CallRef]]
) -> None:
    workspace, refs = sample
    dialog = ExportDialog(workspace, TaskRunner(), refs)
    qtbot.addWidget(dialog)
    boxes: list[QCheckBox] = list(dialog._boxes.values())
    for fmt in FORMATS:
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        for transcript in (True, False):
            if dialog.transcript.isEnabled():
                dialog.transcript.setChecked(transcript)
            for box in boxes:
                assert box.isEnabled() or not box.isChecked(), (fmt, box.text())
    # Timestamps mean nothing without the transcript: off and greyed, and back when it is.
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    dialog.transcript.setChecked(False)
    assert not dialog.timestamps.isEnabled() and not dialog.timestamps.isChecked()
    dialog.transcript.setChecked(True)
    assert dialog.timestamps.isEnabled() and dialog.timestamps.isChecked()


# item 12: fetch ---------------------------------------------------------------------------


def test_fetch_with_no_account_adds_one_from_the_dialog(
    qtbot: QtBot, workspace: Workspace, server: StandinServer
) -> None:
    dialog = FetchDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.summary.text() == NO_ACCOUNTS, timeout=3000)
    assert not dialog.start.isEnabled()
    assert isinstance(dialog.add_account, QPushButton) and dialog.add_account.isEnabled()
    with qtbot.waitSignal(dialog.accounts_changed, timeout=5000):
        dialog.add_account.click()
        [accounts] = dialog.findChildren(AccountsDialog)
        accounts.name.setText("acme")
        accounts.base_url.setText(server.ringyo_base)
        accounts.key.setText(RINGYO_KEY)
        accounts.save_button.click()
    qtbot.waitUntil(lambda: dialog.account.count() == 1, timeout=3000)
    assert dialog.account.currentData() == "acme" and dialog.start.isEnabled()
    assert dialog.summary.text() == ""


def test_a_long_failure_is_readable_and_copyable(
    qtbot: QtBot, with_accounts: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(name: str, ids: list[str], *, download: bool, on_event: object) -> list:
        error = UnavailableError(LONG_ERROR, provider="ringyo")
        for call_id in ids:
            on_event(FetchEvent(call_id, Stage.FAILED, error=error))  # type: ignore[operator]
        return [FetchResult(call_id, error=error) for call_id in ids]

    monkeypatch.setattr(with_accounts, "fetch", failing)
    dialog = FetchDialog(with_accounts, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    task = dialog.start_fetch("acme", ["call_1", "call_2"])
    assert task is not None
    qtbot.waitUntil(task.done, timeout=5000)
    result = dialog.model.item(0, 2)
    assert result.text() == LONG_ERROR and "END-OF-MESSAGE" in result.toolTip()
    # The row is as tall as the wrapped message: more than one line.
    line = dialog.table.fontMetrics().height()
    assert dialog.table.rowHeight(0) > 2 * line
    assert dialog.table.wordWrap()
    # Copyable: the selected rows, whole, by Ctrl+C.
    dialog.table.selectAll()
    QGuiApplication.clipboard().clear()
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    assert copied.splitlines() == [f"call_1\tfailed\t{LONG_ERROR}", f"call_2\tfailed\t{LONG_ERROR}"]


# item 10: browse --------------------------------------------------------------------------


def _hint_painted(dialog: BrowseDialog) -> bool:
    with_hint = dialog.table.viewport().grab().toImage()
    hint = dialog.table.hint()
    dialog.table.set_hint("")
    without = dialog.table.viewport().grab().toImage()
    dialog.table.set_hint(hint)
    return with_hint.convertToFormat(QImage.Format.Format_RGB32) != without.convertToFormat(
        QImage.Format.Format_RGB32
    )


def test_browse_says_what_to_do_and_can_be_closed(
    qtbot: QtBot, with_accounts: Workspace, server: StandinServer
) -> None:
    dialog = BrowseDialog(with_accounts, TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.accounts_task.done, timeout=3000)
    assert dialog.table.hint() == HINT_READY and _hint_painted(dialog)
    # Dates look inactive until "Between" is ticked.
    assert not dialog.since.isEnabled() and not dialog.until.isEnabled()
    dialog.use_dates.setChecked(True)
    assert dialog.since.isEnabled() and dialog.until.isEnabled()
    dialog.use_dates.setChecked(False)
    assert not dialog.since.isEnabled()
    dialog.account.setCurrentIndex(dialog.account.findData("acme"))
    dialog.load.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=5000)
    assert not _hint_painted(dialog)  # rows listed: no hint over them
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_browse_without_accounts_hints_at_adding_one(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = BrowseDialog(workspace, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.accounts_task.done, timeout=3000)
    assert dialog.table.hint() == HINT_NO_ACCOUNTS
