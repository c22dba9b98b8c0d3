"""Redaction of secrets (API keys, auth headers, presigned URL signatures) from any text: logs,
error messages, the library's stored JSON and exports all pass through it."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

# Query parameters that carry a credential: presigned URLs (S3 SigV4/V2, GCS, Azure SAS)
# and the generic ones. One list for redacting text and for scrubbing what is stored.
CREDENTIAL_PARAMS = (
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "signature",
    "sig",
    "x-goog-signature",
    "x-goog-credential",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
)
_PARAMS = "|".join(re.escape(name) for name in CREDENTIAL_PARAMS)
# The scheme words of an Authorization header; the credential after one is redacted too
# (a generic "any word" would let a scheme-less key through as if it were the scheme).
_SCHEMES = r"(?:bearer|basic|digest|token|apikey|negotiate)\s+"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Header dumps: "Authorization: Bearer abc", "Authorization: Basic abc", "'x-api-key': 'abc'"
    (
        re.compile(rf"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)({_SCHEMES})?[^\s'\",}}]+"),
        r"\1\2[REDACTED]",
    ),
    (re.compile(r"(?i)(x-api-key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"), r"\1[REDACTED]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer [REDACTED]"),
    # Presigned URL query parameters (S3 SigV4/V2, GCS, Azure SAS and the generic ones).
    (re.compile(rf"(?i)([?&](?:{_PARAMS})=)[^&#\s'\"]*"), r"\1[REDACTED]"),
    # user:password@ in URLs.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s'\"]+@"), r"\1[REDACTED]@"),
)


class Redactor:
    """Removes known secret values and secret-shaped substrings from text.

    Keys are registered when they are read from or written to the keyring, so even a key
    pasted into an odd place (an error body, a metadata field) is caught.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add_secret(self, value: str) -> None:
        # Very short values would redact ordinary words; real API keys are long.
        if value and len(value) >= 6:
            with self._lock:
                self._secrets.add(value)

    def add_known_secret(self, value: str) -> None:
        """A configured API key: redacted by value whatever its length (no minimum)."""
        if value:
            with self._lock:
                self._secrets.add(value)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "[REDACTED]")
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output (message, arguments, traceback) passes through redaction."""

    def __init__(self, redactor: Redactor, fmt: str | None = None) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.redact(super().format(record))


_PRESIGNED_HINT = re.compile(rf"(?i)[?&](?:{_PARAMS})=")


def scrub_presigned(value: object) -> object:
    """A copy of JSON data whose signed URLs lost their query string (the credential part).

    Used before anything is written to disk: the library keeps the provider's JSON, but a
    presigned URL in it would be a live credential for an hour.
    """
    # Iterative, so JSON of any depth (a hostile provider's) can't exhaust the stack.
    if not isinstance(value, dict | list):
        return _scrub_scalar(value)
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(root, value)]
    while stack:
        out, source = stack.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in pairs:
            copy: Any
            if isinstance(item, dict | list):
                copy = {} if isinstance(item, dict) else []
                stack.append((copy, item))
            else:
                copy = _scrub_scalar(item)
            if isinstance(out, dict):
                out[key] = copy
            else:
                out.append(copy)
    return root


def _scrub_scalar(value: object) -> object:
    if isinstance(value, str) and "://" in value and _PRESIGNED_HINT.search(value):
        return value.split("?", 1)[0]
    return value


def redact_url(url: str) -> str:
    """A URL safe to log or show: no query string, no user info."""
    text = str(url)
    base = text.split("?", 1)[0].split("#", 1)[0]
    redacted = _PATTERNS[-1][0].sub(_PATTERNS[-1][1], base)
    return redacted + ("?[…]" if "?" in text else "")
