"""Token bucket and backoff: the client-side politeness every predb connector relies on."""

from __future__ import annotations

import asyncio
import time

import pytest

from scenescope.feeds.ratelimit import Backoff, RateLimit, TokenBucket


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=4.0)
    delays = [backoff.next_delay() for _ in range(7)]
    upper = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert all(0.8 * hi <= d <= hi for d, hi in zip(delays, upper, strict=True))
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_bucket_never_exceeds_its_limit_in_any_window() -> None:
    limit = RateLimit(3, 0.3)

    async def scenario() -> list[float]:
        bucket = TokenBucket(limit)
        stamps = []
        for _ in range(9):
            await bucket.acquire()
            stamps.append(time.monotonic())
        return stamps

    stamps = asyncio.run(scenario())
    for i in range(len(stamps) - limit.requests):
        # the (n+1)th request after any request is at least one window later
        assert stamps[i + limit.requests] - stamps[i] >= limit.per_seconds


def test_bucket_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        TokenBucket(RateLimit(0, 1.0))
