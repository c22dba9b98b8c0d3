"""Providers as data: the specs, the registry found from the folders, the shared base client."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import httpx
import pytest

import callreview.providers
from callreview.domain import Account, AuthError, ConfigError, SchemaError
from callreview.providers import catalog, make_client, map_raw_call
from callreview.providers.base import BaseProviderClient
from callreview.providers.catalog import PROVIDERS, discover, provider_info
from callreview.providers.http import HttpPolicy
from callreview.providers.spec import AuthScheme
from tests.standin import seed

FAST = HttpPolicy(backoff_initial=0.01, backoff_max=0.05, max_attempts=2, retry_budget=5)

# A provider written the way a new one would be: one folder, nothing registered elsewhere.
ACME_INIT = '''
"""Acme Voice: a provider that exists only in this test."""

from callreview.providers.spec import AuthScheme, ProviderSpec


def _client(options):
    from callreview.providers.acmevoice.client import AcmeClient

    return AcmeClient.from_options(options)


def _map_raw(raw, included):
    from callreview.providers.acmevoice.client import map_call

    return map_call(raw, included)


SPEC = ProviderSpec(
    name="acmevoice",
    label="Acme Voice",
    default_base_url="https://api.acme.test",
    auth=AuthScheme("X-Acme-Key", "Token"),
    client_factory=_client,
    map_raw=_map_raw,
    can_list_calls=False,
)
'''

ACME_CLIENT = '''
"""Acme Voice's client: only the path and the mapping are its own."""

from callreview.domain import Call, CallStatus
from callreview.providers.acmevoice import SPEC
from callreview.providers.base import BaseProviderClient


def map_call(raw, included=frozenset()):
    return Call(SPEC.name, raw["id"], CallStatus.ENDED, "done", included=included, raw=raw)


class AcmeClient(BaseProviderClient):
    spec = SPEC

    async def fetch_call(self, call_id):
        resp = await self._http.get_json(["calls", call_id], what=f"call '{call_id}'")
        return map_call(resp.data, frozenset({"transcript"}))
