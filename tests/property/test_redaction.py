"""Redaction: a registered secret, an auth header's value or a URL's signature never survives."""

from __future__ import annotations

import logging
import string
import sys

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from callreview.redaction import RedactingFormatter, Redactor, redact_url, scrub_presigned

# Building presigned URLs is the slow part of this file: fewer of those examples.
URL_EXAMPLES = settings(max_examples=150)
MARKERS = "Bearer [REDACTED]"  # what redaction writes; a "secret" inside it is not one
MIN_SECRET = 6  # Redactor.add_secret ignores shorter values (they would hide ordinary words)

# API keys, tokens and signatures: letters, digits and the URL-safe/base64 punctuation.
KEY_CHARS = string.ascii_letters + string.digits + "_-.~+/="
keys = st.text(st.sampled_from(KEY_CHARS), min_size=MIN_SECRET, max_size=48).filter(
    lambda k: k not in MARKERS and "bearer" not in k.lower()
)
surrounding = st.text(max_size=80)


def any_case(word: str) -> st.SearchStrategy[str]:
    flips = st.lists(st.booleans(), min_size=len(word), max_size=len(word))
    return flips.map(
        lambda fs: "".join(c.upper() if f else c.lower() for c, f in zip(word, fs, strict=True))
    )


# -- registered secrets ---------------------------------------------------------------------


@given(st.lists(keys, min_size=1, max_size=3), st.lists(surrounding, min_size=1, max_size=4))
@example(["aaaaaa"], ["aaaaaaa", "a"])  # overlapping repeats of the secret
@example(["abcdef", "defghi"], ["", "abcdefghi"])  # two secrets sharing characters
def test_a_registered_secret_never_survives(secrets: list[str], texts: list[str]) -> None:
    redactor = Redactor()
    for secret in secrets:
        redactor.add_secret(secret)
    # Each secret at least once, between and around arbitrary text.
    text = "".join(t + secrets[i % len(secrets)] for i, t in enumerate(texts)) + texts[0]
    out = redactor.redact(text)
    for secret in secrets:
        assert secret not in out


@given(st.text(max_size=MIN_SECRET - 1), surrounding)
def test_values_shorter_than_the_minimum_are_not_registered(short: str, text: str) -> None:
    redactor = Redactor()
    redactor.add_secret(short)
    assert redactor.redact(text + short + text) == Redactor().redact(text + short + text)


@given(keys, surrounding, surrounding)
def test_a_logged_secret_never_reaches_the_log(secret: str, message: str, extra: str) -> None:
    redactor = Redactor()
    redactor.add_secret(secret)
    formatter = RedactingFormatter(redactor, "%(message)s")
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "%s %s %r", (message, secret, {"k": secret}), exc_info
    )
    record.stack_info = extra + secret
    assert secret not in formatter.format(record)


# -- header values, registered or not -------------------------------------------------------

HEADER_FORMS = (
    "{name}: {value}",  # an HTTP dump
    "{name}:{value}",
    "'{name}': '{value}'",  # a Python dict's repr
    '"{name}": "{value}"',  # JSON
    "{name}={value}",  # key=value logs
)


def header_dump(form: str, name: str, scheme: str | None, value: str) -> str:
    return form.format(name=name, value=f"{scheme} {value}" if scheme else value)


header_values = keys.filter(lambda v: not v.startswith(("=", "'", '"')))


def no_header_names(text: str) -> bool:
    lowered = text.lower()
    return "authorization" not in lowered and "x-api-key" not in lowered


@given(
    st.sampled_from(HEADER_FORMS),
    st.one_of(
        st.tuples(any_case("authorization"), st.sampled_from([None, "Bearer", "bearer"])),
        st.tuples(any_case("x-api-key"), st.none()),
    ),
    header_values,
    surrounding.filter(no_header_names),
    surrounding,
)
@example("{name}: {value}", ("Authorization", "Bearer"), "sk_live_abc", "GET /v1 ", " next")
@example("'{name}': '{value}'", ("x-api-key", None), "rnd_0123456789", "{", "}")
def test_an_auth_header_value_is_removed(
    form: str, header: tuple[str, str | None], value: str, before: str, after: str
) -> None:
    name, scheme = header
    assume(value not in before + after and value not in name)
    text = f"{before}\n{header_dump(form, name, scheme, value)}\n{after}"
    assert value not in Redactor().redact(text)


