"""Client-side politeness: a token bucket per endpoint and a capped exponential backoff.

predb.ovh allows 30 requests / 60 s on `/` and 2 / 20 s on `/live`; connectors wait for a
token before each request instead of waiting to be told off with a 429.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `requests` per `per_seconds`, as documented by the server."""

    requests: int
    per_seconds: float


class TokenBucket:
    """Starts full; refills continuously so no window of `per_seconds` exceeds `requests`."""

    def __init__(self, limit: RateLimit) -> None:
        if limit.requests < 1 or limit.per_seconds <= 0:
            raise ValueError(f"rate limit must be positive, got {limit}")
        self.limit = limit
        self._sent: list[float] = []  # send times inside the current window
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one more request fits in every sliding window, then take the slot."""
        async with self._lock:
            while True:
                now = time.monotonic()
                horizon = now - self.limit.per_seconds
                self._sent = [t for t in self._sent if t > horizon]
                if len(self._sent) < self.limit.requests:
                    self._sent.append(now)
                    return
                # The margin absorbs the difference between our send time and the server's
                # receive time, so a request never lands just inside the server's window.
                margin = 0.05 * self.limit.per_seconds
                await asyncio.sleep(self._sent[0] - horizon + margin)

    def hold_until(self, seconds_from_now: float) -> None:
        """The server said Retry-After: treat the window as full for that long."""
        until = time.monotonic() + seconds_from_now - self.limit.per_seconds
        self._sent = [max(t, until) for t in self._sent] or [until]
        while len(self._sent) < self.limit.requests:
            self._sent.append(until)


class Backoff:
    """Capped exponential delays with jitter: base, 2·base, 4·base … up to `cap`."""

    def __init__(self, base_seconds: float = 0.5, cap_seconds: float = 30.0) -> None:
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.attempt = 0

    def next_delay(self) -> float:
        delay = min(self.cap_seconds, self.base_seconds * (2**self.attempt))
        self.attempt += 1
        # Jitter keeps many clients from reconnecting in lockstep after a server restart.
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self.attempt = 0

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())
