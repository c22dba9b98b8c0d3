"""The `callreview` command line: accounts and fetching, with stable output and exit codes."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from callreview import CLI_COMMANDS, __version__
from callreview.domain import (
    Call,
    CallQuery,
    CallRef,
    CallReviewError,
    CallRow,
    CallStatus,
    ConfigError,
    NotInLibraryError,
    SecretStoreError,
    StoredCall,
)
from callreview.domain.display import format_ms, parse_position
from callreview.domain.reports import GROUPINGS
from callreview.domain.scorecard import (
    FIXED_COLUMNS,
    Criterion,
    CriterionKind,
    Template,
    TemplateError,
    parse_answer,
)
from callreview.domain.scores import ScoreFilter, StoredScore, export_row, score_number
from callreview.domain.serialize import call_to_dict
from callreview.domain.tags import Tag
from callreview.domain.timeline import parse_iso
from callreview.export import ExportOptions, ExportResult
from callreview.export.formats import FORMATS as EXPORT_FORMATS
from callreview.export.formats import options_for
from callreview.export.text import plain_numbers
from callreview.library.api import DEADLINE_RANGE, STALL_RANGE
from callreview.logs import setup_logging
from callreview.paths import default_data_dir
from callreview.providers.catalog import PROVIDERS
from callreview.redaction import Redactor
from callreview.secrets import MAX_KEY_CHARS, SecretStore, key_problem
from callreview.workspace import DownloadLimits, FetchEvent, Stage, build_workspace

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGPIPE = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head`
COMMANDS = CLI_COMMANDS


class UsageError(CallReviewError):
    """A command-line or configuration mistake (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callreview",
        description="Review what voice-AI phone agents actually said.",
    )
    parser.add_argument("--version", action="version", version=f"CallReview {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where the library, accounts and logs live (default: $CALLREVIEW_DATA_DIR or the "
        "per-user app data folder)",
    )
    parser.add_argument("--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--debug", action="store_true", help="debug logs and full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    acc = sub.add_parser("accounts", help="manage API keys for call platforms")
    acc_sub = acc.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    add = acc_sub.add_parser(
        "add",
        help="add or replace an account (the key is read from stdin, or prompted without echo)",
    )
    add.add_argument("name")
    add.add_argument("--provider", required=True, choices=sorted(PROVIDERS))
    add.add_argument("--base-url", help="API base URL (default: the provider's public host)")
    lst = acc_sub.add_parser("list", help="list accounts (never shows keys)")
    lst.add_argument("--json", action="store_true")
    test = acc_sub.add_parser("test", help="make one cheap authenticated request")
    test.add_argument("name")
    rm = acc_sub.add_parser("remove", help="remove an account and its keyring entry")
    rm.add_argument("name")

    fetch = sub.add_parser(
        "fetch", help="fetch calls by ID into the library and download their recordings"
    )
    fetch.add_argument("--account", required=True)
    fetch.add_argument("call_ids", nargs="*", metavar="CALL_ID")
    fetch.add_argument(
        "--incomplete",
        action="store_true",
        help="also refetch this account's finished calls that still lack transcript, "
        "recording or analysis (they arrive late)",
    )
    fetch.add_argument("--json", action="store_true", help="print the normalized calls as JSON")
    fetch.add_argument("--no-recording", action="store_true", help="do not download recordings")
    fetch.add_argument(
        "--download-deadline",
        type=_seconds_arg(DEADLINE_RANGE),
        metavar="SECONDS",
        help="give up on a recording download after this long in all, retries included "
        f"(default {DownloadLimits().deadline_s:g}); what arrived is kept for the next try",
    )
    fetch.add_argument(
        "--stall-timeout",
        type=_seconds_arg(STALL_RANGE),
        metavar="SECONDS",
        help="treat a recording download as stalled when no data arrives for this long "
        f"(default {DownloadLimits().stall_timeout_s:g})",
    )

    calls = sub.add_parser("calls", help="browse the local library")
    calls_sub = calls.add_subparsers(dest="calls_command", metavar="ACTION", required=True)
    cl = calls_sub.add_parser("list", help="list stored calls, newest first")
    cl.add_argument("--json", action="store_true")
    cl.add_argument("--search", help="full-text search (transcript, numbers, agent, metadata)")
    cl.add_argument("--status", action="append", choices=[s.value for s in CallStatus])
    cl.add_argument("--provider", choices=sorted(PROVIDERS))
    cl.add_argument("--account")
    cl.add_argument("--since", type=_date_arg, help="YYYY-MM-DD or ISO 8601 (UTC)")
    cl.add_argument("--until", type=_date_arg, help="YYYY-MM-DD or ISO 8601 (UTC), exclusive")
    cl.add_argument(
        "--limit",
        type=_limit_arg,
        default=50,
        help=f"how many calls to list, 1 to {MAX_LIST_LIMIT} (default 50)",
    )
    cs = calls_sub.add_parser("show", help="show one stored call")
    cs.add_argument("ref", metavar="REF", help="CALL_ID or PROVIDER:CALL_ID")
    cs.add_argument("--json", action="store_true")
    cd = calls_sub.add_parser("delete", help="delete a stored call and its recording")
    cd.add_argument("ref", metavar="REF")

    ex = sub.add_parser("export", help="export call summaries (PDF, CSV, JSON, SRT, VTT, MD)")
    ex.add_argument("refs", nargs="+", metavar="REF", help="CALL_ID or PROVIDER:CALL_ID")
    ex.add_argument("--format", required=True, choices=list(EXPORT_FORMATS))
    ex.add_argument(
        "--output",
        required=True,
        type=Path,
        help="a file, a folder for one file per call, or - for standard output (one file)",
    )
    ex.add_argument("--no-transcript", action="store_true")
    ex.add_argument("--no-timestamps", action="store_true")
    ex.add_argument("--mask", action="store_true", help="mask phone numbers and e-mail addresses")
    ex.add_argument("--bom", action="store_true", help="UTF-8 byte-order mark (CSV)")
    ex.add_argument("--per-call", action="store_true", help="one file per call")

    bundle = sub.add_parser("bundle", help="portable bundles of calls, recordings and notes")
    bundle_sub = bundle.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    be = bundle_sub.add_parser("export", help="write calls to one portable file")
    be.add_argument("refs", nargs="+", metavar="REF")
    be.add_argument("--output", required=True, type=Path)
    bi = bundle_sub.add_parser("import", help="validate a bundle, then merge it into the library")
    bi.add_argument("file", type=Path)
    _add_score_commands(sub)  # scorecards and scores ----

    # tags ----
    cl.add_argument(
        "--tag",
        action="append",
        metavar="NAME",
        help="only calls with this tag (any case); repeat it and all must match",
    )
    tg = sub.add_parser("tag", help="tag a moment or span of a stored call")
    tg.add_argument("ref", metavar="REF", help="CALL_ID or PROVIDER:CALL_ID")
    tg.add_argument(
        "--at",
        required=True,
        metavar="TIME[-TIME]",
        help="the moment (M:SS, H:MM:SS or seconds, as the window's go-to field takes it) or "
        "a span, e.g. 0:42-0:51",
    )
    tg.add_argument(
        "--tag", required=True, metavar="NAME", help="the tag; a new name joins the tag list"
    )
    tg.add_argument("--comment", metavar="TEXT", help="what happened there")
    _add_report_command(sub)  # reports ----
    return parser


MAX_LIST_LIMIT = 100_000


def _seconds_arg(bounds: tuple[int, int]) -> Callable[[str], float]:
    low, high = bounds

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high} s (got {text[:40]})")
        return value

    return parse


