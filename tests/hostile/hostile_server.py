"""A small hostile HTTP server for the hostile suite: loopback only, bounded, stops itself.

Each route answers with exactly the status, headers and raw body it was given: no encoding
of its own, so a test can send `Content-Encoding: gzip, gzip` over a 2 KB body, or an HTML
page labelled `audio/mpeg`. It listens on 127.0.0.1 only, answers at most `max_requests`
requests, times out idle connections and shuts itself down after `lifetime` seconds, so a
test that forgets it (or a client that hangs) can't keep it running.

    with HostileServer({"/v1/calls/x": Reply(body=b"{}")}) as server:
        server.url("/v1/calls/x")
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    """One canned answer: sent as is, with a Content-Length unless the headers give one."""

    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    chunk_size: int = 64 * 1024  # the body is written in pieces of this size


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class HostileServer:
    """Serves `routes` (path without query -> Reply) on 127.0.0.1; anything else is a 404."""

    def __init__(
        self,
        routes: dict[str, Reply] | None = None,
        *,
        lifetime: float = 60.0,
        max_requests: int = 200,
    ) -> None:
        self.routes: dict[str, Reply] = dict(routes or {})
        self.requests: list[Seen] = []
        self._max_requests = max_requests
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # an idle or trickling client is dropped

            def do_GET(self) -> None:
                with outer._lock:
                    outer.requests.append(
                        Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
                    )
                    over = len(outer.requests) > outer._max_requests
                reply = outer.routes.get(urlsplit(self.path).path)
                if over or reply is None:
                    reply = Reply(b"not here", {"Content-Type": "text/plain"}, status=404)
                self.send_response(reply.status)
                names = {name.lower() for name in reply.headers}
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                try:
                    for start in range(0, len(reply.body), reply.chunk_size):
                        self.wfile.write(reply.body[start : start + reply.chunk_size])
                        self.wfile.flush()
                except OSError:
                    self.close_connection = True  # the client gave up: that is its right

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> HostileServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- the command line in a child process under an address-space limit -----------------------

_CHILD = r"""
import io, json, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # before anything big is loaded
from callreview import cli
from callreview.secrets import MemorySecretStore

data_dir, provider, base, key, *argv = sys.argv[2:]
store = MemorySecretStore()


def peak_mib():
    # VmHWM is this process's own peak: ru_maxrss is inherited through fork and exec on Linux,
    # so it would start at the (possibly larger) test runner's peak.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--data-dir", data_dir, *args], secrets=store, stdin=io.StringIO(stdin),
                    stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


code, out, err = run(["accounts", "add", "acct", "--provider", provider, "--base-url", base],
                     key + "\n")
assert code == 0, err
before = peak_mib()
code, out, err = run(argv)
after = peak_mib()
print(json.dumps({"code": code, "stdout": out, "stderr": err,
                  "rss_before_mib": before, "rss_after_mib": after}))
"""

ADDRESS_SPACE_LIMIT = 1536 * 1024 * 1024  # the interpreter, SQLite and Qt's libraries fit


@dataclass(frozen=True)
class ChildResult:
    returncode: int  # of the child process: not 0 when it died (MemoryError, killed)
    code: int | None  # the command line's exit code
    stdout: str
    stderr: str
    rss_before_mib: float
    rss_after_mib: float

    @property
    def rss_growth_mib(self) -> float:
        return self.rss_after_mib - self.rss_before_mib


def run_cli_limited(
    data_dir: str,
    provider: str,
    base: str,
    key: str,
    argv: list[str],
    *,
    limit: int = ADDRESS_SPACE_LIMIT,
    timeout: float = 90.0,
) -> ChildResult:
    """Add the account, then run `callreview <argv>` in a child under RLIMIT_AS = `limit`.

    A memory bomb that gets past the code then ends the child with a MemoryError (or a kill)
    instead of exhausting the machine; the result says so through `returncode`.
    """
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        # The child limits itself first thing (no preexec_fn: this process has threads).
        [sys.executable, "-c", _CHILD, str(limit), data_dir, provider, base, key, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        return ChildResult(proc.returncode, None, proc.stdout, proc.stderr, 0.0, 0.0)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return ChildResult(
        0,
        data["code"],
        data["stdout"],
        data["stderr"],
        data["rss_before_mib"],
        data["rss_after_mib"],
    )
