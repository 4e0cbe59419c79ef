"""The one small protocol every live connector implements, and its health snapshot.

A feed is an async iterator of FeedEvent (PreReport / NukeEvent / Reject) plus `health()`;
`watch` runs several of them together and never needs to know which kind it has.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from scenescope.feeds.events import FeedEvent


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """A point-in-time view of one feed: is it up, how late, how busy, how many errors."""

    feed: str
    connected: bool
    frames: int  # frames / lines / rows received since start
    frames_per_second: float  # over the last few seconds
    errors: int  # rejects, protocol errors, failed connects
    reconnects: int
    lag_seconds: float | None  # now - pre time of the newest event, None before the first
    last_frame_at: dt.datetime | None

    def to_dict(self) -> dict[str, object]:
        return {
            "feed": self.feed,
            "connected": self.connected,
            "frames": self.frames,
            "frames_per_second": round(self.frames_per_second, 2),
            "errors": self.errors,
            "reconnects": self.reconnects,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "last_frame_at": self.last_frame_at.isoformat() if self.last_frame_at else None,
        }


@runtime_checkable
class Feed(Protocol):
    """A live source of normalized events."""

    name: str

    def events(self) -> AsyncIterator[FeedEvent]:
        """Yield events until cancelled (live feeds) or exhausted (backfills)."""
        ...

    def health(self) -> FeedHealth:
        """A snapshot of connection state and counters."""
        ...


class HealthMeter:
    """The mutable counters behind `FeedHealth`; each connector owns one."""

    RATE_WINDOW_SECONDS = 5.0

    def __init__(self, feed: str) -> None:
        self.feed = feed
        self.connected = False
        self.frames = 0
        self.errors = 0
        self.reconnects = 0
        self.lag_seconds: float | None = None
        self.last_frame_at: dt.datetime | None = None
        self._recent: deque[float] = deque()

    def frame(self, event_time: dt.datetime | None = None) -> None:
        """Count one received frame; `event_time` (the pre/nuke time) feeds the lag figure."""
        now = dt.datetime.now(dt.UTC)
        self.frames += 1
        self.last_frame_at = now
        if event_time is not None:
            self.lag_seconds = max(0.0, (now - event_time).total_seconds())
        mono = time.monotonic()
        self._recent.append(mono)
        self._trim(mono)

    def error(self) -> None:
        self.errors += 1

    def _trim(self, mono: float) -> None:
        while self._recent and self._recent[0] < mono - self.RATE_WINDOW_SECONDS:
            self._recent.popleft()

    def snapshot(self) -> FeedHealth:
        mono = time.monotonic()
        self._trim(mono)
        return FeedHealth(
            feed=self.feed,
            connected=self.connected,
            frames=self.frames,
            frames_per_second=len(self._recent) / self.RATE_WINDOW_SECONDS,
            errors=self.errors,
            reconnects=self.reconnects,
            lag_seconds=self.lag_seconds,
            last_frame_at=self.last_frame_at,
        )
