"""predb.ovh live websocket (`predb+wss://HOST/api/v1/ws`): every frame becomes events.

All eight actions apply (conversion in predb_ovh_rows); `delete` is recorded as a delpre
from this feed, so the release's history keeps it. On a dropped connection it reconnects with
capped exponential backoff, then closes the gap with `/live` (and older `/` pages if the gap
was long), so no pre published meanwhile is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator

import websockets
from websockets.asyncio.client import connect

from scenescope.feeds.base import FeedHealth, HealthMeter
from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport, Reject
from scenescope.feeds.predb_ovh_rows import frame_events, release_events_or_reject
from scenescope.feeds.predb_rest import PredbError, PredbLimits, PredbRestClient, feed_label
from scenescope.feeds.ratelimit import Backoff

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4 * 1024 * 1024
GAP_FILL_MAX_PAGES = 20  # beyond this the gap is a backfill job, not a reconnect
GAP_SAFETY = dt.timedelta(minutes=5)  # pre times from feeds jitter; re-read a little more


def websocket_url(url: str) -> str:
    """`predb+wss://host/api/v1/ws` → `wss://host/api/v1/ws` (adds `/ws` if missing)."""
    for prefix, scheme in (("predb+wss://", "wss://"), ("predb+ws://", "ws://")):
        if url.startswith(prefix):
            rest = url[len(prefix) :].rstrip("/")
            return f"{scheme}{rest if rest.endswith('/ws') else rest + '/ws'}"
    raise ValueError(f"not a predb websocket URL (predb+wss://HOST/api/v1/ws): {url!r}")


class PredbWebsocketFeed:
    """Live frames from predb.ovh, with reconnect and `/live` gap-fill."""

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        limits: PredbLimits | None = None,
        backoff_base_seconds: float = 0.5,
        backoff_cap_seconds: float = 30.0,
    ) -> None:
        self.url = url
        self.ws_url = websocket_url(url)
        self.name = name or feed_label(url, "ws")
        self.meter = HealthMeter(self.name)
        self.rest = PredbRestClient(url, limits=limits, meter=self.meter)
        self.backoff = Backoff(backoff_base_seconds, backoff_cap_seconds)
        self.gap_fills = 0
        self._newest_pre_at: dt.datetime | None = None

    def health(self) -> FeedHealth:
        return self.meter.snapshot()

    async def events(self) -> AsyncIterator[FeedEvent]:
        connected_before = False
        try:
            while True:
                try:
                    # A short close_timeout: when watch stops, unread frames can keep the
                    # server's close frame from being read, and waiting 10 s gains nothing.
                    async with connect(
                        self.ws_url,
                        max_size=MAX_FRAME_BYTES,
                        compression=None,
                        open_timeout=10,
                        close_timeout=1,
                    ) as ws:
                        self.meter.connected = True
                        self.backoff.reset()
                        if connected_before:
                            async for event in self._gap_fill():
                                yield event
                        connected_before = True
                        async for message in ws:
                            for event in self._convert(message):
                                yield event
                except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
                    self.meter.error()
                    log.warning("%s: websocket %s: %s", self.name, self.ws_url, exc)
                # A clean close by the server is a disconnect too: the feed is meant to run forever.
                self.meter.connected = False
                self.meter.reconnects += 1
                await self.backoff.wait()
        finally:
            self.meter.connected = False
            await self.rest.aclose()

    def _convert(self, message: str | bytes) -> list[FeedEvent]:
        events = frame_events(message, feed=self.name, source=self.ws_url)
        for event in events:
            if isinstance(event, Reject):
                self.meter.error()
                self.meter.frame()
                log.warning("%s: frame quarantined: %s", self.name, event.reason[:200])
                continue
            at = event.pre_at if isinstance(event, PreReport) else event.at
            self.meter.frame(at)
            if isinstance(event, PreReport) and (
                self._newest_pre_at is None or event.pre_at > self._newest_pre_at
            ):
                self._newest_pre_at = event.pre_at
        return events

    async def _gap_fill(self) -> AsyncIterator[FeedEvent]:
        """Re-read what may have been published while we were away: `/live`, then older pages
        until they reach back past the newest pre we had seen."""
        self.gap_fills += 1
        horizon = None if self._newest_pre_at is None else self._newest_pre_at - GAP_SAFETY
        try:
            page = await self.rest.live()
            rows = page.rows
            covered = self._covers(rows, horizon)
            page_number = 1
            while not covered and page_number <= GAP_FILL_MAX_PAGES:
                more = await self.rest.search("", page_number)
                rows = rows + more.rows
                covered = self._covers(more.rows, horizon) or len(more.rows) == 0
                page_number += 1
        except PredbError as exc:
            self.meter.error()
            log.warning("%s: gap-fill after reconnect failed: %s", self.name, exc)
            return
        seen_at = dt.datetime.now(dt.UTC)
        for row in rows:
            for event in release_events_or_reject(
                row, feed=self.name, seen_at=seen_at, source=f"{self.rest.base_url}live"
            ):
                if isinstance(event, Reject):
                    self.meter.error()
                elif isinstance(event, NukeEvent | PreReport):
                    self.meter.frame(event.pre_at if isinstance(event, PreReport) else event.at)
                yield event

    @staticmethod
    def _covers(rows: list[object], horizon: dt.datetime | None) -> bool:
        """True when `rows` (newest first) reach back to `horizon` or are the whole history."""
        if horizon is None:
            return True
        for row in rows:
            pre_at = row.get("preAt") if isinstance(row, dict) else None
            if (
                isinstance(pre_at, int | float)
                and not isinstance(pre_at, bool)
                and dt.datetime.fromtimestamp(pre_at, dt.UTC) <= horizon
            ):
                return True
        return False
