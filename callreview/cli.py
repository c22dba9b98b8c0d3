"""The `callreview` command line: accounts and fetching, with stable output and exit codes."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from callreview import __version__
from callreview.accounts import Accounts, AccountStore
from callreview.domain import CallReviewError, ConfigError, SecretStoreError
from callreview.domain.model import Call
from callreview.domain.serialize import call_to_dict
from callreview.fetching import FetchOutcome, fetch_calls
from callreview.logs import setup_logging
from callreview.paths import default_data_dir
from callreview.providers import PROVIDERS
from callreview.providers.redact import Redactor
from callreview.secrets import KeyringSecretStore, SecretStore

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
COMMANDS = ("accounts", "fetch")


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

    fetch = sub.add_parser("fetch", help="fetch calls by ID")
    fetch.add_argument("--account", required=True)
    fetch.add_argument("call_ids", nargs="+", metavar="CALL_ID")
    fetch.add_argument("--json", action="store_true", help="print the normalized calls as JSON")
    return parser


class Cli:
    """One command-line invocation: services built here, closed by the process exit."""

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
        self.accounts = Accounts(
            AccountStore(self.data_dir), secrets or KeyringSecretStore(self.redactor), self.redactor
        )

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        print(self.redactor.redact(text), file=self.stderr)

    # accounts ---------------------------------------------------------------------------

    def accounts_add(self) -> int:
        a = self.args
        key = self._read_key(a.name)
        account = self.accounts.add(a.name, a.provider, key, a.base_url)
        self.out(
            f"Saved account '{account.name}' ({PROVIDERS[account.provider].label}, "
            f"{account.base_url}); key stored in {self.accounts.secrets.backend_name}."
        )
        return EXIT_OK

    def _read_key(self, name: str) -> str:
        if self.stdin.isatty():
            key = getpass.getpass(f"API key for '{name}' (not shown): ")
        else:
            key = self.stdin.readline()
        if not key.strip():
            raise UsageError("No API key given: pipe it on stdin or type it at the prompt.")
        return key.strip()

    def accounts_list(self) -> int:
        accounts = self.accounts.list()
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
            self.out("No accounts yet. Add one: callreview accounts add NAME --provider ringyo")
        for a in accounts:
            self.out(f"{a.name}\t{PROVIDERS[a.provider].label}\t{a.base_url}")
        return EXIT_OK

    def accounts_test(self) -> int:
        account = self.accounts.get(self.args.name)

        async def run() -> None:
            client = self.accounts.client(account)
            try:
                await client.check_auth()
            finally:
                await client.aclose()

        try:
            asyncio.run(run())
        except CallReviewError as exc:
            self.err(f"{account.name}: FAILED: {exc}")
            return EXIT_SOME_FAILED
        self.out(f"{account.name}: OK ({PROVIDERS[account.provider].label} accepted the key)")
        return EXIT_OK

    def accounts_remove(self) -> int:
        self.accounts.remove(self.args.name)
        self.out(f"Removed account '{self.args.name}' and its key.")
        return EXIT_OK

    # fetch ------------------------------------------------------------------------------

    def fetch(self) -> int:
        account = self.accounts.get(self.args.account)
        client = self.accounts.client(account)
        total = len(dict.fromkeys(self.args.call_ids))
        progress = self.stderr.isatty()
        done = {"ok": 0, "failed": 0}

        def on_done(outcome: FetchOutcome) -> None:
            done["ok" if outcome.call else "failed"] += 1
            if progress:
                print(
                    f"\rFetched {done['ok'] + done['failed']}/{total}"
                    + (f", {done['failed']} failed" if done["failed"] else ""),
                    end="",
                    file=self.stderr,
                    flush=True,
                )

        async def run() -> list[FetchOutcome]:
            try:
                return await fetch_calls(client, self.args.call_ids, on_done)
            finally:
                await client.aclose()

        outcomes = asyncio.run(run())
        if progress:
            print(file=self.stderr)
        calls = [o.call for o in outcomes if o.call is not None]
        if self.args.json:
            self.out(json.dumps([call_to_dict(c) for c in calls], indent=2, ensure_ascii=False))
        else:
            for call in calls:
                self.out(summary_line(call))
        for outcome in outcomes:
            if outcome.error is not None:
                self.err(f"{outcome.call_id}: {outcome.error}")
        return EXIT_SOME_FAILED if len(calls) < len(outcomes) else EXIT_OK

    def run(self) -> int:
        a = self.args
        if a.command == "accounts":
            handler = {
                "add": self.accounts_add,
                "list": self.accounts_list,
                "test": self.accounts_test,
                "remove": self.accounts_remove,
            }[a.accounts_command]
            return handler()
        if a.command == "fetch":
            return self.fetch()
        raise UsageError("No command given; see 'callreview --help'.")


def _fmt_ms(ms: int | None) -> str:
    if ms is None:
        return "-"
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def summary_line(call: Call) -> str:
    started = call.started_at or call.created_at
    parts = [
        call.ref,
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
    if call.missing_parts:
        parts.append("missing: " + ", ".join(sorted(call.missing_parts)))
    return "  ".join(parts)


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
        return cli.run()
    except (UsageError, ConfigError, SecretStoreError) as exc:
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
