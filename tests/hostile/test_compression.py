"""Issue 13 item 3: compression bombs from the API and from recording storage.

The memory tests run the command line in a child under an address-space limit against a
loopback hostile server: before the fix a 1,827-byte `gzip, gzip` answer inflated to over
1 GB before the 32 MiB cap was looked at (a MemoryError and "internal error" under the limit),
and a single-layer bomb peaked at ~180 MB; a compressed recording was stored as sent.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callreview.domain import SchemaError
from callreview.providers.http import ACCEPT_ENCODING, BoundedDecoder, DecodeRefused, HttpPolicy
from callreview.providers.ringyo import RingyoClient
from tests.hostile.hostile_server import HostileServer, Reply, run_cli_limited
from tests.standin import seed

KEY = "rg_test_hostile_4f9c2e1d"
CALL_ID = "call_xyz789"
API_PATH = f"/v1/calls/{CALL_ID}"
REC_PATH = f"/rec/{CALL_ID}.mp3"
FAST = HttpPolicy(backoff_initial=0.01, backoff_max=0.05, max_attempts=2, retry_budget=5)


def gzip_of_zeros(size: int) -> bytes:
    """`size` zero bytes, gzip-compressed without ever holding them all (about size/1000)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    parts.append(packer.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def double_bomb() -> bytes:
    """1 GiB of zeros, gzipped twice: under 2 KB on the wire."""
    bomb = gzip.compress(gzip_of_zeros(1 << 30), 9)
    assert len(bomb) < 2048
    return bomb


@pytest.fixture(scope="module")
def single_bomb() -> bytes:
    """100 MiB of zeros gzipped once (about 100 KB)."""
    return gzip_of_zeros(100 << 20)


def call_doc(recording_url: str) -> bytes:
    doc = seed.ringyo_doc_example()
    doc["recording_url"] = recording_url
    return json.dumps(doc).encode()


def stored_files(data_dir: Path) -> list[str]:
    return sorted(
        p.name
        for p in data_dir.rglob("*")
        if p.is_file() and p.suffix in (".mp3", ".wav", ".part", ".audio")
    )


def test_stacked_gzip_api_answer_is_refused_in_bounded_memory(
    tmp_path: Path, double_bomb: bytes
) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"}
    with HostileServer({API_PATH: Reply(double_bomb, headers)}) as server:
        result = run_cli_limited(
            str(tmp_path), "ringyo", server.base, KEY, ["fetch", "--account", "acct", CALL_ID]
        )
    assert result.returncode == 0, result.stderr[-2000:]  # the child did not die
    assert result.code == 1
    assert "compressed several times over (gzip, gzip)" in result.stderr
    assert "internal error" not in result.stderr
    assert result.rss_after_mib < 400, result  # the old code peaked at ~1 GB


def test_single_gzip_api_bomb_stops_at_the_cap_in_bounded_memory(
    tmp_path: Path, single_bomb: bytes
) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with HostileServer({API_PATH: Reply(single_bomb, headers)}) as server:
        result = run_cli_limited(
            str(tmp_path), "ringyo", server.base, KEY, ["fetch", "--account", "acct", CALL_ID]
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.code == 1
    assert "the response was larger than the 32 MiB limit" in result.stderr
    # Decoded in 1 MiB steps: the body stops at the 32 MiB cap (httpx inflated each 64 KB
    # network read to ~64 MB at once, ~150 MB growth in all).
    assert result.rss_growth_mib < 100, result
    assert result.rss_after_mib < 400, result  # the old code peaked at ~1 GB


@pytest.mark.parametrize("encoding", ["gzip, gzip", "gzip"])
def test_compressed_recording_is_refused_and_nothing_stored(
    tmp_path: Path, double_bomb: bytes, encoding: str
) -> None:
    routes = {
        REC_PATH: Reply(double_bomb, {"Content-Type": "audio/mpeg", "Content-Encoding": encoding}),
    }
    with HostileServer(routes) as server:
        server.routes[API_PATH] = Reply(
            call_doc(server.url(REC_PATH)), {"Content-Type": "text/json"}
        )
        result = run_cli_limited(
            str(tmp_path), "ringyo", server.base, KEY, ["fetch", "--account", "acct", CALL_ID]
        )
        asked = [r for r in server.requests if r.path == REC_PATH]
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"compressed ({encoding})" in result.stdout + result.stderr
    assert "asked for it uncompressed" in result.stdout + result.stderr
    assert asked and asked[0].headers.get("accept-encoding") == "identity"
    assert stored_files(tmp_path) == []
    assert result.rss_after_mib < 400, result  # the old code peaked at ~1 GB


# --- the decoder and the core, in process ----------------------------------------------------


def fetch_call(server: HostileServer, policy: HttpPolicy = FAST) -> Any:
    async def go() -> Any:
        client = RingyoClient(account_name="acme", api_key=KEY, base_url=server.base, policy=policy)
        try:
            return await client.get_call(CALL_ID)
        finally:
            await client.aclose()

    return asyncio.run(go())


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
        ("deflate", raw_deflate),  # raw, as many servers send it
        ("identity", lambda b: b),
        ("GZip", gzip.compress),
    ],
)
def test_honest_compressed_answers_still_decode(encoding: str, pack: Any) -> None:
    body = pack(call_doc("https://storage.example/x.mp3"))
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    with HostileServer({API_PATH: Reply(body, headers, chunk_size=7)}) as server:
        call = fetch_call(server)
        [seen] = server.requests
    assert call.call_id == CALL_ID
    assert seen.headers["accept-encoding"] == ACCEPT_ENCODING  # never br/zstd


