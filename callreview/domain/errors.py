"""CallReview's own error tree: every expected failure carries a message a person can act on."""

from __future__ import annotations


class CallReviewError(Exception):
    """Root of every expected error; `str(err)` is safe to show to a user."""


class ConfigError(CallReviewError):
    """A setting, account or argument is missing or invalid."""


class SecretStoreError(CallReviewError):
    """The OS keyring could not store or return an API key."""


class StorageError(CallReviewError):
    """The local library could not be read or written."""


class NotInLibraryError(StorageError):
    """The library has no such call (a ref typed by hand, or a call deleted meanwhile)."""

    def __init__(self, ref: object) -> None:
        # A CallRef reads as PROVIDER:CALL_ID; text the user typed is quoted as typed.
        shown = repr(ref) if isinstance(ref, str) else str(ref)
        super().__init__(f"The library has no call {shown}. See 'callreview calls list'.")
        self.ref = ref


class ExportError(CallReviewError):
    """An export could not be written."""


class ProviderError(CallReviewError):
    """A call platform's API did not give us what we asked for."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.code = code
        self.request_id = request_id


class AuthError(ProviderError):
    """The API key was rejected (401/403): the user must update it."""


class NotFoundError(ProviderError):
    """The call (or endpoint) does not exist for this account."""


class RateLimitedError(ProviderError):
    """The platform asked us to slow down (429) longer than we are willing to wait."""

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        provider: str = "",
        status: int | None = 429,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message, provider=provider, status=status, code=code, request_id=request_id
        )
        self.retry_after_s = retry_after_s


class UnavailableError(ProviderError):
    """The platform could not be reached or kept failing (5xx, timeouts, dropped connections)."""


class RequestRejectedError(ProviderError):
    """The platform refused the request as invalid (other 4xx)."""


class SchemaError(ProviderError):
    """The platform answered with something that is not the documented shape."""