def _limit_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if not 1 <= value <= MAX_LIST_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LIST_LIMIT} (got {text[:40]})")
    return value


def _date_arg(text: str) -> datetime:
    try:
        return parse_iso(text if "T" in text else f"{text}T00:00:00")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


class Cli:
    """One command-line invocation: one Workspace, built here and closed when it ends."""

    def __init__(
        self,
        args: argparse.Namespace,
        *,
        secrets: SecretStore | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.args = args
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.data_dir: Path = args.data_dir or default_data_dir()
        self.redactor = Redactor()
        self.log_file = setup_logging(
            self.redactor, self.data_dir / "logs", verbose=args.verbose, debug=args.debug
        )
        self.ws = build_workspace(self.data_dir, redactor=self.redactor, secrets=secrets)

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        print(self.redactor.redact(text), file=self.stderr)

    # accounts ---------------------------------------------------------------------------

    async def accounts_add(self) -> int:
        a = self.args
        key = self._read_key(a.name)
        account = await self.ws.save_account(a.name, a.provider, key, a.base_url)
        self.out(
            f"Saved account '{account.name}' ({PROVIDERS[account.provider].label}, "
            f"{account.base_url}); key stored in {self.ws.key_storage().backend}."
        )
        return EXIT_OK

    def _read_key(self, name: str) -> str:
        if self.stdin.isatty():
            key = getpass.getpass(f"API key for '{name}' (not shown): ")
        else:
            # The whole of stdin, less one trailing line break: a key with a line break inside
            # is refused whole, never cut at the first line. Bounded: a key is short.
            key = self.stdin.read(MAX_KEY_CHARS + 3)
            key = key.removesuffix("\n").removesuffix("\r")
        if not key.strip():
            raise UsageError("No API key given: pipe it on stdin or type it at the prompt.")
        problem = key_problem(key.strip())
        if problem is not None:
            raise UsageError(f"{problem} Nothing was stored.")
        return key.strip()

    async def accounts_list(self) -> int:
        accounts = await self.ws.accounts()
        if self.args.json:
            self.out(
                json.dumps(
                    [
                        {"name": a.name, "provider": a.provider, "base_url": a.base_url}
                        for a in accounts
                    ],
                    indent=2,
                )
            )
            return EXIT_OK
        if not accounts:
            self.out(
                "No accounts yet. Add one: callreview accounts add NAME --provider "
                + "|".join(sorted(PROVIDERS))
            )
        for a in accounts:
            self.out(f"{a.name}\t{PROVIDERS[a.provider].label}\t{a.base_url}")
        return EXIT_OK

    async def accounts_test(self) -> int:
        account = await self.ws.account(self.args.name)
        try:
            await self.ws.test_account(account.name)
        except CallReviewError as exc:
            self.err(f"{account.name}: FAILED: {exc}")
            return EXIT_SOME_FAILED
        self.out(f"{account.name}: OK ({PROVIDERS[account.provider].label} accepted the key)")
        return EXIT_OK

    async def accounts_remove(self) -> int:
        await self.ws.remove_account(self.args.name)
        self.out(f"Removed account '{self.args.name}' and its key.")
        return EXIT_OK

    # fetch ------------------------------------------------------------------------------

    async def fetch(self) -> int:
        account = await self.ws.account(self.args.account)
        call_ids = list(self.args.call_ids)
        if self.args.incomplete:
            call_ids += await self.ws.incomplete_ids(account.name)
        if not call_ids:
            if self.args.incomplete:
                self.out("No incomplete calls to refresh.")
                return EXIT_OK
            raise UsageError("Name at least one CALL_ID (or use --incomplete).")
        total = len(dict.fromkeys(call_ids))
        progress = self.stderr.isatty()
        finished = {"ok": 0, "failed": 0}
        downloading: dict[str, tuple[int, int | None]] = {}

        def on_event(event: FetchEvent) -> None:
            if event.stage is Stage.DOWNLOADING:
                downloading[event.call_id] = (event.done_bytes, event.total_bytes)
            elif event.stage in (Stage.DONE, Stage.FAILED):
                downloading.pop(event.call_id, None)
                finished["ok" if event.stage is Stage.DONE else "failed"] += 1
            else:
                return
            if progress:
                got = sum(d for d, _ in downloading.values())
                line = f"\rFetched {finished['ok'] + finished['failed']}/{total}"
                if finished["failed"]:
                    line += f", {finished['failed']} failed"
                if downloading:
                    line += f", downloading {len(downloading)} ({got / 2**20:.1f} MiB)"
                print(line.ljust(70), end="", file=self.stderr, flush=True)

        if self.args.download_deadline is not None or self.args.stall_timeout is not None:
            defaults = self.ws.download_limits
            self.ws.download_limits = DownloadLimits(
                self.args.download_deadline or defaults.deadline_s,
                self.args.stall_timeout or defaults.stall_timeout_s,
            )
        results = await self.ws.fetch(
            account.name, call_ids, download=not self.args.no_recording, on_event=on_event
        )
        if progress:
            print(file=self.stderr)
        stored = [r.stored for r in results if r.stored is not None]
        if self.args.json:
            self.out(json.dumps([stored_to_dict(s) for s in stored], indent=2, ensure_ascii=False))
        else:
            for item in stored:
                self.out(summary_line(item.call, item))
        for result in results:
            if result.error is not None:
                self.err(f"{result.call_id}: {result.error}")
            elif result.recording_error is not None:
                self.err(f"{result.call_id}: stored, but {result.recording_error}")
        return EXIT_OK if all(r.ok for r in results) else EXIT_SOME_FAILED

    # library ----------------------------------------------------------------------------

    async def calls_list(self) -> int:
        a = self.args
        query = CallQuery(
            search=a.search,
            statuses=frozenset(CallStatus(s) for s in a.status or ()),
            provider=a.provider,
            account=a.account,
            since=a.since,
            until=a.until,
            limit=a.limit,
            tags=frozenset(a.tag or ()),
        )
        rows = await self.ws.more_rows(query)
        if a.json:
            self.out(json.dumps([row_to_dict(r) for r in rows], indent=2, ensure_ascii=False))
            return EXIT_OK
        if not rows:
            self.out("No calls match." if await self.ws.count() else "The library is empty.")
        for r in rows:
            flags = ("R" if r.reviewed else "-") + ("F" if r.flagged else "-")
            flags += "A" if r.has_recording else "-"
            when = r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "-"
            self.out(
                f"{r.ref}\t{r.status.value}\t{when}\t{r.from_number or '?'} -> "
                f"{r.to_number or '?'}\t{_fmt_ms(r.duration_ms)}\t{flags}"
            )
        return EXIT_OK

    async def calls_show(self) -> int:
        stored = await self.ws.call(await self.ws.resolve(self.args.ref))
        tags = await self.ws.call_tags(stored.ref)
        if self.args.json:
            data = stored_to_dict(stored)
            data["tags"] = [tag_to_dict(t) for t in tags]
            self.out(json.dumps(data, indent=2, ensure_ascii=False))
            return EXIT_OK
        self.out(summary_line(stored.call, stored))
        review = stored.review
        self.out(
            f"account: {stored.account or '-'}  fetched: {stored.fetched_at:%Y-%m-%d %H:%M} UTC  "
            f"reviewed: {'yes' if review.reviewed else 'no'}  "
            f"flagged: {'yes' if review.flagged else 'no'}"
        )
        if stored.recording is not None:
            self.out(f"recording: {stored.recording.path} ({stored.recording.size} bytes)")
        elif stored.call.recording is not None:
            self.out("recording: not downloaded (run fetch again while online)")
        else:
            self.out("recording: none")
        analysis = stored.call.analysis
        if analysis is not None and analysis.summary:
            self.out(f"summary: {analysis.summary}")
        for item in analysis.items if analysis else ():
            self.out(f"  {item.question}: {item.value_text}")
        for seg in stored.call.segments:
            self.out(f"[{_fmt_ms(seg.start_ms)}] {seg.role.value}: {seg.text}")
        for note in review.notes:
            where = f" @{_fmt_ms(note.position_ms)}" if note.position_ms is not None else ""
            by = f" by {note.author}" if note.author else ""
            self.out(f"note{where}{by}: {note.text}")
        for tag in tags:
            self.out(tag_line(tag))
        return EXIT_OK

    async def calls_delete(self) -> int:
        ref = await self.ws.resolve(self.args.ref)
        await self.ws.delete_call(ref)
        self.out(f"Deleted {ref} and its recording.")
        return EXIT_OK

    async def export(self) -> int:
        a = self.args
        given = {
            "transcript": ("--no-transcript", a.no_transcript),
            "timestamps": ("--no-timestamps", a.no_timestamps),
            "mask": ("--mask", a.mask),
            "bom": ("--bom", a.bom),
            "one_file_per_call": ("--per-call", a.per_call),
        }
        meaningless = [
            flag for name, (flag, on) in given.items() if on and name not in options_for(a.format)
        ]
        if meaningless:
            raise UsageError(
                f"{', '.join(meaningless)} {'has' if len(meaningless) == 1 else 'have'} no "
                f"effect on {a.format} exports; leave {'it' if len(meaningless) == 1 else 'them'} "
                "out (docs/exports.md lists which options each format takes)."
            )
        to_stdout = str(a.output) == "-"
        combined = EXPORT_FORMATS[a.format].combined
        if to_stdout and (a.per_call or (not combined and len(a.refs) > 1)):
            raise UsageError(
                f"--output - writes one file; {a.format} of {len(a.refs)} calls makes one file "
                "per call. Name a folder instead."
            )
        refs = [await self.ws.resolve(ref) for ref in a.refs]
        options = ExportOptions(
            transcript=not a.no_transcript,
            timestamps=not a.no_timestamps,
            mask=a.mask,
            bom=a.bom,
            one_file_per_call=a.per_call,
        )
        if to_stdout:
            result = await self._export_to_stdout(refs, options)
        else:
            result = await self.ws.export(refs, a.format, a.output, options)
            for path in result.paths:
                self.out(str(path))
        for ref, reason in result.skipped:
            self.err(f"{ref}: skipped ({reason})")
        return EXIT_OK

    async def _export_to_stdout(self, refs: list[CallRef], options: ExportOptions) -> ExportResult:
        """Write to a private temporary file first (the writers are atomic), then copy it out."""
        fmt = self.args.format
        with tempfile.TemporaryDirectory(prefix="callreview-export-") as tmp:
            result = await self.ws.export(
                refs, fmt, Path(tmp) / f"export.{EXPORT_FORMATS[fmt].suffix}", options
            )
            [path] = result.paths
            data = path.read_bytes()
        binary = getattr(self.stdout, "buffer", None)
        if binary is not None:
            self.stdout.flush()
            binary.write(data)
            binary.flush()
        elif fmt == "pdf":
            raise UsageError("Standard output here takes text only; write the PDF to a file.")
        else:
            self.stdout.write(data.decode("utf-8"))
        return result

    async def bundle_export(self) -> int:
        refs = [await self.ws.resolve(ref) for ref in self.args.refs]
        count = await self.ws.export_bundle(refs, self.args.output)
        self.out(f"Wrote {count} call(s) to {self.args.output}.")
        return EXIT_OK

    async def bundle_import(self) -> int:
        report = await self.ws.import_bundle(self.args.file)
        self.out(
            f"Imported {report.added} new call(s), merged {report.merged} already in the "
            f"library, {report.recordings} recording(s)."
        )
        return EXIT_OK

    # tags ----
    async def tag(self) -> int:
        a = self.args
        start, end = parse_span(a.at)
        stored = await self.ws.call(await self.ws.resolve(a.ref))
        length = stored.call.duration_ms
        if length is not None and end > length:
            raise UsageError(
                f"{a.at.strip()} is after the end of {stored.ref} (it lasts {_fmt_ms(length)})."
            )
        tag = await self.ws.add_tag(stored.ref, a.tag, start, end, a.comment)
        self.out(f"Tagged {stored.ref}: {tag_line(tag)}")
        return EXIT_OK

    # scorecards and scores ----
    async def _score_command(self) -> int:
        a = self.args
        if a.command == "score":
            return await self.score()
        if a.command == "scorecards":
            return await {
                "import": self.scorecards_import,
                "list": self.scorecards_list,
                "export": self.scorecards_export,
            }[a.scorecards_command]()
        return await {"list": self.scores_list, "export": self.scores_export}[a.scores_command]()

    async def scorecards_import(self) -> int:
        try:
            template, added = await self.ws.import_scorecard(self.args.file)
        except TemplateError as exc:
            # FILE:LINE: reason alone on the line, as editors and CI logs link it.
            self.err(str(exc))
            return EXIT_USAGE
        if added:
            self.out(
                f"Imported scorecard {template.name!r} version {template.version} "
                f"({len(template.criteria)} criteria, pass mark {template.pass_mark:g}%)."
            )
        else:
            self.out(
                f"Scorecard {template.name!r} version {template.version} is already imported "
                "with this text; nothing changed."
            )
        return EXIT_OK

    async def scorecards_list(self) -> int:
        templates = await self.ws.scorecards()
        if self.args.json:
            rows = [
                scorecard_to_dict(t, await self.ws.library.scorecard_versions(t.name))
                for t in templates
            ]
            self.out(json.dumps(rows, indent=2, ensure_ascii=False))
            return EXIT_OK
        if not templates:
            self.out("No scorecards yet. Import one: callreview scorecards import FILE.toml")
        for t in templates:
            self.out(
                f"{t.name}\tversion {t.version}\t{len(t.criteria)} criteria\t"
                f"pass mark {t.pass_mark:g}%"
            )
        return EXIT_OK

    async def scorecards_export(self) -> int:
        a = self.args
        if str(a.output) == "-":
            template = await self.ws.scorecard(a.name)
            self.stdout.write(template.source)
            return EXIT_OK
        template = await self.ws.export_scorecard(a.name, a.output)
        self.out(f"Wrote {template.name!r} version {template.version} to {a.output}.")
        return EXIT_OK

    async def score(self) -> int:
        a = self.args
        if a.reviewer is None:
            saved = settings_reviewer(self.data_dir)
            if saved is not None:
                self.ws.reviewer = saved
        ref = await self.ws.resolve(a.ref)
        template = await self.ws.scorecard(a.scorecard)
        answers = {
            cid: parse_answer(_criterion(template, cid), value)
            for cid, value in _pairs(a.answer or [], "--answer", "ID=VALUE").items()
        }
        comments = _pairs(a.comment or [], "--comment", "ID=TEXT")
        for cid in comments:
            _criterion(template, cid)
        card = await self.ws.save_score(ref, template.name, answers, comments, reviewer=a.reviewer)
        if a.json:
            self.out(json.dumps(score_to_dict(card), indent=2, ensure_ascii=False))
            return EXIT_OK
        missing = [
            c.id
            for c in template.criteria
            if c.kind is not CriterionKind.TEXT and c.id not in card.answers
        ]
        what = f"{card.ref} with {card.scorecard!r} version {card.version} by {card.author}"
        if card.draft:
            self.out(
                f"Saved a draft of {what}: score so far {card.shown} ({card.result}). "
                f"Not answered: {', '.join(missing)}. Drafts are left out of lists and "
                "reports until every criterion is answered."
            )
        else:
            self.out(f"Scored {what}: {card.shown} ({card.result}).")
        return EXIT_OK

    def _score_filter(self) -> ScoreFilter:
        a = self.args
        return ScoreFilter(
            scorecard=a.scorecard, agent=a.agent, reviewer=a.reviewer, since=a.since, until=a.until
        )

    async def scores_list(self) -> int:
        cards = await self.ws.list_scores(self._score_filter())
        if self.args.json:
            rows = []
            for card in cards:
                row = export_row(card)
                fixed = {k: v for k, v in row.items() if k in FIXED_COLUMNS}
                fixed["answers"] = {k: v for k, v in row.items() if k not in FIXED_COLUMNS}
                rows.append(fixed)
            self.out(json.dumps(rows, indent=2, ensure_ascii=False))
            return EXIT_OK
        if not cards:
            self.out("No scorecards match.")
        for card in cards:
            self.out(
                f"{card.ref}\t{card.scorecard} v{card.version}\t{card.author}\t"
                f"{card.shown}\t{card.result}\t{card.scored_at:%Y-%m-%d %H:%M} UTC"
            )
        return EXIT_OK

    async def scores_export(self) -> int:
        output = self.args.output
        if str(output) == "-":
            await self.ws.export_scores(self.stdout, self._score_filter())
            return EXIT_OK
        count = await self.ws.export_scores(output, self._score_filter())
        self.out(f"Wrote {count} scorecard(s) to {output}.")
        return EXIT_OK

    # reports ----
    async def report(self) -> int:
        a = self.args
        to_stdout = str(a.output) == "-"
        fmt = a.format or ("" if to_stdout else a.output.suffix.lower().lstrip("."))
        if fmt not in REPORT_FORMATS:
            if to_stdout:
                raise UsageError(
                    "Writing to standard output (--output -) needs --format csv or pdf."
                )
            raise UsageError(
                f"Cannot tell the format from {a.output.name!r}: name the file .csv or .pdf, "
                "or give --format csv or pdf."
            )
        if a.by == "criterion" and not a.scorecard:
            raise UsageError("A report by criterion is about one scorecard: give --scorecard NAME.")
        report = await self.ws.report(a.by, a.scorecard, a.since, a.until)
        if not to_stdout:
            await self.ws.export_report(report, fmt, a.output)
            self.out(f"Wrote a report of {len(report.rows)} {a.by}(s) to {a.output}.")
            return EXIT_OK
        if fmt == "csv":
            await self.ws.export_report(report, fmt, self.stdout)
            return EXIT_OK
        binary = getattr(self.stdout, "buffer", None)
        if binary is None:
            raise UsageError("Standard output here takes text only; write the PDF to a file.")
        with tempfile.TemporaryDirectory(prefix="callreview-report-") as tmp:
            path = Path(tmp) / "report.pdf"
            await self.ws.export_report(report, fmt, path)
            data = path.read_bytes()
        self.stdout.flush()
        binary.write(data)
        binary.flush()
        return EXIT_OK

    async def run(self) -> int:
        """Run the command, then close the Workspace (clients, downloader, library)."""
        try:
            return await self._dispatch()
        finally:
            await self.ws.aclose()

    async def _dispatch(self) -> int:
        a = self.args
        if a.command == "accounts":
            handler = {
                "add": self.accounts_add,
                "list": self.accounts_list,
                "test": self.accounts_test,
                "remove": self.accounts_remove,
            }[a.accounts_command]
            return await handler()
        if a.command == "fetch":
            return await self.fetch()
        if a.command == "calls":
            return await {
                "list": self.calls_list,
                "show": self.calls_show,
                "delete": self.calls_delete,
            }[a.calls_command]()
        if a.command in ("scorecards", "score", "scores"):  # scorecards and scores ----
            return await self._score_command()
        if a.command == "export":
            return await self.export()
        if a.command == "tag":
            return await self.tag()
        if a.command == "report":  # reports ----
            return await self.report()
        if a.command == "bundle":
            return await {"export": self.bundle_export, "import": self.bundle_import}[
                a.bundle_command
            ]()
        raise UsageError("No command given; see 'callreview --help'.")


# tags ----
def parse_span(text: str) -> tuple[int, int]:
    """`TIME` or `TIME-TIME` → (start, end) in ms; a moment is a span of length 0.

    TIME as the window's go-to field takes it (`parse_position`): 1:23, 83, 0:01:23, 83.5.
    """
    first, dash, second = text.strip().partition("-")
    start = parse_position(first)
    end = parse_position(second) if dash else start
    if start is None or end is None:
        raise UsageError(
            f"{text[:40]!r} is not a time: write M:SS, H:MM:SS or seconds (0:42, 83.5), "
            "or a span such as 0:42-0:51."
        )
    if end < start:
        raise UsageError(f"The span {text[:40]!r} ends before it starts.")
    return start, end


def tag_line(tag: Tag) -> str:
    """`tag @0:42-0:51 name by author: comment`, on one line."""
    where = ""
    if tag.start_ms is not None:
        where = f" @{format_ms(tag.start_ms)}"
        if tag.end_ms is not None and tag.end_ms != tag.start_ms:
            where += f"-{format_ms(tag.end_ms)}"
    by = f" by {tag.author}" if tag.author else ""
    comment = f": {' '.join(tag.comment.split())}" if tag.comment else ""
    return f"tag{where} {tag.name}{by}{comment}"


def tag_to_dict(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.id,
        "name": tag.name,
        "start_ms": tag.start_ms,
        "end_ms": tag.end_ms,
        "comment": tag.comment,
        "author": tag.author,
        "created_at": tag.created_at.isoformat(),
    }


# scorecards and scores ----
def _add_score_commands(sub: Any) -> None:
    sc = sub.add_parser("scorecards", help="scorecard templates (TOML, see docs/scorecards.md)")
    sc_sub = sc.add_subparsers(dest="scorecards_command", metavar="ACTION", required=True)
    si = sc_sub.add_parser("import", help="validate a template file and store it")
    si.add_argument("file", type=Path, metavar="FILE.toml")
    sl = sc_sub.add_parser("list", help="the newest version of each scorecard")
    sl.add_argument("--json", action="store_true")
    se = sc_sub.add_parser("export", help="write a scorecard's text exactly as imported")
    se.add_argument("name", metavar="NAME")
    se.add_argument("--output", required=True, type=Path, help="a file, or - for standard output")

    sp = sub.add_parser("score", help="score a stored call against a scorecard")
    sp.add_argument("ref", metavar="REF", help="CALL_ID or PROVIDER:CALL_ID")
    sp.add_argument("--scorecard", required=True, metavar="NAME")
    sp.add_argument(
        "--reviewer",
        metavar="NAME",
        help="who scored it (default: the reviewer name in the settings, else the login name)",
    )
    sp.add_argument(
        "--answer",
        action="append",
        metavar="ID=VALUE",
        help="one criterion's answer, repeated: yes | no | na | a number (scale) | an option's "
        "label (choice) | text; a criterion left out makes the card a draft",
    )
    sp.add_argument(
        "--comment", action="append", metavar="ID=TEXT", help="a comment on one criterion"
    )
    sp.add_argument("--json", action="store_true")

    ss = sub.add_parser("scores", help="submitted scorecards (drafts and replaced cards left out)")
    ss_sub = ss.add_subparsers(dest="scores_command", metavar="ACTION", required=True)
    sl2 = ss_sub.add_parser("list", help="list submitted scorecards, oldest scored first")
    sl2.add_argument("--json", action="store_true")
    sx = ss_sub.add_parser("export", help="write submitted scorecards as CSV (docs/exports.md)")
    sx.add_argument("--output", required=True, type=Path, help="a file, or - for standard output")
    for parser in (sl2, sx):
        parser.add_argument("--scorecard", metavar="NAME")
        parser.add_argument("--agent", metavar="A", help="the call's agent id")
        parser.add_argument("--reviewer", metavar="R")
        parser.add_argument("--since", type=_date_arg, help="call start, YYYY-MM-DD or ISO (UTC)")
        parser.add_argument(
            "--until", type=_date_arg, help="call start, YYYY-MM-DD or ISO (UTC), exclusive"
        )


# reports ----
REPORT_FORMATS = ("csv", "pdf")


def _add_report_command(sub: Any) -> None:
    rp = sub.add_parser(
        "report",
        help="scorecard results per agent, ISO week (UTC) or criterion, as CSV or PDF",
    )
    rp.add_argument("--by", required=True, choices=GROUPINGS)
    rp.add_argument(
        "--scorecard", metavar="NAME", help="one scorecard (required with --by criterion)"
    )
    rp.add_argument("--since", type=_date_arg, help="call start, YYYY-MM-DD or ISO (UTC)")
    rp.add_argument(
        "--until", type=_date_arg, help="call start, YYYY-MM-DD or ISO (UTC), exclusive"
    )
    rp.add_argument(
        "--output", required=True, type=Path, help="FILE.csv or FILE.pdf, or - for standard output"
    )
    rp.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="csv or pdf (default: the file's suffix; required with --output -)",
    )


