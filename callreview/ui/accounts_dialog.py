"""Accounts: add, edit, remove and test API keys through the Workspace (keys typed only here)."""

from __future__ import annotations

import asyncio
import itertools
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import Account, CallReviewError, SecretStoreError
from callreview.ui.plain import message_box
from callreview.ui.tasks import TaskRunner
from callreview.workspace import PROVIDERS, KeyStorage, Workspace

log = logging.getLogger(__name__)

_ids = itertools.count(1)


def provider_label(provider: str) -> str:
    """The provider's name for people; an account of a provider this version lacks shows as is."""
    spec = PROVIDERS.get(provider)
    return spec.label if spec is not None else provider


def account_label(account: Account) -> str:
    """How account pickers name an account: "acme (Provider)"."""
    return f"{account.name} ({provider_label(account.provider)})"


def fit_on_screen(dialog: QWidget, width: int, height: int) -> None:
    """Size a dialog `width` x `height`, or smaller where the screen is (1366x768 at 150 %)."""
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        # Leave room for the window frame and title bar the geometry does not count.
        width, height = min(width, room.width() - 24), min(height, room.height() - 48)
    dialog.resize(width, height)


def key_storage_text(storage: KeyStorage) -> str:
    """The dialog's header: where keys go, said before anyone types one."""
    if not storage.persistent:
        return (
            "Keys are kept in memory for this session only: they are gone when CallReview "
            "closes. They are never written to a file, a log or an export."
        )
    if not storage.keyring_available:
        return (
            "No system keyring is available: keys can be kept for this session only (they are "
            "gone when CallReview closes). To keep them, install and unlock a keyring such as "
            "GNOME Keyring or KWallet, then open Accounts again."
        )
    name = storage.label
    where = (
        "your system keyring" if name == "your system keyring" else f"your system keyring ({name})"
    )
    return f"Keys are stored in {where}. They are never written to a file, a log or an export."


