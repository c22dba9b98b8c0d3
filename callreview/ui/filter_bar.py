"""The filter bar above the call list: full-text search (throttled), provider, status, dates."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QWidget,
)

from callreview.domain import CallQuery, CallStatus
from callreview.workspace import PROVIDERS

SEARCH_DELAY_MS = 250


class FilterBar(QWidget):
    """Emits `changed` when the query changes (search text after a short pause in typing)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.changed)
        self._setup_ui()

    def _setup_ui(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText('Search transcripts, numbers, agents, metadata ("phrase")')
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search calls")
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider or account filter")
        self.status = QComboBox()
        self.status.setAccessibleName("Status filter")
        self.status.addItem("Any status", None)
        for status in CallStatus:
            # WORKAROUND (PySide6 6.11.3; no upstream report found): the plain value, as
            # PySide6 turns a StrEnum member stored as item data into a plain str anyway.
            self.status.addItem(status.label, status.value)
        self.review = QComboBox()
        self.review.setAccessibleName("Review filter")
        for text, value in (
            ("All calls", None),
            ("Not reviewed", ("reviewed", False)),
            ("Reviewed", ("reviewed", True)),
            ("Flagged", ("flagged", True)),
        ):
            self.review.addItem(text, value)
        self.use_dates = QCheckBox("From")
        self.use_dates.setAccessibleName("Filter by date")
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.until = QDateEdit(QDate.currentDate())
        for edit, name in ((self.since, "From date"), (self.until, "To date")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _: self.changed.emit())
        self.use_dates.toggled.connect(self._on_use_dates_toggled)
        for combo in (self.provider, self.status, self.review):
            combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        layout.addWidget(self.search, 3)
        layout.addWidget(self.provider)
        layout.addWidget(self.status)
        layout.addWidget(self.review)
        layout.addWidget(self.use_dates)
        layout.addWidget(self.since)
        layout.addWidget(self.until)
        self.set_accounts([])

    def set_accounts(self, accounts: list[tuple[str, str]]) -> None:
        """Fill the provider/account menu from (account name, provider) pairs."""
        current = self.provider.currentData()
        self.provider.blockSignals(True)
        self.provider.clear()
        self.provider.addItem("All providers", None)
        for spec in PROVIDERS.values():
            self.provider.addItem(spec.label, ("provider", spec.name))
        for name, provider in accounts:
            # An account of a provider this version doesn't know still shows (by its name).
            label = PROVIDERS[provider].label if provider in PROVIDERS else provider
            self.provider.addItem(f"Account: {name} ({label})", ("account", name))
        # WORKAROUND (PySide6 6.11.3; no upstream report found): findData can't match the
        # (kind, name) tuples (Qt compares them as opaque objects).
        index = next(
            (i for i in range(self.provider.count()) if self.provider.itemData(i) == current), 0
        )
        self.provider.setCurrentIndex(index)
        self.provider.blockSignals(False)

    def _on_use_dates_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.changed.emit()

    def query(self, base: CallQuery) -> CallQuery:
        provider = self.provider.currentData()
        status = self.status.currentData()
        review = self.review.currentData()
        since = until = None
        if self.use_dates.isChecked():
            d1, d2 = self.since.date(), self.until.date().addDays(1)
            since = datetime(d1.year(), d1.month(), d1.day(), tzinfo=UTC)
            until = datetime(d2.year(), d2.month(), d2.day(), tzinfo=UTC)
        return CallQuery(
            search=self.search.text().strip() or None,
            statuses=frozenset({CallStatus(status)}) if status else frozenset(),
            provider=provider[1] if provider and provider[0] == "provider" else None,
            account=provider[1] if provider and provider[0] == "account" else None,
            since=since,
            until=until,
            reviewed=review[1] if review and review[0] == "reviewed" else None,
            flagged=review[1] if review and review[0] == "flagged" else None,
            order_by=base.order_by,
            descending=base.descending,
        )