def _pairs(items: Sequence[str], flag: str, form: str) -> dict[str, str]:
    """`ID=VALUE` arguments by id; each criterion once."""
    pairs: dict[str, str] = {}
    for item in items:
        cid, sep, value = item.partition("=")
        cid = cid.strip()
        if not sep or not cid:
            raise UsageError(f"{flag} {item[:40]!r}: write {form}, e.g. {flag} greeting=yes.")
        if cid in pairs:
            raise UsageError(f"{flag} names {cid!r} twice; give one per criterion.")
        pairs[cid] = value
    return pairs


def _criterion(template: Template, cid: str) -> Criterion:
    criterion = template.criterion(cid)
    if criterion is None:
        known = ", ".join(c.id for c in template.criteria)
        raise UsageError(f"{template.name!r} has no criterion {cid!r}; its criteria are: {known}.")
    return criterion


def settings_reviewer(data_dir: Path) -> str | None:
    """The reviewer name the window's settings (window.ini, QSettings' INI format) hold, if
    any and fit to show; read without Qt, which the command line does not load."""
    import configparser

    from callreview.domain.stored import clean_author

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(data_dir / "window.ini", encoding="utf-8")
        value = parser.get("review", "reviewer", fallback="")
    except (configparser.Error, OSError, UnicodeError):
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]  # QSettings quotes a value with commas or outer spaces
    value = value.replace('\\"', '"').replace("\\\\", "\\")
    if value.startswith("@@"):
        value = value[1:]
    try:
        return clean_author(value) if value else None
    except ConfigError:
        return None


