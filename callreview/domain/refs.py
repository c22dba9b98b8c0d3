"""`CallRef`: which call, as one value (a provider and its call ID), instead of pairs of strings."""

from __future__ import annotations

from dataclasses import dataclass

from callreview.domain.errors import ConfigError


@dataclass(frozen=True, slots=True, order=True)
class CallRef:
    """A call's identity across the app: the provider's name and the provider's call ID.

    `str(ref)` is the `PROVIDER:CALL_ID` form the command line and messages use; `parse`
    reads it back. Ordered (provider, then call ID) so lists of refs sort predictably.
    """

    provider: str
    call_id: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.call_id}"

    @classmethod
    def parse(cls, text: str) -> CallRef:
        """`PROVIDER:CALL_ID` → CallRef; the call ID may itself contain colons.

        Raises ConfigError for text without a provider or a call ID (a bare call ID is
        not a ref: the library's `resolve` looks those up).
        """
        provider, sep, call_id = text.strip().partition(":")
        if not sep or not provider or not call_id:
            raise ConfigError(
                f"{text!r} does not name a call; write PROVIDER:CALL_ID "
                "(as 'callreview calls list' shows them)."
            )
        return cls(provider, call_id)
