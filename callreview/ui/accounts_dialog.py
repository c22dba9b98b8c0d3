"""Accounts: add, edit, remove and test API keys through the Workspace (keys typed only here)."""

from __future__ import annotations

import asyncio
import itertools
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from callreview.domain import Account, CallReviewError, SecretStoreError
from callreview.ui.plain import message_box
from callreview.ui.tasks import TaskRunner
from callreview.workspace import PROVIDERS, Workspace

log = logging.getLogger(__name__)

_ids = itertools.count(1)


def provider_label(provider: str) -> str:
    """The provider's name for people; an account of a provider this version lacks shows as is."""
    spec = PROVIDERS.get(provider)
    return spec.label if spec is not None else provider


def account_label(account: Account) -> str:
    """How account pickers name an account: "acme (Provider)"."""
    return f"{account.name} ({provider_label(account.provider)})"


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
        self.setMinimumWidth(560)
        self._setup_ui()
        self._show_key_storage()
        self._on_new_button_clicked()
        self.reload()

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        self.backend = QLabel()
        self.backend.setWordWrap(True)
        self.backend.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.backend)
        row = QHBoxLayout()
        self.list_model = QStandardItemModel(self)
        self.list = QListView()
        self.list.setModel(self.list_model)
        self.list.setAccessibleName("Accounts")
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
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
        self.key.setPlaceholderText("paste the API key (leave empty to keep the stored one)")
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
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Account status")
        form.addRow(self.status)
        row.addWidget(form_box, 2)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.test_button.clicked.connect(self._on_test_button_clicked)

    # patchable in tests (pytest-qt's advice for dialogs) --------------------------------

    def ask(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = message_box(self, QMessageBox.Icon.Question, title, text, buttons)
        return box.exec() == QMessageBox.StandardButton.Yes

    # state ------------------------------------------------------------------------------

    def _show_key_storage(self) -> None:
        storage = self.workspace.key_storage()
        where = (
            f"API keys are kept in the OS keyring: {storage.backend}."
            if storage.persistent
            else f"API keys are kept in {storage.backend}: they are gone when CallReview closes."
        )
        self.backend.setText(f"{where} They are never written to a file, a log or an export.")

    def reload(self, select: str | None = None) -> asyncio.Task[None]:
        """List the accounts again (in the background), then select `select` if given."""
        return self.runner.run(f"{self._name}-reload", self._reload(select))

    async def _reload(self, select: str | None = None) -> None:
        try:
            accounts = await self.workspace.accounts()
        except CallReviewError as exc:
            self.status.setText(str(exc))
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
            self.status.setText("Paste the API key for the new account.")
            return
        self.save_button.setEnabled(False)
        self.runner.run(
            f"{self._name}-save-{next(self._writes)}", self._save(name, provider, key, base_url)
        )

    async def _save(self, name: str, provider: str, key: str | None, base_url: str | None) -> None:
        try:
            done = await self._store(name, provider, key, base_url)
        finally:
            self.save_button.setEnabled(True)
        if done is None:
            return
        self.key.clear()
        await self._reload(select=name)
        self.status.setText(done)
        self.accounts_changed.emit()

    async def _store(
        self, name: str, provider: str, key: str | None, base_url: str | None
    ) -> str | None:
        """Save through the Workspace; what to tell the person, or None (status says why not)."""
        try:
            await self.workspace.save_account(name, provider, key, base_url)
        except SecretStoreError as exc:
            keep = key is not None and self.ask(
                "The key could not be stored",
                f"{exc}\n\nKeep the key for this session only? It stays in memory and is "
                "gone when CallReview closes; you will have to enter it again next time.",
            )
            if not keep:
                self.status.setText(f"Not saved. {exc}")
                return None
            try:
                await self.workspace.save_account(name, provider, key, base_url, session_only=True)
            except CallReviewError as inner:
                self.status.setText(str(inner))
                return None
            return f"Saved '{name}'. The key is kept for this session only."
        except CallReviewError as exc:
            self.status.setText(str(exc))
            return None
        return f"Saved '{name}'; the key is in the OS keyring."

    def _on_remove_button_clicked(self) -> None:
        account = self._current()
        if account is None:
            return
        if not self.ask(
            "Remove account",
            f"Remove '{account.name}' and its key from the keyring? "
            "Calls already in the library stay.",
        ):
            return
        self.runner.run(f"{self._name}-remove-{next(self._writes)}", self._remove(account))

    async def _remove(self, account: Account) -> None:
        try:
            await self.workspace.remove_account(account.name)
        except CallReviewError as exc:
            self.status.setText(str(exc))
            return
        self._on_new_button_clicked()
        await self._reload()
        self.status.setText(f"Removed '{account.name}'.")
        self.accounts_changed.emit()

    def _on_test_button_clicked(self) -> None:
        account = self._current()
        if account is None:
            self.status.setText("Save the account first, then test it.")
            return
        self.test_button.setEnabled(False)
        self.status.setText(f"Testing '{account.name}'…")
        self.runner.run(f"{self._name}-test", self._test(account))

    async def _test(self, account: Account) -> None:
        try:
            await self.workspace.test_account(account.name)
        except CallReviewError as exc:
            self.status.setText(f"'{account.name}' failed: {exc}")
        else:
            self.status.setText(
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