def scorecard_to_dict(template: Template, versions: Sequence[int]) -> dict[str, Any]:
    return {
        "name": template.name,
        "version": template.version,
        "versions": list(versions),
        "pass_mark": template.pass_mark,
        "sections": list(template.sections),
        "criteria": [
            {
                "id": c.id,
                "section": c.section,
                "question": c.question,
                "kind": c.kind.value,
                "weight": c.weight,
                "na_allowed": c.na_allowed,
                "critical": c.critical,
            }
            for c in template.criteria
        ],
    }


def score_to_dict(card: StoredScore) -> dict[str, Any]:
    """`score --json`: the score as shown (one decimal) as a number, or null."""
    return {
        "call_ref": str(card.ref),
        "scorecard": card.scorecard,
        "version": card.version,
        "reviewer": card.author,
        "score": score_number(card),
        "result": card.result,
        "draft": card.draft,
    }


def _fmt_ms(ms: int | None) -> str:
    if ms is None:
        return "-"
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def stored_to_dict(stored: StoredCall) -> dict[str, Any]:
    """The Foundation JSON contract plus `account`, `review` and `recording.downloaded`."""
    data = call_to_dict(stored.call)
    data["account"] = stored.account
    data["fetched_at"] = stored.fetched_at.isoformat()
    data["missing_parts"] = sorted(stored.missing_parts)
    data["recording"]["downloaded"] = stored.recording is not None
    if stored.recording is not None:
        data["recording"]["file"] = str(stored.recording.path)
        data["recording"]["size"] = stored.recording.size
        data["recording"]["sha256"] = stored.recording.sha256
    review = stored.review
    data["review"] = {
        "reviewed": review.reviewed,
        "flagged": review.flagged,
        "sync_offset_ms": review.sync_offset_ms,
        "notes": [
            {
                "text": n.text,
                "position_ms": n.position_ms,
                "created_at": n.created_at.isoformat(),
                "author": n.author,
            }
            for n in review.notes
        ],
    }
    # 5, not 5.0: the same numbers as the JSON and CSV exports.
    result: dict[str, Any] = plain_numbers(data)
    return result