@pytest.mark.parametrize(
    ("encoding", "needle"),
    [
        ("gzip, gzip", "compressed several times over"),
        ("deflate, gzip", "compressed several times over"),
        ("br", "'br', which CallReview did not ask for"),
        ("zstd", "'zstd', which CallReview did not ask for"),
        ("compress", "did not ask for"),
    ],
)
def test_stacked_and_unknown_encodings_are_refused(encoding: str, needle: str) -> None:
    body = gzip.compress(gzip.compress(b"{}"))
    with HostileServer({API_PATH: Reply(body, {"Content-Encoding": encoding})}) as server:
        with pytest.raises(SchemaError, match=needle):
            fetch_call(server)
        assert len(server.requests) == 1  # refused, not retried


def test_corrupt_and_truncated_gzip_are_clear_errors() -> None:
    whole = gzip.compress(call_doc("https://storage.example/x.mp3"))
    for body, needle in [(b"\x1f\x8bnot gzip at all", "corrupt"), (whole[:-12], "stopped")]:
        with HostileServer({API_PATH: Reply(body, {"Content-Encoding": "gzip"})}) as server:
            with pytest.raises(SchemaError, match=needle):
                fetch_call(server)


def test_cap_counts_decoded_bytes() -> None:
    body = gzip_of_zeros(8 << 20)
    policy = HttpPolicy(max_body_bytes=1 << 20, max_attempts=1)
    with HostileServer({API_PATH: Reply(body, {"Content-Encoding": "gzip"})}) as server:
        with pytest.raises(SchemaError, match="larger than the 1 MiB limit"):
            fetch_call(server, policy)


def pieces(decoder: BoundedDecoder, data: bytes) -> Iterator[bytes]:
    yield from decoder.feed(data)


def test_bounded_decoder_never_yields_more_than_a_step() -> None:
    step = 4096
    decoder = BoundedDecoder("gzip", step=step)
    bomb = gzip_of_zeros(1 << 20)
    sizes = [len(p) for p in pieces(decoder, bomb)]
    assert max(sizes) <= step
    assert sum(sizes) == 1 << 20
    decoder.finish()
    # The caller stops early: the rest is never inflated.
    lazy = BoundedDecoder("gzip", step=step).feed(bomb)
    assert len(next(lazy)) == step


def test_bounded_decoder_refusals() -> None:
    with pytest.raises(DecodeRefused, match="several times"):
        BoundedDecoder("gzip,gzip")
    with pytest.raises(DecodeRefused, match="did not ask for"):
        BoundedDecoder("br")
    assert BoundedDecoder("identity").coding is None
    assert BoundedDecoder(" identity , gzip ").coding == "gzip"
    assert list(BoundedDecoder(None, step=3).feed(b"abcdefg")) == [b"abc", b"def", b"g"]
