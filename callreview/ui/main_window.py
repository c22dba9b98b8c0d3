"""The main window: find calls in the library, see one, fetch more without ever freezing."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from callreview import APP_NAME, __version__
from callreview.domain import (
    AuthError,
    CallQuery,
    CallRef,
    CallReviewError,
    ConfigError,
    NotInLibraryError,
    StoredCall,
    UnavailableError,
)
from callreview.paths import tighten_mode
from callreview.ui.call_list import CallListView, DetailsScrollArea, fit_to_screen
from callreview.ui.call_table import (
    COLUMN,
    HEADER_STATE_KEY,
    ROW_ROLE,
    CallProxyModel,
    CallTableModel,
    fit_columns,
)
from callreview.ui.filter_bar import FilterBar
from callreview.ui.message_bar import MessageBar
from callreview.ui.settings_dialog import apply_saved_settings
from callreview.ui.tasks import TaskRunner
from callreview.workspace import Workspace

if TYPE_CHECKING:
    # The call view, the player (QtMultimedia) and the dialogs load after the first paint,
    # or when first opened: the window paints its shell and list first (issue 14).
    from callreview.domain.scorecard import AnswerValue
    from callreview.player import Player
    from callreview.ui.accounts_dialog import AccountsDialog
    from callreview.ui.browse_dialog import BrowseDialog
    from callreview.ui.bundle_dialog import BundleDialog
    from callreview.ui.call_view import CallView
    from callreview.ui.export_dialog import ExportDialog
    from callreview.ui.fetch_dialog import FetchDialog
    from callreview.ui.listen import ListenPanel
    from callreview.ui.settings_dialog import SettingsDialog
    from callreview.workspace import FetchEvent, ImportReport

# The fetch dialog's task name (callreview.ui.fetch_dialog.TASK, kept equal by a test).
FETCH_TASK = "fetch"

log = logging.getLogger(__name__)

# Writes (review state, notes, the sync offset) run one after the other, none cancelling
# another; reads of the same kind ("show this call", "the list") replace their predecessor.
SAVE_QUEUE = "save"

SHORTCUTS = [
    ("Ctrl+N", "Fetch calls by ID"),
    ("Ctrl+O", "Open a bundle (or a file of call IDs)"),
    ("Ctrl+B", "Browse the provider's recent calls"),
    ("F5", "Refresh the selected call from its provider"),
    ("Ctrl+D", "Download the selected call's recording"),
    ("Ctrl+F", "Search the library"),
    ("J / K", "Next / previous call"),
    ("Ctrl+R", "Mark the call reviewed"),
    ("Ctrl+G", "Flag the call"),
    ("Ctrl+Shift+C", "Copy the call reference"),
    ("Ctrl+E", "Export the selected calls"),
    ("Ctrl+,", "Accounts"),
    ("Ctrl+Q", "Quit"),
    ("? / F1", "This list of shortcuts"),
]


class MainWindow(QMainWindow):
    """Thin: widgets render models; the Workspace does the work; handlers await and report."""

    shut_down = Signal()
    list_loaded = Signal()  # the list shows a new first page (a filter, a sort, a change)
    call_view_built = Signal()  # the call view exists (after the first paint, or first use)
    started = Signal()  # painted once, the call view built, the first call asked for

    def __init__(self, workspace: Workspace, runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.runner = runner or TaskRunner(self)
        self.runner.failed.connect(self._on_runner_failed)
        self.settings = QSettings(
            str(workspace.data_dir / "window.ini"), QSettings.Format.IniFormat
        )
        apply_saved_settings(workspace, self.settings)
        self._call_view: CallView | None = None
        self._closing = False
        self._closed = False
        self._fetch_dialog: FetchDialog | None = None
        self._opened = 0
        self._shortcuts_box: QMessageBox | None = None
        self._showing: CallRef | None = None  # the call the view shows, or is about to
        self._select_when_loaded: int | None = None  # J pressed past the rows loaded so far
        # After a review change: (the call, its row then, move on to the next call?).
        self._keep_place: tuple[CallRef, int, bool] | None = None
        self._painted = False
        self._listed = False
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self._setup_ui()
        self._setup_actions()
        self._columns_restored = self._restore_settings()
        # Only now: the initial sort and the restored header each ask for a first page, and the
        # one load below (with the order they set) is all the start needs.
        self.model.rows_wanted.connect(self._on_model_rows_wanted)
        fit_to_screen(self)
        self._refresh_accounts()
        # The first page loads off the GUI thread; app.py shows the window when it is here,
        # so the first paint has the list, as before.
        self.first_load = self.reload_list()
        self._update_status()
        self.installEventFilter(self)

    # construction -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Open the first call only after the window has painted once: loading a call pulls
        # in the provider schemas and QtMultimedia, which would otherwise delay the window.
        # WORKAROUND (PySide6 6.11.3; no upstream report found): a filter, removed after
        # that paint, and not an event() override: an override
        # holds the GIL while Qt deletes the window (DeferredDelete) and its children, and
        # the media player's FFmpeg thread needs the GIL to finish: deleting the window
        # while audio played deadlocked.
        if watched is self and event.type() == QEvent.Type.Paint:
            self.removeEventFilter(self)
            QTimer.singleShot(0, self._after_first_paint)
        return False

    def _after_first_paint(self) -> None:
        self._painted = True
        if self._call_view is None:
            self._build_call_view()
        self._select_first_call()
        self.started.emit()

    def _select_first_call(self) -> None:
        # Once the window has painted and the first page is here, whichever comes last.
        if not (self._painted and self._listed):
            return
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self._select_row(0)

    def _setup_ui(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        self.message_bar = MessageBar()
        layout.addWidget(self.message_bar)
        self.offline_banner = QLabel(
            "Offline: the call platforms can't be reached. Everything in the library keeps "
            "working; fetching resumes when the network is back."
        )
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setAccessibleName("Offline notice")
        self.offline_banner.setStyleSheet("padding: 4px; border: 1px solid palette(mid);")
        self.offline_banner.hide()
        layout.addWidget(self.offline_banner)
        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(self._on_filter_bar_changed)
        layout.addWidget(self.filter_bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = CallTableModel(self)
        self.model.more_wanted.connect(self._on_model_more_wanted)
        self.proxy = CallProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = CallListView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Calls")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMN["started_at"], Qt.SortOrder.DescendingOrder)
        fit_columns(self.table)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.splitter.addWidget(self.table)
        # Where the call view goes once built (see `call_view`): an empty pane until then.
        self.splitter.addWidget(QWidget())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)

    # the call view, built after the first paint ---------------------------------------

    @property
    def call_view(self) -> CallView:
        """The call's details, transcript and player; built on first use."""
        if self._call_view is None:
            self._build_call_view()
        assert self._call_view is not None
        return self._call_view

    @property
    def listen(self) -> ListenPanel:
        return self.call_view.listen

    @property
    def player(self) -> Player:
        return self.call_view.listen.player

    def _build_call_view(self) -> None:
        from callreview.player import Player
        from callreview.ui.call_view import CallView
        from callreview.ui.listen import ListenPanel

        listen = ListenPanel(Player(self), self.settings)
        listen.download_requested.connect(self.download_selected)
        listen.offset_changed.connect(self._on_listen_offset_changed)
        listen.notice.connect(self._on_listen_notice)
        for action in listen.window_actions():
            self.addAction(action)
        view = CallView(listen)
        view.review_changed.connect(self._on_call_view_review_changed)
        view.note_added.connect(self._on_call_view_note_added)
        view.note_deleted.connect(self._on_call_view_note_deleted)
        view.score.card_wanted.connect(self._on_score_card_wanted)
        view.score.save_requested.connect(self._on_score_save_requested)
        view.score.import_requested.connect(self._on_score_import_requested)
        # A submitted card moves on to the next call, as marking it reviewed does.
        view.score.submitted.connect(lambda _ref: self.act_next.trigger())
        self._call_view = view
        # On a small screen (1366×768 at 150 %) the details need more height than there is:
        # they scroll rather than push the window past the screen's edge.
        scroll = DetailsScrollArea()
        scroll.setObjectName("call-view-scroll")
        scroll.setWidget(view)
        scroll.compact_changed.connect(view.set_compact)
        # WORKAROUND (PySide6 6.11.3): replaceWidget() does not hand the new widget to the
        # splitter on the Python side; without a reference kept here, the scroll area (and the
        # call view in it) would be deleted as soon as this method returns.
        self._call_view_scroll = scroll
        sizes = self.splitter.sizes()  # the restored (or default) share of each side
        placeholder = self.splitter.replaceWidget(1, scroll)
        if placeholder is not None:
            placeholder.deleteLater()
        self.splitter.setStretchFactor(1, 2)  # kept in the widget: set again for the new one
        if sum(sizes) > 0:
            self.splitter.setSizes(sizes)
        self.call_view_built.emit()

    def _on_listen_notice(self, text: str) -> None:
        self.message_bar.show_message(text, "warning")

    def _action(
        self,
        text: str,
        shortcut: str | QKeySequence | QKeySequence.StandardKey | None,
        slot: object,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _setup_actions(self) -> None:
        a = self._action
        self.act_fetch = a("&Fetch calls…", "Ctrl+N", self.open_fetch_dialog, "Fetch calls by ID")
        self.act_open = a(
            "&Open bundle…",
            "Ctrl+O",
            self.open_file_dialog,
            "Import calls from a CallReview bundle, or fetch the call IDs in a file",
        )
        self.act_browse = a("&Browse recent calls…", "Ctrl+B", self.open_browse_dialog)
        self.act_accounts = a("&Accounts…", "Ctrl+,", self.open_accounts_dialog)
        self.act_export = a("&Export selected calls…", "Ctrl+E", self.open_export_dialog)
        self.act_settings = a(
            "&Settings…", None, self.open_settings_dialog, "Reviewer name, download time limits"
        )
        self.act_quit = a("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.act_find = a("&Find…", QKeySequence.StandardKey.Find, self.filter_bar.search.setFocus)
        self.act_copy = a("&Copy call reference", "Ctrl+Shift+C", self.copy_ref)
        self.act_next = a("&Next call", "J", lambda: self.move_selection(1))
        self.act_prev = a("&Previous call", "K", lambda: self.move_selection(-1))
        self.act_refresh = a("&Refresh from provider", "F5", self.refresh_selected)
        self.act_download = a("&Download recording", "Ctrl+D", self.download_selected)
        self.act_reviewed = a("Mark &reviewed", "Ctrl+R", lambda: self.toggle_review("reviewed"))
        self.act_flag = a("&Flag", "Ctrl+G", lambda: self.toggle_review("flagged"))
        self.act_shortcuts = a("&Keyboard shortcuts", "F1", self.show_shortcuts)
        self._action("Shortcuts overlay", "?", self.show_shortcuts)
        self.act_about = a("&About CallReview", None, self.show_about)
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for action in (
            self.act_fetch,
            self.act_open,
            self.act_browse,
            self.act_export,
            self.act_accounts,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = menus.addMenu("&Edit")
        edit.addAction(self.act_find)
        edit.addAction(self.act_copy)
        edit.addSeparator()
        edit.addAction(self.act_settings)
        view = menus.addMenu("&View")
        view.addAction(self.act_next)
        view.addAction(self.act_prev)
        call = menus.addMenu("&Call")
        for action in (self.act_refresh, self.act_download, self.act_reviewed, self.act_flag):
            call.addAction(action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        for action in (
            self.act_fetch,
            self.act_browse,
            self.act_refresh,
            self.act_download,
            self.act_export,
            self.act_accounts,
        ):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        self._update_actions()

    # settings ---------------------------------------------------------------------------

    def _restore_settings(self) -> bool:
        restored = False
        for key, restore in (
            ("geometry", self.restoreGeometry),
            ("state", self.restoreState),
            ("splitter", self.splitter.restoreState),
            (HEADER_STATE_KEY, self.table.horizontalHeader().restoreState),
        ):
            value = self.settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
                restored = True
        return restored

    def save_settings(self) -> None:
        if not Path(self.workspace.data_dir).is_dir():
            # The data folder was removed (the demo's temporary copy, cleaned up before the
            # window closed): writing window.ini would create the folder again, for nothing.
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue(HEADER_STATE_KEY, self.table.horizontalHeader().saveState())
        self.settings.sync()
        # Private like the rest of the data folder (QSettings keeps the mode from then on).
        tighten_mode(Path(self.settings.fileName()))

    # the list ---------------------------------------------------------------------------

    def _on_filter_bar_changed(self) -> None:
        self.reload_list()

    def reload_list(self) -> asyncio.Task[None]:
        """The first page again, with the filters shown (after a change to the library)."""
        return self._load_list(self.filter_bar.query(self.model.query))

    def _on_model_rows_wanted(self, query: CallQuery) -> None:
        self._load_list(query)  # the header asked for another order

    def _load_list(self, query: CallQuery) -> asyncio.Task[None]:
        return self.runner.run("list", self._list(query))

    async def _list(self, query: CallQuery) -> None:
        page = await self.workspace.page(CallTableModel.first_page(query))
        selected = self.selected_ref()
        self._select_when_loaded = None  # a row of the list before
        place, self._keep_place = self._keep_place, None
        self.model.set_rows(query, page.rows, page.total)
        self.table.set_empty_text(self._empty_list_text(query))
        if place is not None and place[0] == selected:
            self._move_on(*place)
        elif not self._reselect(selected) and selected is not None:
            # The call shown is no longer listed (a search, a filter, a deletion): show the
            # first call that is, or the empty state, never a call the list doesn't have.
            if self.proxy.rowCount():
                self._select_row(0)
            else:
                self._show_nothing()
        self._update_status()
        if not self._listed:
            self._listed = True
            self._on_first_page()
        self.list_loaded.emit()

    def _on_first_page(self) -> None:
        if not self._columns_restored:
            self.table.resizeColumnsToContents()
        if not self.proxy.rowCount() and not self.filter_bar.search.text():
            self.statusBar().showMessage(
                "The library is empty: fetch calls with File → Fetch calls (Ctrl+N), after "
                "adding an account (Ctrl+,). To look around first: callreview --demo."
            )
        self._select_first_call()

    def _on_model_more_wanted(self, query: CallQuery) -> None:
        self.runner.run("more-rows", self._more_rows(query))

    async def _more_rows(self, query: CallQuery) -> None:
        try:
            rows = await self.workspace.more_rows(query)
        except BaseException:
            self.model.more_failed(query)  # the next scroll to the end asks again
            raise
        if self.model.append_rows(query, rows) and self._select_when_loaded is not None:
            row, self._select_when_loaded = self._select_when_loaded, None
            self._select_row(min(row, self.proxy.rowCount() - 1))

    def _reselect(self, ref: CallRef | None) -> bool:
        row = self._proxy_row(ref)
        if row >= 0:
            self._select_row(row, scroll=False)
        return row >= 0

    def _proxy_row(self, ref: CallRef | None) -> int:
        row = self.model.row_of(ref) if ref else -1
        return self.proxy.mapFromSource(self.model.index(row, 0)).row() if row >= 0 else -1

    def _move_on(self, ref: CallRef, old_row: int, advance: bool) -> None:
        """The review queue keeps its place: after marking a call, show the next one.

        A call that left the list (a "Not reviewed" filter) leaves the next call in its row;
        one that stayed is followed by the row under it when the change asked to move on.
        """
        count = self.proxy.rowCount()
        row = self._proxy_row(ref)
        if row >= 0:
            target = row + 1 if advance and row + 1 < count else row
        else:
            target = min(old_row, count - 1)
        if target >= 0:
            self._select_row(target)
        else:
            self._show_nothing()

    def _show_nothing(self) -> None:
        self.table.clearSelection()
        self._on_table_selection_changed()

    def _empty_list_text(self, query: CallQuery) -> str:
        if self.filter_bar.search.text().strip():
            return "No call matches the search. Clear it (Esc) or try other words."
        if query.statuses or query.provider or query.account or query.since or query.until:
            return "No call matches these filters."
        if query.reviewed is not None or query.flagged is not None:
            return "No call left in this queue."
        return (
            "The library is empty. Fetch calls with File → Fetch calls (Ctrl+N) after "
            "adding an account (Ctrl+,), or open a bundle (Ctrl+O)."
        )

    def _update_status(self) -> None:
        shown = self.model.total
        self.count_label.setText(f"{shown:,} call(s)")

    def selected_ref(self) -> CallRef | None:
        if self._call_view is None:
            return None  # nothing shown yet (the call view comes after the first paint)
        stored = self._call_view.stored
        return stored.call.ref if stored is not None else None

    def move_selection(self, step: int) -> None:
        current = self.table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        if 0 <= row < self.proxy.rowCount():
            self._select_row(row)
        elif step > 0 and self.proxy.canFetchMore(QModelIndex()):
            # Past the rows loaded so far: select it when the next page is here.
            self._select_when_loaded = row
            self.proxy.fetchMore(QModelIndex())

    def _select_row(self, row: int, *, scroll: bool = True) -> None:
        """Make `row` the one selected row.

        Through the selection model, not `QTableView.selectRow`: that one follows the keyboard
        modifiers held at the moment, so a list reloading while Ctrl is still down (Ctrl+R)
        would toggle the row off instead of selecting it.
        """
        if row < 0:
            return
        index = self.proxy.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        if scroll:
            self.table.scrollTo(index)

    def _on_table_selection_changed(self, *_: QItemSelection) -> None:
        index = self.table.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        rows = self.table.selectionModel().selectedRows()
        if row is None or not rows:
            self._showing = None
            self.runner.cancel("show")
            self.call_view.set_call(None)
            self._update_actions()
            return
        self.show_call(row.ref)

    def show_call(self, ref: CallRef) -> asyncio.Task[None]:
        """Show this call (read again from the library); a newer request replaces this one."""
        self._showing = ref
        return self.runner.run("show", self._show(ref))

    async def _show(self, ref: CallRef) -> None:
        full = asyncio.ensure_future(self.workspace.call(ref))
        try:
            if self.call_view.stored is None:
                # The first call: its stored lines show while the full call is mapped (the
                # providers' schemas load on first use, ~0.1 s); later calls map in ~1 ms.
                lines = await self.workspace.transcript(ref)
                if not full.done():
                    self.call_view.show_transcript_first(ref, lines)
            stored: StoredCall | None = await full
        except NotInLibraryError:
            stored = None  # deleted meanwhile (the command line): nothing to show
        finally:
            if not full.done():
                full.cancel()
        self.call_view.set_call(stored)
        search = self.filter_bar.search.text().strip()
        if stored is not None and search:
            # The words that found the call in the library are the ones to find inside it.
            self.listen.start_find(search)
        self._update_actions()

    def _show_again(self, ref: CallRef) -> None:
        # After a change to a call: only if it is still the one shown (or about to be).
        if self._showing == ref:
            self.show_call(ref)

    def _update_actions(self) -> None:
        stored = self._call_view.stored if self._call_view is not None else None
        has = stored is not None
        for action in (self.act_refresh, self.act_reviewed, self.act_flag, self.act_copy):
            action.setEnabled(has)
        self.act_download.setEnabled(
            has
            and stored is not None
            and stored.recording is None
            and stored.call.recording is not None
        )

    # review -----------------------------------------------------------------------------

    def _on_call_view_review_changed(self, reviewed: bool, flagged: bool) -> None:
        stored = self.call_view.stored
        if stored is not None:
            self.runner.run_in_order(SAVE_QUEUE, self._save_review(stored.ref, reviewed, flagged))

    async def _save_review(self, ref: CallRef, reviewed: bool, flagged: bool) -> None:
        before = self.call_view.stored
        newly_reviewed = (
            before is not None and before.ref == ref and reviewed and not before.review.reviewed
        )
        old_row = self._proxy_row(ref)
        await self.workspace.set_review(ref, reviewed=reviewed, flagged=flagged)
        if old_row >= 0 and self.selected_ref() == ref:
            self._keep_place = (ref, old_row, newly_reviewed)
        self.reload_list()

    def toggle_review(self, which: str) -> None:
        box = self.call_view.reviewed if which == "reviewed" else self.call_view.flagged
        if self.call_view.stored is not None:
            box.toggle()

    def _on_call_view_note_added(self, text: str, position: int | None) -> None:
        stored = self.call_view.stored
        if stored is not None:
            self.runner.run_in_order(SAVE_QUEUE, self._add_note(stored.ref, text, position))

    async def _add_note(self, ref: CallRef, text: str, position: int | None) -> None:
        await self.workspace.add_note(ref, text, position)
        self._show_again(ref)

    def _on_call_view_note_deleted(self, note_id: int) -> None:
        stored = self.call_view.stored
        if stored is not None:
            self.runner.run_in_order(SAVE_QUEUE, self._delete_note(stored.ref, note_id))

    async def _delete_note(self, ref: CallRef, note_id: int) -> None:
        await self.workspace.delete_note(note_id)
        self._show_again(ref)

    # scorecards -------------------------------------------------------------------------

    def _on_score_card_wanted(self, ref: CallRef) -> None:
        # In the save queue: a draft saved on leaving a call is read back when it returns.
        self.runner.run_in_order(SAVE_QUEUE, self._load_score(ref))

    async def _load_score(self, ref: CallRef) -> None:
        if self.call_view.score.ref != ref:
            return  # moved on since: its read would be thrown away, and saves wait behind it
        templates = await self.workspace.scorecards()
        cards = await self.workspace.scores(ref)
        self.call_view.score.set_card(ref, templates, cards, self.workspace.reviewer)

    def _on_score_save_requested(
        self,
        ref: CallRef,
        name: str,
        answers: dict[str, AnswerValue],
        comments: dict[str, str],
        evidence: dict[str, tuple[int, ...]],
        submit: bool,
    ) -> None:
        self.runner.run_in_order(
            SAVE_QUEUE, self._save_score(ref, name, answers, comments, evidence, submit)
        )

    async def _save_score(
        self,
        ref: CallRef,
        name: str,
        answers: dict[str, AnswerValue],
        comments: dict[str, str],
        evidence: dict[str, tuple[int, ...]],
        submit: bool,
    ) -> None:
        card = await self.workspace.save_score(ref, name, answers, comments, evidence)
        self.call_view.score.show_saved(card)
        if submit:
            self.statusBar().showMessage(f"Scored {ref}: {card.shown} ({card.result}).", 4000)

    def _on_score_import_requested(self, path: str) -> None:
        self.runner.run("import-scorecard", self._import_scorecard(Path(path)))

    async def _import_scorecard(self, path: Path) -> None:
        try:
            template, new = await self.workspace.import_scorecard(path)
        except ConfigError as exc:  # TemplateError: FILE:LINE: reason
            self.call_view.score.show_import_error(str(exc))
            return
        self.call_view.score.set_templates(await self.workspace.scorecards(), template.name)
        said = "imported" if new else "was imported already"
        self.message_bar.show_message(f"Scorecard {template.name!r} {said}.", "info")

    def _on_listen_offset_changed(self, offset_ms: int) -> None:
        stored = self.call_view.stored
        if stored is not None:
            self.runner.run_in_order(
                SAVE_QUEUE, self.workspace.set_sync_offset(stored.ref, offset_ms)
            )

    def copy_ref(self) -> None:
        ref = self.selected_ref()
        if ref:
            QGuiApplication.clipboard().setText(str(ref))
            self.statusBar().showMessage(f"Copied {ref}", 3000)

    # network actions --------------------------------------------------------------------

    def open_fetch_dialog(self) -> FetchDialog:
        from callreview.ui.fetch_dialog import FetchDialog

        if self._fetch_dialog is None:
            self._fetch_dialog = FetchDialog(self.workspace, self.runner, self)
            self._fetch_dialog.fetched.connect(self._on_fetched)
            self._fetch_dialog.auth_failed.connect(self._on_auth_failed)
            self._fetch_dialog.accounts_changed.connect(self._refresh_accounts)
        self._fetch_dialog.reload_accounts()
        self._fetch_dialog.show()
        self._fetch_dialog.raise_()
        return self._fetch_dialog

    def _on_fetched(self) -> None:
        dialog = self._fetch_dialog
        results = dialog.results if dialog else []
        if any(isinstance(r.error, UnavailableError) for r in results):
            self.offline_banner.show()
        elif any(r.stored for r in results):
            self.offline_banner.hide()
        self.reload_list()
        if self._showing is not None:
            self.show_call(self._showing)

    def _on_auth_failed(self, account: str, message: str) -> None:
        self.message_bar.show_message(
            message, "error", "Update key", lambda: self.open_accounts_dialog(select=account)
        )

    def selected_refs(self) -> list[CallRef]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        refs = []
        for row in rows:
            call_row = self.proxy.index(row, 0).data(ROW_ROLE)
            if call_row is not None:
                refs.append(call_row.ref)
        return refs

    # opening files -----------------------------------------------------------------------

    def choose_file(self) -> str:
        """Patchable in tests."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open bundle",
            "",
            "CallReview bundles (*.crbundle);;Call IDs (*.txt *.csv);;All files (*)",
        )
        return path

    def open_file_dialog(self) -> None:
        path = self.choose_file()
        if path:
            self.open_file(Path(path))

    def open_files(self, paths: Sequence[Path]) -> None:
        """The files given on the command line (or by the desktop, Exec=callreview %F)."""
        for path in paths:
            self.open_file(path)

    def open_file(self, path: Path) -> asyncio.Task[None]:
        """A bundle: show it, import if asked. Call IDs: the fetch dialog, filled in.

        Anything else, or a file that can't be read, is reported in the message bar.
        """
        self._opened += 1  # one task per file: opening another must not cancel this one
        return self.runner.run(f"open-file-{self._opened}", self._open_file(path))

    async def _open_file(self, path: Path) -> None:
        # Errors (ConfigError) reach the message bar through the runner.
        ids = await self.workspace.read_opened_file(path)
        if ids is None:
            self.open_bundle(path)
            return
        if self.runner.is_running(FETCH_TASK):
            raise ConfigError(
                f"A fetch is running: the call IDs in {path.name} were not filled in. Open "
                "the file again when it has finished."
            )
        self.open_fetch_dialog().fill_ids(ids, path.name)

    def open_bundle(self, path: Path) -> BundleDialog:
        from callreview.ui.bundle_dialog import BundleDialog

        dialog = BundleDialog(self.workspace, self.runner, path, self)
        dialog.imported.connect(lambda report: self._on_bundle_imported(path, report))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _on_bundle_imported(self, path: Path, report: ImportReport) -> None:
        self.reload_list()
        self.statusBar().clearMessage()  # "the library is empty" may no longer be true
        from callreview.ui.bundle_dialog import describe_import

        self.message_bar.show_message(f"{path.name}: {describe_import(report)}", "info")
        if self._showing is not None:
            self.show_call(self._showing)

    def open_export_dialog(self) -> ExportDialog | None:
        from callreview.ui.export_dialog import ExportDialog

        refs = self.selected_refs()
        if not refs:
            self.message_bar.show_message("Select the calls to export first.", "info")
            return None
        dialog = ExportDialog(self.workspace, self.runner, refs, self)
        dialog.show()
        return dialog

    def open_browse_dialog(self) -> BrowseDialog:
        from callreview.ui.browse_dialog import BrowseDialog

        dialog = BrowseDialog(self.workspace, self.runner, self)
        dialog.fetch_requested.connect(self._on_browse_fetch_requested)
        dialog.auth_failed.connect(self._on_auth_failed)
        dialog.show()
        return dialog

    def _on_browse_fetch_requested(self, account: str, ids: list[str]) -> None:
        self.open_fetch_dialog().start_fetch(account, ids)

    def open_settings_dialog(self) -> SettingsDialog:
        from callreview.ui.settings_dialog import SettingsDialog

        # open(), not exec(): a nested event loop would stall the qasync loop's tasks.
        dialog = SettingsDialog(self.workspace, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_accounts_dialog(self, select: str | None = None) -> AccountsDialog:
        from callreview.ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.workspace, self.runner, self)
        dialog.accounts_changed.connect(self._refresh_accounts)
        if select:
            dialog.select(select)
        dialog.show()
        return dialog

    def _refresh_accounts(self) -> None:
        self.runner.run("accounts", self._load_accounts())

    async def _load_accounts(self) -> None:
        accounts = await self.workspace.accounts()  # a failure goes to the message bar
        self.filter_bar.set_accounts([(a.name, a.provider) for a in accounts])
        if self._fetch_dialog is not None:
            self._fetch_dialog.reload_accounts()

    def refresh_selected(self) -> None:
        stored = self.call_view.stored
        if stored is None:
            return
        if not stored.account:
            self.message_bar.show_message(
                "This call was not fetched through an account (a bundle or the sample "
                "library), so it can't be refreshed.",
                "info",
            )
            return
        self.open_fetch_dialog().start_fetch(stored.account, [stored.call.call_id])

    def download_selected(self) -> None:
        stored = self.call_view.stored
        if stored is None:
            return
        name = f"download:{stored.ref}"
        if not self.runner.is_running(name):  # a second Ctrl+D does not start it over
            self.runner.run(name, self._download(stored.ref))

    async def _download(self, ref: CallRef) -> None:
        from callreview.workspace import Stage

        def progress(event: FetchEvent) -> None:
            if event.stage is Stage.DOWNLOADING:
                done = event.done_bytes / 2**20
                self.statusBar().showMessage(f"Downloading recording… {done:.1f} MiB")

        try:
            # An expired link is renewed through the call's account, when it still exists.
            await self.workspace.download_recording(ref, on_event=progress)
        except CallReviewError as exc:
            self.listen.download_failed(str(exc))
            raise
        self.statusBar().showMessage("Recording stored.", 4000)
        self._show_again(ref)
        self.reload_list()

    def _on_runner_failed(self, name: str, error: object) -> None:
        text = str(error)
        if isinstance(error, UnavailableError):
            self.offline_banner.show()
        if isinstance(error, AuthError):
            account = self.call_view.stored.account if self.call_view.stored else None
            self.message_bar.show_message(
                text, "error", "Update key", lambda: self.open_accounts_dialog(select=account)
            )
            return
        self.message_bar.show_message(text, "error")

    # help -------------------------------------------------------------------------------

    def show_shortcuts(self) -> QMessageBox:
        """Every shortcut in two aligned columns (non-modal: it can stay open while working).

        One box, built on first use and raised again after that (not a new one per F1).
        """
        if self._shortcuts_box is not None:
            self._shortcuts_box.show()
            self._shortcuts_box.raise_()
            return self._shortcuts_box

        def section(title: str, rows: list[tuple[str, str]]) -> str:
            cells = "".join(
                f"<tr><td style='padding-right:18px'><b>{html.escape(keys)}</b></td>"
                f"<td>{html.escape(what)}</td></tr>"
                for keys, what in rows
            )
            head = (
                f"<td colspan='2' style='padding-top:8px'><b><u>{html.escape(title)}</u></b></td>"
            )
            return f"<tr>{head}</tr>{cells}"

        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setTextFormat(Qt.TextFormat.RichText)  # our own fixed text, escaped
        box.setText(
            "<table cellspacing='2'>"
            + section("Calls", SHORTCUTS)
            + section("Listening", player_shortcuts())
            + "</table>"
        )
        box.setModal(False)
        box.show()
        self._shortcuts_box = box
        return box

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\n\nReview what voice-AI phone agents actually said: "
            "fetch calls from Ringyo and Rounded, keep them offline, listen and annotate.\n\n"
            f"Library: {Path(self.workspace.data_dir)}",
        )

    # closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        # Async cleanup can't run inside closeEvent: ignore, clean up, then close for real.
        if self._closed:
            event.accept()
            return
        event.ignore()
        if not self._closing:
            self._closing = True
            self.save_settings()
            self._shutdown_task = asyncio.ensure_future(self._shutdown())

    async def _shutdown(self) -> None:
        # The Workspace is not closed here: whoever built it closes it (app.py, once the
        # window has shut down), so nothing can use it after it is closed.
        try:
            await self.runner.shutdown()
        finally:
            self._closed = True
            # The window may already be gone (deleted by its owner while the tasks ended);
            # its player and dialogs went with it.
            if shiboken6.isValid(self):
                if self._call_view is not None:
                    self.player.release()
                if self._fetch_dialog is not None:
                    self._fetch_dialog.close()
                from callreview.ui.bundle_dialog import BundleDialog

                for dialog in self.findChildren(BundleDialog):
                    dialog.close()
                self.close()
                self.shut_down.emit()


def player_shortcuts() -> list[tuple[str, str]]:
    from callreview.ui.listen import PLAYER_SHORTCUTS

    return list(PLAYER_SHORTCUTS)