def row_to_dict(row: CallRow) -> dict[str, Any]:
    return {
        "provider": row.provider,
        "call_id": row.call_id,
        "account": row.account,
        "status": row.status.value,
        "status_raw": row.status_raw,
        "direction": row.direction,
        "from_number": row.from_number,
        "to_number": row.to_number,
        "agent_id": row.agent_id,
        "agent_name": row.agent_name,
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "duration_ms": row.duration_ms,
        "cost": row.cost,
        "segment_count": row.segment_count,
        "reviewed": row.reviewed,
        "flagged": row.flagged,
        "has_notes": row.has_notes,
        "recording_downloaded": row.has_recording,
        "missing_parts": sorted(row.missing),
    }


def summary_line(call: Call, stored: StoredCall | None = None) -> str:
    started = call.started_at or call.created_at
    parts = [
        str(call.ref),
        call.status.value + (f" ({call.status_raw})" if call.status_raw else ""),
        f"{call.from_number or '?'} -> {call.to_number or '?'}",
        started.strftime("%Y-%m-%d %H:%M UTC") if started else "-",
        _fmt_ms(call.duration_ms),
        f"{len(call.segments)} lines",
    ]
    if call.cost is not None:
        parts.append(f"cost {call.cost}")
    if call.analysis and call.analysis.items:
        parts.append(f"{len(call.analysis.items)} answers")
    missing = stored.missing_parts if stored is not None else call.missing_parts
    if missing:
        parts.append("incomplete, missing: " + ", ".join(sorted(missing)))
    if stored is not None and stored.recording is not None:
        parts.append("recording stored")
    elif stored is not None and call.recording is not None:
        parts.append("recording not downloaded")
    return "  ".join(parts)