@settings(report_multiple_bugs=False)
@given(
    st.sampled_from(HEADER_FORMS),
    any_case("authorization"),
    st.sampled_from(["Basic", "Token", "ApiKey", "Digest", "Bearer"]),
    header_values,
)
@example("{name}: {value}", "Authorization", "Basic", "dXNlcjpwYXNz")
def test_an_authorization_value_after_any_scheme_is_removed(
    form: str, name: str, scheme: str, value: str
) -> None:
    assume(value not in name + scheme)
    assert value not in Redactor().redact(header_dump(form, name, scheme, value))


# -- presigned URLs -------------------------------------------------------------------------

# The query parameters that carry a credential (S3 SigV4/V2, GCS, Azure SAS, generic tokens).
SECRET_PARAMS = (
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "Signature",
    "sig",
    "X-Goog-Signature",
    "X-Goog-Credential",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
)
PLAIN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Date", "X-Amz-Expires", "se", "sp", "response-type")
URL_VALUE_CHARS = string.ascii_letters + string.digits + "%-._~+/="
url_values = st.text(st.sampled_from(URL_VALUE_CHARS), min_size=12, max_size=64)
plain_values = st.text(st.sampled_from(string.ascii_lowercase + string.digits), max_size=10)
hosts = st.sampled_from(
    ["bucket.s3.amazonaws.com", "storage.googleapis.com", "x.blob.core.windows.net"]
)
paths = st.lists(st.text(st.sampled_from(string.ascii_lowercase + "-_."), max_size=8), max_size=3)


@st.composite
def presigned_urls(
    draw: st.DrawFn, names: tuple[str, ...] = SECRET_PARAMS
) -> tuple[str, list[str]]:
    """A URL with at least one of the credential parameters `names`, in any order and case;
    the URL and the credentials' values."""
    secret = draw(st.lists(st.tuples(st.sampled_from(names), url_values), min_size=1, max_size=4))
    plain = draw(st.lists(st.tuples(st.sampled_from(PLAIN_PARAMS), plain_values), max_size=4))
    params = draw(st.permutations([*secret, *plain]))
    cased = [(draw(any_case(n)), v) for n, v in params]
    query = "&".join(f"{n}={v}" for n, v in cased)
    fragment = draw(st.sampled_from(["", "#t=10"]))
    url = f"https://{draw(hosts)}/{'/'.join(draw(paths))}?{query}{fragment}"
    return url, [v for _, v in secret]


@URL_EXAMPLES
@given(
    presigned_urls(), st.sampled_from(["{}", "url={}", '"{}"', "'{}'", "({})", "<{}>"]), surrounding
)
def test_a_presigned_url_loses_its_credentials(
    presigned: tuple[str, list[str]], wrapper: str, before: str
) -> None:
    url, secrets = presigned
    out = Redactor().redact(f"{before} {wrapper.format(url)}\n")
    for secret in secrets:
        assume(secret not in before and url.count(secret) == 1)
        assert secret not in out


@URL_EXAMPLES
@given(presigned_urls(), st.sampled_from(["", "user:pa%40ss@", "token@"]))
def test_redact_url_keeps_neither_query_nor_user_info(
    presigned: tuple[str, list[str]], userinfo: str
) -> None:
    url, secrets = presigned
    url = url.replace("https://", f"https://{userinfo}", 1)
    out = redact_url(url)
    assert "=" not in out and "#" not in out
    assert out.endswith("?[…]") and "pa%40ss" not in out
    for secret in secrets:
        assume(url.count(secret) == 1)
        assert secret not in out


# JSON as a provider sends it, with presigned URLs somewhere inside.
def json_with(urls: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10), urls)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )


def strings_in(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [value] if isinstance(value, str) else []


SIGNED = ("X-Amz-Signature", "X-Amz-Credential", "Signature", "sig", "X-Goog-Signature", "token")


@URL_EXAMPLES
@given(json_with(presigned_urls(SIGNED).map(lambda p: p[0])))
def test_scrub_presigned_drops_the_query_of_every_signed_url(data: object) -> None:
    scrubbed = scrub_presigned(data)
    for text in strings_in(scrubbed):
        assert not ("://" in text and "?" in text), text


@settings(report_multiple_bugs=False)
@given(json_with(presigned_urls().map(lambda p: p[0])))
@example({"recording_url": "https://cdn.example/rec.wav?access_token=abcdefabcdef1234"})
def test_scrub_presigned_drops_every_url_the_redactor_treats_as_a_credential(
    data: object,
) -> None:
    for text in strings_in(scrub_presigned(data)):
        assert not ("://" in text and "?" in text), text
