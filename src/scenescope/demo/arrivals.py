"""What reached the store through each connector of the demo's ingest — the world's dump (files),
the REST backfill, the websocket and the IRC announce channel: events, releases and lag — and
the adapter that puts an announce channel's arrival stamps on the replay's simulated clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scenescope.feeds.base import Feed, FeedHealth
from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport, Reject

CONNECTOR_LABELS = {"files": "files", "rest": "REST", "websocket": "websocket", "irc": "IRC"}


@dataclass(frozen=True, slots=True)
class ConnectorArrival:
    """One connector's share of the ingest."""

    connector: str  # "files", "rest", "websocket", "irc"
    feed: str  # its provenance label in the store's pre reports
    carried: str  # what it carried, for people
    events: int  # events stored from it
    pres: int
    nukes: int
    releases: int  # distinct releases it reported
    sent: int | None = None  # events the server published through this path
    lag_ms_p50: float | None = None  # the server sending a pre → its report in the store
    lag_ms_p99: float | None = None
    seconds: float | None = None
    skipped: str | None = None  # why it did not run

    @property
    def label(self) -> str:
        return CONNECTOR_LABELS.get(self.connector, self.connector)

    def line(self) -> str:
        if self.skipped is not None:
            return f"{self.label:<9} skipped: {self.skipped}"
        sent = "" if self.sent is None else f" of {self.sent:,} sent"
        lag = (
            ""
            if self.lag_ms_p50 is None
            else f", lag p50 {self.lag_ms_p50:.0f} ms / p99 {self.lag_ms_p99:.0f} ms"
        )
        took = "" if self.seconds is None else f" in {self.seconds:.1f} s"
        return (
            f"{self.label:<9} {self.events:,} events{sent} ({self.pres:,} pres, "
            f"{self.nukes:,} nukes), {self.releases:,} releases{took}{lag} — {self.carried}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "feed": self.feed,
            "carried": self.carried,
            "events": self.events,
            "pres": self.pres,
            "nukes": self.nukes,
            "releases": self.releases,
            "sent": self.sent,
            "lag_ms_p50": rounded(self.lag_ms_p50),
            "lag_ms_p99": rounded(self.lag_ms_p99),
            "seconds": rounded(self.seconds, 2),
            "skipped": self.skipped,
        }


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


class FeedTally:
    """Counts one live feed's committed events and the lag of its pres: from the moment the
    server sent the pre (`sent_at(name)`, a `time.time()`) to the batch's commit."""

    def __init__(self, connector: str, feed: str, carried: str, sent: int) -> None:
        self.connector, self.feed, self.carried, self.sent = connector, feed, carried, sent
        self.events = self.pres = self.nukes = 0
        self.lags_ms: list[float] = []
        self._arrived: set[str] = set()

    def count(self, event: FeedEvent, committed_at: float, sent_at: float | None) -> None:
        self.events += 1
        if isinstance(event, PreReport):
            self.pres += 1
            # the pre's own arrival only: later frames repeat its row (update, nuke)
            if sent_at is not None and event.name not in self._arrived:
                self._arrived.add(event.name)
                self.lags_ms.append(max(0.0, committed_at - sent_at) * 1000.0)
        elif isinstance(event, NukeEvent):
            self.nukes += 1

    def arrival(self, releases: int, seconds: float | None) -> ConnectorArrival:
        lags = sorted(self.lags_ms)
        return ConnectorArrival(
            connector=self.connector,
            feed=self.feed,
            carried=self.carried,
            events=self.events,
            pres=self.pres,
            nukes=self.nukes,
            releases=releases,
            sent=self.sent,
            lag_ms_p50=percentile(lags, 0.50),
            lag_ms_p99=percentile(lags, 0.99),
            seconds=seconds,
        )


def event_feed(event: FeedEvent) -> str:
    """The feed an event came from (a reject names its source, which starts with it)."""
    return event.source if isinstance(event, Reject) else event.feed


class ReplayClockFeed:
    """An announce channel read by the real IRC connector, with the times it stamps on arrival
    moved onto the replay's simulated clock.

    Announce lines carry no time: the connector stamps a pre (or nuke) with the moment the
    line reached it, which is right for a live network. A replay runs the world's clock at
    thousands of times real time, so the arrival is converted to the simulated time then
    (`to_sim`) — otherwise the store would hold 2020's pres reported again today. When the
    line was received (`seen_at`) stays the wall clock, as for every other feed.
    """

    def __init__(self, feed: Feed, to_sim: Callable[[dt.datetime], dt.datetime]) -> None:
        self.feed = feed
        self.name = feed.name
        self.to_sim = to_sim

    def health(self) -> FeedHealth:
        return self.feed.health()

    async def events(self) -> AsyncIterator[FeedEvent]:
        async for event in self.feed.events():
            if isinstance(event, PreReport):
                yield replace(event, pre_at=self.to_sim(event.pre_at))
            elif isinstance(event, NukeEvent):
                yield replace(event, at=self.to_sim(event.at))
            else:
                yield event