def _reader_left(stream: TextIO) -> int:
    """The reader of our output went away (`| head`): stop quietly, as `cat` and `ls` do.

    Python would otherwise report the broken pipe again when it flushes stdout at exit, so
    what is still buffered goes to /dev/null instead (the recipe in Python's signal docs).
    """
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return EXIT_SIGPIPE
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)
    return EXIT_SIGPIPE


def main(argv: Sequence[str] | None = None, **services: Any) -> int:
    """Run the command line; returns the exit status (0 ok, 1 some items failed, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        cli = Cli(args, **services)
    except CallReviewError as exc:
        print(f"callreview: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        code = asyncio.run(cli.run())
        cli.stdout.flush()  # here, not at exit: a reader that left is handled below
        return code
    except BrokenPipeError:
        return _reader_left(cli.stdout)
    except (UsageError, ConfigError, SecretStoreError, NotInLibraryError) as exc:
        cli.err(f"callreview: {exc}")
        return EXIT_USAGE
    except CallReviewError as exc:
        cli.err(f"callreview: {exc}")
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        cli.err("callreview: interrupted")
        return 130
    except Exception:
        log.exception("internal error")
        if args.debug:
            raise
        where = f" The log has the details: {cli.log_file}" if cli.log_file else ""
        cli.err(f"callreview: internal error (a bug).{where} Run with --debug to see it here.")
        return EXIT_SOME_FAILED