'''


@pytest.fixture
def acme_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A provider folder beside the real ones (on the package's search path), removed after."""
    folder = tmp_path / "acmevoice"
    folder.mkdir()
    (folder / "__init__.py").write_text(textwrap.dedent(ACME_INIT), encoding="utf-8")
    (folder / "client.py").write_text(textwrap.dedent(ACME_CLIENT), encoding="utf-8")
    monkeypatch.setattr(
        callreview.providers, "__path__", [*callreview.providers.__path__, str(tmp_path)]
    )
    importlib.invalidate_caches()
    yield folder
    for name in [n for n in sys.modules if n.startswith("callreview.providers.acmevoice")]:
        del sys.modules[name]


def test_registry_holds_the_provider_packages() -> None:
    assert list(PROVIDERS) == ["ringyo", "rounded"]
    for name, spec in PROVIDERS.items():
        assert spec.name == name
        assert spec.default_base_url.startswith("https://")
        assert spec.can_list_calls
    assert PROVIDERS["ringyo"].auth.headers("k3y") == {"Authorization": "Bearer k3y"}
    assert PROVIDERS["rounded"].auth.headers("k3y") == {"X-Api-Key": "k3y"}
    assert PROVIDERS["ringyo"].key_header == "Authorization"
    with pytest.raises(TypeError):
        PROVIDERS["x"] = PROVIDERS["ringyo"]  # type: ignore[index]


def test_unknown_provider_is_a_config_error_everywhere() -> None:
    # The old registry's `else` made every unknown name Rounded.
    with pytest.raises(ConfigError, match="knows: ringyo, rounded"):
        provider_info("vapi")
    with pytest.raises(ConfigError, match="Unknown provider 'vapi'"):
        map_raw_call("vapi", seed.rounded_doc_example_with_answers())
    with pytest.raises(ConfigError, match="Unknown provider"):
        make_client(Account("a", "vapi", "https://api.vapi.test"), "key_123456")


def test_map_raw_call_uses_each_providers_own_mapper() -> None:
    ringyo = map_raw_call("ringyo", seed.ringyo_doc_example(), frozenset({"transcript"}))
    rounded = map_raw_call("rounded", seed.rounded_doc_example_with_answers())
    assert (ringyo.provider, ringyo.call_id) == ("ringyo", "call_xyz789")
    assert ringyo.included == frozenset({"transcript"})
    assert rounded.provider == "rounded"


def test_importing_the_registry_loads_no_http_or_schema_code() -> None:
    code = (
        "import callreview.providers.catalog, callreview.providers.registry, sys; "
        "assert callreview.providers.catalog.PROVIDERS; "
        "assert 'httpx' not in sys.modules and 'pydantic' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('httpx', 'pydantic')))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("provider", "header", "value"),
    [("ringyo", "authorization", "Bearer secret_key_1"), ("rounded", "x-api-key", "secret_key_1")],
)
def test_each_client_sends_the_key_its_spec_says(provider: str, header: str, value: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={})

    async def go() -> None:
        client = make_client(
            Account("acme", provider, "https://api.example.test"),
            "secret_key_1",
            policy=FAST,
            transport=httpx.MockTransport(handler),
        )
        assert (client.provider, client.label) == (provider, PROVIDERS[provider].label)
        try:
            with pytest.raises(AuthError, match=PROVIDERS[provider].label):
                await client.check_auth()
        finally:
            await client.aclose()

    asyncio.run(go())
    assert seen[0].headers[header] == value
    assert seen[0].url.host == "api.example.test"


def test_adding_a_provider_is_adding_a_folder(
    acme_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = discover()
    assert list(specs) == ["acmevoice", "ringyo", "rounded"]
    acme = specs["acmevoice"]
    assert (acme.label, acme.key_header, acme.can_list_calls) == ("Acme Voice", "X-Acme-Key", False)
    monkeypatch.setattr(catalog, "PROVIDERS", MappingProxyType(specs))

    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        call_id = request.url.path.rsplit("/", 1)[-1]
        # One call ID answers with another call: the base client's echo check catches it.
        return httpx.Response(200, json={"id": "other" if call_id == "swapped" else call_id})

    async def go() -> None:
        client = make_client(
            Account("a", "acmevoice", ""),
            "acme_key_123",
            policy=FAST,
            transport=httpx.MockTransport(handler),
        )
        try:
            assert isinstance(client, BaseProviderClient)
            call = await client.get_call("c-1")
            assert (call.provider, call.call_id) == ("acmevoice", "c-1")
            with pytest.raises(SchemaError, match=r"Acme Voice answered .* with call 'other'"):
                await client.get_call("swapped")
            with pytest.raises(ConfigError, match="not a valid Acme Voice call ID"):
                await client.get_call("../admin")
            with pytest.raises(ConfigError, match="Acme Voice offers no list of calls"):
                await client.list_calls()
        finally:
            await client.aclose()

    asyncio.run(go())
    assert len(calls) == 2  # the hostile ID never left the machine
    assert str(calls[0].url) == "https://api.acme.test/calls/c-1"  # the spec's default base URL
    assert calls[0].headers["x-acme-key"] == "Token acme_key_123"
    stored = map_raw_call("acmevoice", {"id": "c-9"}, frozenset({"recording"}))
    assert (stored.call_id, stored.included) == ("c-9", frozenset({"recording"}))


def test_a_spec_must_carry_its_folders_name(acme_folder: Path) -> None:
    init = acme_folder / "__init__.py"
    init.write_text(init.read_text().replace('name="acmevoice"', 'name="acme"'))
    with pytest.raises(ValueError, match="must be its folder's name"):
        discover()


def test_a_folder_without_spec_is_not_a_provider(acme_folder: Path) -> None:
    (acme_folder / "__init__.py").write_text('"""Shared helpers, not a provider."""\n')
    assert list(discover()) == ["ringyo", "rounded"]


def test_the_base_client_rejects_a_cursor_that_does_not_advance() -> None:
    client = make_client(Account("a", "ringyo", ""), "key_123456")
    assert isinstance(client, BaseProviderClient)
    try:
        assert client.check_cursor("next", "prev") == "next"
        assert client.check_cursor("", "prev") is None
        with pytest.raises(SchemaError, match="Ringyo returned the same page cursor twice"):
            client.check_cursor("same", "same")
    finally:
        asyncio.run(client.aclose())


def test_auth_scheme_without_a_scheme_word_sends_the_bare_key() -> None:
    assert AuthScheme("X-Key").headers("abc") == {"X-Key": "abc"}
    assert AuthScheme("Authorization", "Bearer").headers("abc") == {"Authorization": "Bearer abc"}