class AccountsDialog(QDialog):
    """The only place a key is typed in the window. It is masked and never shown again.

    Every read and write goes through the Workspace in a task of the runner; a save gets a
    task of its own, so a second save never cancels the first.
    """

    accounts_changed = Signal()

    def __init__(
        self, workspace: Workspace, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.runner = runner
        self._name = f"accounts-{next(_ids)}"
        runner.bind(self, self._name)
        self._writes = itertools.count(1)
        self.setWindowTitle("Accounts")
        self.setMinimumWidth(600)
        self._setup_ui()
        self._show_key_storage()
        self._on_new_button_clicked()
        self.reload()

    def _setup_ui(self) -> None:
        self._layout = layout = QVBoxLayout(self)
        # The dialog is never smaller than what it says (a long error grows it, not clips it).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.backend = QLabel()
        self.backend.setWordWrap(True)
        self.backend.setTextFormat(Qt.TextFormat.PlainText)
        self.backend.setAccessibleName("Where keys are kept")
        layout.addWidget(self.backend)
        self.session_only = QCheckBox("Keep keys for this session only (nothing is saved)")
        self.session_only.setAccessibleName("Keep keys for this session only")
        self.session_only.hide()
        layout.addWidget(self.session_only)
        row = QHBoxLayout()
        self.list_model = QStandardItemModel(self)
        self.list = QListView()
        self.list.setModel(self.list_model)
        self.list.setAccessibleName("Accounts")
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Long labels ("…, key for this session only") wrap instead of being cut off.
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setMinimumSize(200, 120)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._on_list_current())
        row.addWidget(self.list, 1)
        form_box = QWidget()
        form = QFormLayout(form_box)
        self.name = QLineEdit()
        self.name.setAccessibleName("Account name")
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        for info in PROVIDERS.values():
            self.provider.addItem(info.label, info.name)
        self.base_url = QLineEdit()
        self.base_url.setAccessibleName("Base URL")
        self.base_url.setPlaceholderText("default: the provider's public API")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setAccessibleName("API key")
        self.key.setPlaceholderText("paste the key; empty keeps the stored one")
        form.addRow("Name:", self.name)
        form.addRow("Provider:", self.provider)
        form.addRow("Base URL:", self.base_url)
        form.addRow("API key:", self.key)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New")
        self.save_button = QPushButton("Save")
        self.remove_button = QPushButton("Remove")
        self.test_button = QPushButton("Test")
        for button in (self.new_button, self.save_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        form.addRow(buttons)
        row.addWidget(form_box, 2)
        layout.addLayout(row, 1)
        # Under both columns, full width: a provider's error can be several lines long.
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.status.setAccessibleName("Account status")
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.test_button.clicked.connect(self._on_test_button_clicked)

    # patchable in tests (pytest-qt's advice for dialogs) --------------------------------

    def ask(self, title: str, text: str, verb: str) -> bool:
        """A question answered by a verb ("Remove", "Keep for this session") or "Cancel"."""
        box = message_box(
            self, QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton
        )
        accept = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(accept)
        box.exec()
        return box.clickedButton() is accept

    def set_status(self, text: str) -> None:
        """Say `text` under the form; the dialog grows to show all of it."""
        self.status.setText(text)
        layout = self._layout
        # A word-wrapped label's height depends on its width, which top-level size hints
        # leave out: ask the layout for the height at the current width and grow to it.
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        if needed > self.height():
            fit_on_screen(self, self.width(), needed)

    # state ------------------------------------------------------------------------------

    def _show_key_storage(self) -> None:
        storage = self.workspace.key_storage()
        self.backend.setText(key_storage_text(storage))
        # Offered up front, not after a failed Save: with no keyring it is the only way.
        no_keyring = storage.persistent and not storage.keyring_available
        self.session_only.setVisible(no_keyring)
        self.session_only.setChecked(no_keyring)

    def reload(self, select: str | None = None) -> asyncio.Task[None]:
        """List the accounts again (in the background), then select `select` if given."""
        return self.runner.run(f"{self._name}-reload", self._reload(select))

    async def _reload(self, select: str | None = None) -> None:
        try:
            accounts = await self.workspace.accounts()
        except CallReviewError as exc:
            self.set_status(str(exc))
            return
        current = self._current()
        keep = select or (current.name if current is not None else None)
        self.list_model.clear()
        for account in accounts:
            label = account_label(account)
            if self.workspace.is_session_only(account.name):
                label += ", key for this session only"
            item = QStandardItem(label)
            item.setData(account, Qt.ItemDataRole.UserRole)
            self.list_model.appendRow(item)
            if account.name == keep:
                self.list.setCurrentIndex(item.index())
        # Wide enough for the longest label (within reason; longer ones wrap).
        frame = 2 * self.list.frameWidth() + self.list.verticalScrollBar().sizeHint().width()
        widest = self.list.sizeHintForColumn(0) if accounts else 0
        self.list.setMinimumWidth(max(200, min(widest + frame, 360)))

    def _current(self) -> Account | None:
        index = self.list.currentIndex()
        data = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        return data if isinstance(data, Account) else None

    def _on_list_current(self) -> None:
        account = self._current()
        if account is None:
            return
        self.name.setText(account.name)
        self.name.setReadOnly(True)
        self.provider.setCurrentIndex(self.provider.findData(account.provider))
        self.base_url.setText(account.base_url)
        self.key.clear()
        self.status.clear()

    def _on_new_button_clicked(self) -> None:
        self.list.clearSelection()
        self.list.setCurrentIndex(self.list_model.index(-1, -1))
        self.name.setReadOnly(False)
        for field in (self.name, self.base_url, self.key):
            field.clear()
        self.provider.setCurrentIndex(0)

    # actions ----------------------------------------------------------------------------

    def _on_save_button_clicked(self) -> None:
        name = self.name.text().strip()
        provider = str(self.provider.currentData())
        base_url = self.base_url.text().strip() or None
        key = self.key.text().strip() or None
        existing = self._current()
        if key is None and (existing is None or existing.name != name):
            self.set_status("Paste the API key for the new account.")
            return
        self.save_button.setEnabled(False)
        session_only = not self.session_only.isHidden() and self.session_only.isChecked()
        self.runner.run(
            f"{self._name}-save-{next(self._writes)}",
            self._save(name, provider, key, base_url, session_only),
        )

    async def _save(
        self,
        name: str,
        provider: str,
        key: str | None,
        base_url: str | None,
        session_only: bool = False,
    ) -> None:
        try:
            if session_only and key is not None:
                done = await self._store_for_session(name, provider, key, base_url)
            else:
                done = await self._store(name, provider, key, base_url)
        finally:
            self.save_button.setEnabled(True)
        if done is None:
            return
        self.key.clear()
        await self._reload(select=name)
        self.set_status(done)
        self.accounts_changed.emit()

    async def _store_for_session(
        self, name: str, provider: str, key: str, base_url: str | None
    ) -> str | None:
        try:
            await self.workspace.save_account(name, provider, key, base_url, session_only=True)
        except CallReviewError as exc:
            self.set_status(str(exc))
            return None
        return f"Saved '{name}'. The key is kept for this session only."

    async def _store(
        self, name: str, provider: str, key: str | None, base_url: str | None
    ) -> str | None:
        """Save through the Workspace; what to tell the person, or None (status says why not)."""
        try:
            await self.workspace.save_account(name, provider, key, base_url)
        except SecretStoreError as exc:
            keep = key is not None and self.ask(
                "The key could not be stored",
                f"{exc}\n\nThe key can be kept for this session only: it stays in memory and "
                "is gone when CallReview closes; you will have to enter it again next time.",
                "Keep for this session",
            )
            if not keep or key is None:
                self.set_status(f"Not saved. {exc}")
                return None
            return await self._store_for_session(name, provider, key, base_url)
        except CallReviewError as exc:
            self.set_status(str(exc))
            return None
        return f"Saved '{name}'; the key is in your system keyring."

    def _on_remove_button_clicked(self) -> None:
        account = self._current()
        if account is None:
            return
        if not self.ask(
            "Remove account",
            f"Remove '{account.name}' and its key from the keyring? "
            "Calls already in the library stay.",
            "Remove",
        ):
            return
        self.runner.run(f"{self._name}-remove-{next(self._writes)}", self._remove(account))

    async def _remove(self, account: Account) -> None:
        try:
            await self.workspace.remove_account(account.name)
        except CallReviewError as exc:
            self.set_status(str(exc))
            return
        self._on_new_button_clicked()
        await self._reload()
        self.set_status(f"Removed '{account.name}'.")
        self.accounts_changed.emit()

    def _on_test_button_clicked(self) -> None:
        account = self._current()
        if account is None:
            self.set_status("Save the account first, then test it.")
            return
        self.test_button.setEnabled(False)
        self.set_status(f"Testing '{account.name}'…")
        self.runner.run(f"{self._name}-test", self._test(account))

    async def _test(self, account: Account) -> None:
        try:
            await self.workspace.test_account(account.name)
        except CallReviewError as exc:
            self.set_status(f"'{account.name}' failed: {exc}")
        else:
            self.set_status(
                f"'{account.name}' works: {provider_label(account.provider)} accepted the key."
            )
        finally:
            self.test_button.setEnabled(True)

    def select(self, name: str) -> asyncio.Task[None]:
        """Open on one account (the "Update key" action after a 401).

        The name shows at once; the rest of the form fills in when the list has loaded.
        """
        self.name.setText(name)
        self.key.setFocus()
        return self.reload(select=name)
