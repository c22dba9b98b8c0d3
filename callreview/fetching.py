"""Fetch many calls concurrently through one account's client, reporting per-call outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from callreview.domain import CallReviewError
from callreview.domain.model import Call
from callreview.providers.base import ProviderClient


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    call_id: str
    call: Call | None = None
    error: CallReviewError | None = None


async def fetch_calls(
    client: ProviderClient,
    call_ids: Sequence[str],
    on_done: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """Fetch every ID at once (the client's own limit bounds concurrency); keep input order.

    Expected failures (our error tree) become outcomes; anything else is a bug and propagates.
    """

    async def one(call_id: str) -> FetchOutcome:
        try:
            outcome = FetchOutcome(call_id, call=await client.get_call(call_id))
        except CallReviewError as exc:
            outcome = FetchOutcome(call_id, error=exc)
        if on_done is not None:
            on_done(outcome)
        return outcome

    unique = list(dict.fromkeys(call_ids))
    return list(await asyncio.gather(*(one(cid) for cid in unique)))
