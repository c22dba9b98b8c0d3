"""What a reviewer does, as one async method each: the core shared by the window and the CLI."""

from __future__ import annotations

import asyncio
import getpass
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from callreview.accounts import Accounts, AccountStore
from callreview.domain import (
    Account,
    Call,
    CallQuery,
    CallRef,
    CallRow,
    ConfigError,
    ExportError,
    Note,
    Review,
    Segment,
    StoredCall,
)
from callreview.domain.reports import Grouping, Report, ReportQuery, write_report_csv
from callreview.domain.scorecard import AnswerValue, Template, TemplateError, parse_template
from callreview.domain.scores import ScoreFilter, StoredScore, write_scores_csv
from callreview.domain.stored import clean_author
from callreview.domain.tags import Tag
from callreview.library import SqliteLibrary
from callreview.library.api import DownloadLimits
from callreview.redaction import Redactor
from callreview.secrets import KeyringSecretStore, SecretChain, SecretStore
from callreview.workspace.store import AsyncLibrary

if TYPE_CHECKING:
    import httpx

    from callreview.export import ExportOptions, ExportResult
    from callreview.library.bundle import BundleSummary, ImportReport
    from callreview.library.downloads import RecordingDownloader
    from callreview.providers.base import CallPage, ListFilters, ProviderClient
    from callreview.providers.http import HttpPolicy
    from callreview.workspace.fetch import FetchPipeline, FetchResult, OnEvent

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the call list and how many calls match in all."""

    rows: list[CallRow]
    total: int


# keyring's backend modules, by the name people know the store by. Matched on the module
# path's last part so a chained backend ("chainer (SecretService, kwallet)") finds its first.
_KEYRING_NAMES = {
    "SecretService": "GNOME Keyring / Secret Service",
    "libsecret": "GNOME Keyring / Secret Service",
    "kwallet": "KWallet",
    "macOS": "macOS Keychain",
    "Windows": "Windows Credential Manager",
}
# Backends keyring falls back to when it finds no usable store: they keep nothing.
_NO_KEYRING = ("keyring.backends.fail.", "keyring.backends.null.")


@dataclass(frozen=True, slots=True)
class KeyStorage:
    """Where API keys go: the backend's name, and whether keys survive a restart."""

    backend: str
    persistent: bool

    @property
    def keyring_available(self) -> bool:
        """Whether keys saved now are still there after a restart (keyring falls back to a
        backend that keeps nothing when it finds no store)."""
        return self.persistent and not self.backend.startswith(_NO_KEYRING)

    @property
    def label(self) -> str:
        """The key store by the name people know it by; never a class path."""
        for part in re.findall(r"keyring\.backends\.(\w+)\.", self.backend):
            if part in _KEYRING_NAMES:
                return _KEYRING_NAMES[part]
        return "your system keyring"


def default_reviewer() -> str:
    """The OS user's login name, or "reviewer" where there is none (or none fit to show)."""
    try:
        return clean_author(getpass.getuser())
    except (OSError, KeyError, ImportError, ConfigError):
        # getuser raises OSError (3.13) or KeyError/ImportError (earlier) without a name.
        return "reviewer"


