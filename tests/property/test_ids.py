"""Call IDs and refs: an accepted ID stays one URL path segment; refs read back what they write."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from callreview.domain import CallRef, ConfigError
from callreview.providers.base import check_call_id
from callreview.providers.catalog import PROVIDERS
from callreview.providers.http import ErrorInfo, HttpCore

BASE = "https://api.example.test/base"
DOCUMENTED = re.compile(r"[A-Za-z0-9._:~-]+")  # what the refusal message promises

# IDs that look like the real thing, IDs made of the documented characters, and anything.
plausible_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:~-]{0,40}", fullmatch=True)
# Without fullmatch, hypothesis also tries what `$` lets through (a trailing newline).
regex_ids = st.from_regex(r"^[A-Za-z0-9][A-Za-z0-9_.:~-]{0,199}$")
hostile = st.text(st.sampled_from("aZ9._:~-/\\?#%&=+ \t\n\r\x00é/.."), max_size=12)
anything = st.one_of(st.text(max_size=210), plausible_ids, hostile)


class Paths:
    """The real HTTP core, recording the URL of every request it sends."""

    def __init__(self) -> None:
        self.seen: list[httpx.URL] = []
        self.loop = asyncio.new_event_loop()
        self.core = HttpCore(
            provider_label="Example",
            account_name="acct",
            base_url=BASE,
            headers={"X-Api-Key": "key_0123456789"},
            parse_error=lambda status, data: ErrorInfo(),
            transport=httpx.MockTransport(self._answer),
        )

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url)
        return httpx.Response(200, json={})

    def url_for(self, call_id: str) -> httpx.URL:
        self.seen.clear()
        self.loop.run_until_complete(self.core.get_json(["v1", "calls", call_id]))
        (url,) = self.seen
        return url

    def close(self) -> None:
        self.loop.run_until_complete(self.core.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def paths() -> Iterator[Paths]:
    recorder = Paths()
    yield recorder
    recorder.close()


def accepted(value: Any) -> str | None:
    try:
        result = check_call_id(value, "Example")
    except ConfigError:
        return None
    assert result == value  # returned as given, never altered
    return result


@given(anything)
@example("..")
@example("a/../b")
@example("call_1?x=1#y")
@example("%2e%2e")
@example("call_1\n")
def test_an_accepted_id_is_one_path_segment_of_the_request(paths: Paths, value: str) -> None:
    call_id = accepted(value)
    if call_id is None:
        return
    url = paths.url_for(call_id)
    assert url.host == "api.example.test"
    assert url.query == b"" and url.fragment == ""
    segments = url.raw_path.decode("ascii").split("/")
    assert segments[:4] == ["", "base", "v1", "calls"] and len(segments) == 5
    assert segments[4] not in ("", ".", "..")
    assert not set("/?#") & set(segments[4])
    assert httpx.URL(f"https://h/{segments[4]}").path == f"/{call_id}"  # decodes to the ID


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text()), anything))
def test_anything_else_is_refused_with_config_error(value: object) -> None:
    try:
        check_call_id(value, "Example")  # type: ignore[arg-type]
    except ConfigError:
        return
    assert isinstance(value, str) and value


@given(plausible_ids)
def test_ids_of_the_documented_characters_are_accepted(call_id: str) -> None:
    if ".." in call_id:
        with pytest.raises(ConfigError):
            check_call_id(call_id, "Example")
    else:
        assert check_call_id(call_id, "Example") == call_id


@settings(report_multiple_bugs=False)
@given(st.one_of(regex_ids, anything))
@example("call_1\n")
def test_an_accepted_id_holds_only_the_documented_characters(value: str) -> None:
    call_id = accepted(value)
    assert call_id is None or DOCUMENTED.fullmatch(call_id)


# -- CallRef --------------------------------------------------------------------------------

providers = st.sampled_from(sorted(PROVIDERS))


@given(providers, plausible_ids)
def test_a_ref_of_a_valid_id_reads_back(provider: str, call_id: str) -> None:
    ref = CallRef(provider, call_id)
    assert CallRef.parse(str(ref)) == ref
    assert CallRef.parse(f"  {ref}\n") == ref


@settings(report_multiple_bugs=False)
@given(providers, regex_ids)
@example(sorted(PROVIDERS)[0], "call_1\n")
def test_a_ref_of_any_accepted_id_reads_back(provider: str, value: str) -> None:
    call_id = accepted(value)
    if call_id is not None:
        ref = CallRef(provider, call_id)
        assert CallRef.parse(str(ref)) == ref


@given(st.text(max_size=60))
@example("a:b:c")
@example(" : ")
def test_parse_of_any_text_is_a_ref_or_config_error(text: str) -> None:
    try:
        ref = CallRef.parse(text)
    except ConfigError:
        return
    assert ref.provider and ref.call_id and ":" not in ref.provider
    assert CallRef.parse(str(ref)) == ref