class Workspace:
    """The library, accounts and keys, provider clients, downloads, exports and bundles.

    Built by `build_workspace` (the window's and the command line's one composition root),
    used from the asyncio loop, closed with `aclose()`. Methods raise the project's errors
    (`CallReviewError` and below) with messages a person can act on.
    """

    def __init__(
        self,
        data_dir: Path,
        library: AsyncLibrary,
        accounts: Accounts,
        secrets: SecretChain,
        redactor: Redactor,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: HttpPolicy | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.library = library
        self.redactor = redactor
        self._accounts = accounts
        self._secrets = secrets
        self._transport = transport
        self._policy = policy
        self._clients: dict[str, tuple[Account, ProviderClient]] = {}
        self._clients_lock = asyncio.Lock()
        # Account writes read, change and rewrite one file: two at once would lose one.
        self._accounts_lock = asyncio.Lock()
        self._downloader: RecordingDownloader | None = None
        self._pipeline: FetchPipeline | None = None
        self._download_limits = DownloadLimits()
        self._reviewer = default_reviewer()

    # keys and accounts -------------------------------------------------------------------

    def key_storage(self) -> KeyStorage:
        return KeyStorage(self._secrets.backend_name, self._secrets.persistent)

    def is_session_only(self, name: str) -> bool:
        return self._secrets.is_session_only(name)

    async def accounts(self) -> list[Account]:
        return await self.library.run(self._accounts.list)

    async def account(self, name: str) -> Account:
        return await self.library.run(self._accounts.get, name)

    async def save_account(
        self,
        name: str,
        provider: str,
        key: str | None,
        base_url: str | None = None,
        *,
        session_only: bool = False,
    ) -> Account:
        """Add or update an account; a new key goes to the keyring (or memory, session only).

        With `key=None` the stored key is kept. SecretStoreError when the keyring refuses.
        """
        async with self._accounts_lock:
            account = await self.library.run(
                self._accounts.add, name, provider, key, base_url, session_only=session_only
            )
        await self._forget_client(name)
        return account

    async def remove_account(self, name: str) -> None:
        async with self._accounts_lock:
            await self.library.run(self._accounts.remove, name)
        await self._forget_client(name)

    async def test_account(self, name: str) -> Account:
        """One cheap authenticated request; raises (AuthError, ...) when it fails."""
        account = await self.account(name)
        client = await self.client(account.name)
        await client.check_auth()
        return account

    # provider clients --------------------------------------------------------------------

    async def client(self, name: str) -> ProviderClient:
        """The one client of this account, built on the loop the first time it is needed.

        Rebuilt when the account changed (key or base URL); the old one is closed. The lock
        keeps two concurrent first uses from building (and leaking) two clients.
        """
        async with self._clients_lock:
            account = await self.account(name)
            cached = self._clients.get(name)
            if cached is not None and cached[0] == account:
                return cached[1]
            if cached is not None:
                await cached[1].aclose()
            key = await self.library.run(self._accounts.key_for, account)
            from callreview.providers.registry import make_client  # HTTP code loads on first use

            client = make_client(
                account,
                key,
                policy=self._policy,
                redactor=self.redactor,
                transport=self._transport,
            )
            self._clients[name] = (account, client)
            return client

    async def _forget_client(self, name: str) -> None:
        async with self._clients_lock:
            cached = self._clients.pop(name, None)
        if cached is not None:
            await cached[1].aclose()

    # the library -------------------------------------------------------------------------

    async def open(self) -> None:
        """Open (and migrate) the library now instead of at first use.

        For callers that want an unusable library to fail at once (StorageError) rather than
        at first use; the window opens it in a thread while Qt loads (`app._Opening`).
        """
        await self.library.open()

    async def page(self, query: CallQuery) -> Page:
        rows, total = await self.library.page(query)
        return Page(rows, total)

    async def more_rows(self, query: CallQuery) -> list[CallRow]:
        return await self.library.query(query)

    async def count(self, query: CallQuery | None = None) -> int:
        return await self.library.count(query or CallQuery())

    async def call(self, ref: CallRef) -> StoredCall:
        """The stored call; NotInLibraryError when it is not (or no longer) there."""
        stored = await self.library.get(ref)
        if stored is None:
            from callreview.domain import NotInLibraryError

            raise NotInLibraryError(ref)
        return stored

    async def transcript(self, ref: CallRef) -> tuple[Segment, ...]:
        """The call's transcript lines as stored, without mapping its raw JSON: quick to read
        even before the providers' schemas have loaded (the first call the window opens)."""
        return await self.library.segments(ref)

    async def calls(self, refs: Sequence[CallRef]) -> list[StoredCall]:
        return await self.library.get_many(refs)

    async def resolve(self, text: str) -> CallRef:
        """`PROVIDER:CALL_ID` or a bare `CALL_ID` (an error listing the choices if ambiguous)."""
        return await self.library.resolve(text)

    async def delete_call(self, ref: CallRef) -> None:
        await self.library.delete(ref)

    async def set_review(
        self, ref: CallRef, *, reviewed: bool | None = None, flagged: bool | None = None
    ) -> Review:
        return await self.library.set_review(ref, reviewed=reviewed, flagged=flagged)

    async def set_sync_offset(self, ref: CallRef, offset_ms: int) -> Review:
        return await self.library.set_review(ref, sync_offset_ms=offset_ms)

    @property
    def reviewer(self) -> str:
        """The name written beside each new note (the window's settings set it)."""
        return self._reviewer

    @reviewer.setter
    def reviewer(self, name: str) -> None:
        # Checked here, not when the first note is saved: the settings dialog shows the error.
        self._reviewer = clean_author(name)

    async def add_note(self, ref: CallRef, text: str, position_ms: int | None = None) -> Note:
        """Save a note by `reviewer`, at `position_ms` in the recording or untimed."""
        text = text.strip()
        if not text:
            raise ConfigError("A note needs some text.")
        return await self.library.add_note(ref, text, position_ms, self._reviewer)

    async def delete_note(self, note_id: int) -> None:
        await self.library.delete_note(note_id)

    # tags ----
    async def tag_names(self) -> list[str]:
        """The team's tag list (every name used in this library), alphabetical."""
        return await self.library.tag_names()

    async def add_tag(
        self,
        ref: CallRef,
        name: str,
        start_ms: int | None,
        end_ms: int | None = None,
        comment: str | None = None,
    ) -> Tag:
        """Tag the moment `start_ms` (to `end_ms`) by `reviewer`; a new name joins the list.

        No start: the whole call. ConfigError, in words, for a bad name, comment or span.
        """
        return await self.library.add_tag(ref, name, start_ms, end_ms, comment, self._reviewer)

    async def call_tags(self, ref: CallRef) -> list[Tag]:
        """The call's tagged moments by start; NotInLibraryError when the call is gone."""
        return await self.library.call_tags(ref)

    async def delete_tag(self, tag_id: int) -> None:
        await self.library.delete_tag(tag_id)

    # the network -------------------------------------------------------------------------

    @property
    def download_limits(self) -> DownloadLimits:
        """The deadline and stall timeout every recording download runs under."""
        return self._download_limits

    @download_limits.setter
    def download_limits(self, limits: DownloadLimits) -> None:
        self._download_limits = limits
        if self._downloader is not None:
            self._downloader.limits = limits

    async def _fetcher(self) -> FetchPipeline:
        if self._pipeline is None:
            # The HTTP stack loads on first use, so the window paints before it is imported.
            from callreview.library.downloads import RecordingDownloader
            from callreview.workspace.fetch import FetchPipeline

            library = await self.library.open()
            if self._pipeline is None:  # not built by a concurrent first fetch meanwhile
                self._downloader = RecordingDownloader(library, transport=self._transport)
                self._downloader.limits = self._download_limits
                self._pipeline = FetchPipeline(self.library, self._downloader, self.redactor)
        return self._pipeline

    async def fetch(
        self,
        account: str,
        call_ids: Sequence[str],
        *,
        download: bool = True,
        on_event: OnEvent | None = None,
    ) -> list[FetchResult]:
        """Fetch the calls from the account's provider into the library, concurrently.

        One result per distinct ID, in order; each failure is that call's (in words).
        """
        client = await self.client(account)
        pipeline = await self._fetcher()
        return await pipeline.fetch(client, account, call_ids, download=download, on_event=on_event)

    async def incomplete_ids(self, account: str) -> list[str]:
        """This account's finished calls still missing parts that arrive late."""
        acct = await self.account(account)
        return [
            ref.call_id
            for ref, owner in await self.library.incomplete()
            if ref.provider == acct.provider and owner in (acct.name, None)
        ]

    async def refresh(self, ref: CallRef, *, on_event: OnEvent | None = None) -> StoredCall:
        """Fetch a stored call again from the account that fetched it (review state kept)."""
        stored = await self.call(ref)
        if stored.account is None:
            raise ConfigError(
                f"{ref} came from a bundle or the sample library, not from one of your "
                "accounts, so it can't be refreshed."
            )
        [result] = await self.fetch(stored.account, [ref.call_id], on_event=on_event)
        if result.error is not None:
            raise result.error
        if result.recording_error is not None:
            raise result.recording_error
        return result.stored or await self.call(ref)

    async def download_recording(
        self, ref: CallRef, *, on_event: OnEvent | None = None
    ) -> StoredCall:
        """Download a stored call's recording; an expired link is renewed through its account."""
        stored = await self.call(ref)
        client = None
        if stored.account is not None:
            try:
                client = await self.client(stored.account)
            except ConfigError:
                client = None  # the account is gone: try the link as it is
        pipeline = await self._fetcher()
        return await pipeline.download(client, stored, on_event)

    async def list_recent(
        self,
        account: str,
        filters: ListFilters | None = None,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> CallPage:
        """One page of the provider's own call list (browse before fetching)."""
        client = await self.client(account)
        return await client.list_calls(filters, cursor=cursor, limit=limit)

    # scorecards and scores ----
    async def import_scorecard(self, path: Path) -> tuple[Template, bool]:
        """Read, validate and store a template file; the bool is False when this exact text
        was imported already. TemplateError (`FILE:LINE: reason`) when it is invalid,
        ConfigError when it clashes with a version already imported; nothing stored then."""
        template = await self.library.run(_read_template, path)
        return template, await self.library.import_scorecard(template)

    async def scorecards(self) -> list[Template]:
        """The newest version of each imported scorecard, by name."""
        return await self.library.scorecards()

    async def scorecard(self, name: str, version: int | None = None) -> Template:
        """One imported scorecard (its newest version without `version`)."""
        return await self.library.scorecard(name, version)

    async def export_scorecard(self, name: str, output: Path) -> Template:
        """Write the newest version's text exactly as it was imported, atomically."""
        from callreview.export.text import atomic_output

        template = await self.library.scorecard(name)

        def write() -> None:
            with atomic_output(output, "wb") as handle:
                handle.write(template.source.encode("utf-8"))

        await self.library.run(write)
        return template

    async def save_score(
        self,
        ref: CallRef,
        name: str,
        answers: Mapping[str, AnswerValue],
        comments: Mapping[str, str] | None = None,
        evidence: Mapping[str, tuple[int, ...]] | None = None,
        reviewer: str | None = None,
    ) -> StoredScore:
        """Score the call with the newest version of scorecard `name`, by `reviewer` (default:
        the Workspace's reviewer); replaces that reviewer's card of the call, kept as history.
        Unanswered non-text criteria make a draft. ConfigError for an unknown id or value."""
        author = clean_author(reviewer) if reviewer is not None else self._reviewer
        template = await self.library.scorecard(name)
        return await self.library.save_score(
            ref, template, answers, comments or {}, evidence or {}, author
        )

    async def scores(self, ref: CallRef) -> list[StoredScore]:
        """The call's cards: current ones first, then the replaced ones (history)."""
        return await self.library.scores(ref)

    async def list_scores(self, filter: ScoreFilter | None = None) -> list[StoredScore]:
        """Current, submitted (non-draft) cards matching `filter`, oldest scored first."""
        return await self.library.list_scores(filter or ScoreFilter())

    async def score_templates(self, scorecard: str | None = None) -> list[Template]:
        """Every stored version of the scorecards (or of one), by name, newest version first:
        the order the scores export takes its criterion columns in."""

        def collect() -> list[Template]:
            library = self.library.sync
            names = [scorecard] if scorecard else [t.name for t in library.scorecards()]
            return [
                library.scorecard(name, version)
                for name in names
                for version in library.scorecard_versions(name)
            ]

        return await self.library.run(collect)

    async def export_scores(self, output: Path | TextIO, filter: ScoreFilter | None = None) -> int:
        """Write the scores CSV (docs/exports.md) to a file, atomically, or to an open text
        stream; drafts and replaced cards are left out. Returns the number of cards."""
        from callreview.export.text import atomic_output, safe_cell

        filter = filter or ScoreFilter()
        scores = await self.list_scores(filter)
        templates = await self.score_templates(filter.scorecard)
        if not isinstance(output, Path):
            return write_scores_csv(output, scores, templates, safe_cell)

        def write(path: Path) -> int:
            with atomic_output(path, "w", newline="") as handle:
                return write_scores_csv(handle, scores, templates, safe_cell)

        return await self.library.run(write, output)

    # reports ----
    async def report(
        self,
        by: Grouping,
        scorecard: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Report:
        """Current, submitted cards per agent, ISO week (UTC, of the call's start) or criterion
        (which needs `scorecard`), for calls started in [since, until). ConfigError for a
        report by criterion without a scorecard, or a scorecard that is not imported."""
        return await self.library.report(ReportQuery(by, scorecard, since, until))

    async def export_report(self, report: Report, fmt: str, output: Path | TextIO) -> None:
        """Write a report as CSV (docs/exports.md, "Report CSV") or PDF to a file, atomically;
        CSV also to an open text stream."""
        from callreview.export.text import atomic_output, safe_cell

        if fmt == "pdf":
            if not isinstance(output, Path):
                raise ExportError("A report PDF is written to a file.")
            from callreview.export.formats import prepare
            from callreview.export.report_pdf import write_report_pdf

            prepare("pdf")  # QtGui's application, on the loop's (main) thread
            await self.library.run(write_report_pdf, report, output)
            return
        if fmt != "csv":
            raise ExportError(f"A report is written as csv or pdf, not {fmt!r}.")
        if not isinstance(output, Path):
            write_report_csv(output, report, safe_cell)
            return

        def write(path: Path) -> None:
            with atomic_output(path, "w", newline="") as handle:
                write_report_csv(handle, report, safe_cell)

        await self.library.run(write, output)

    # files -------------------------------------------------------------------------------

    async def export(
        self,
        refs: Sequence[CallRef],
        fmt: str,
        output: Path,
        options: ExportOptions | None = None,
        progress: Progress | None = None,
    ) -> ExportResult:
        """Write the calls in a format; `progress(done, total)` is called on the loop."""
        from callreview.export import export_calls, format_of
        from callreview.export.formats import prepare

        loop = asyncio.get_running_loop()

        def report(done: int, total: int) -> None:
            if progress is not None:
                loop.call_soon_threadsafe(progress, done, total)

        prepare(fmt)  # on the loop's (main) thread: QtGui for the PDF
        if format_of(fmt).takes_records:
            # The calls CSV: flat records straight from the library's tables (no re-mapping).
            records = await self.library.records(refs)
            return await self.library.run(export_calls, records, fmt, output, options, report)
        calls = await self.calls(refs)
        return await self.library.run(export_calls, calls, fmt, output, options, report)

    async def inspect_bundle(self, path: Path) -> tuple[BundleSummary, frozenset[CallRef]]:
        """What a bundle holds (validated as an import would) and which calls are here already."""
        from callreview.library.bundle import inspect_bundle

        summary = await self.library.run(inspect_bundle, path)
        # One read of the library's references, not one mapped call per bundle entry.
        held = frozenset(await self.library.refs())
        return summary, frozenset(c.ref for c in summary.calls) & held

    async def import_bundle(self, path: Path) -> ImportReport:
        from callreview.library.bundle import import_bundle

        return await self.library.run(lambda: import_bundle(self.library.sync, path))

    async def export_bundle(self, refs: Sequence[CallRef], output: Path) -> int:
        from callreview.library.bundle import export_bundle

        return await self.library.run(lambda: export_bundle(self.library.sync, refs, output))

    async def read_opened_file(self, path: Path) -> list[str] | None:
        """None for a bundle, or the call IDs in a text or CSV file (ConfigError says why not)."""
        from callreview.workspace.ids import read_opened_file

        return await self.library.run(read_opened_file, path)

    async def ids_from_file(self, path: Path) -> list[str]:
        from callreview.workspace.ids import ids_from_file

        return await self.library.run(ids_from_file, path)

    # the end -----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every client and the downloader, then the library."""
        async with self._clients_lock:
            clients = [client for _, client in self._clients.values()]
            self._clients.clear()
        for client in clients:
            await client.aclose()
        if self._downloader is not None:
            await self._downloader.aclose()
        await self.library.close()


def build_workspace(
    data_dir: Path,
    *,
    redactor: Redactor | None = None,
    secrets: SecretStore | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: HttpPolicy | None = None,
) -> Workspace:
    """The one way the window and the command line get a Workspace.

    `secrets` replaces the OS keyring (tests: MemorySecretStore); the chain in front of it
    keeps "this session only" keys in memory for the window's accounts dialog.
    """
    redactor = redactor or Redactor()
    chain = SecretChain(secrets or KeyringSecretStore(redactor), redactor)
    accounts = Accounts(AccountStore(data_dir), chain, redactor)
    return Workspace(
        data_dir,
        AsyncLibrary(lambda: SqliteLibrary(data_dir, mapper=_map_raw)),
        accounts,
        chain,
        redactor,
        transport=transport,
        policy=policy,
    )


def _read_template(path: Path) -> Template:
    """A template file, validated; its text kept byte for byte (no newline translation)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TemplateError(str(path), line, "not UTF-8 text; save the file as UTF-8") from exc
    return parse_template(text, str(path))


def _map_raw(provider: str, raw: Any, included: frozenset[str]) -> Call:
    # The provider schemas load when the first stored call is read, not at start-up.
    from callreview.providers.registry import map_raw_call

    return map_raw_call(provider, raw, included)
