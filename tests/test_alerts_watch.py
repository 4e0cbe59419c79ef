"""Alerts on the real watch path: a feed → Watcher → Store.apply → WatchAlerts (match,
find_leaks) → dispatcher → loopback webhook; PROPER and dupe recorded but not re-sent."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import test_alerts_support as support
from scenescope.alerts.dispatcher import RecordedAlert
from scenescope.alerts.queue import list_alerts
from scenescope.alerts.watch_hook import WatchAlerts
from scenescope.catalog import import_catalog
from scenescope.feeds.base import FeedHealth, HealthMeter
from scenescope.feeds.events import FeedEvent, PreReport
from scenescope.feeds.watch import Watcher
from scenescope.store import Store
from test_alerts_support import WebhookReceiver, config

webhook_receiver = support.webhook_receiver

TITLES = "title_id,kind,title,year,original_title,aliases,studio\nm1,movie,Dune,2021,,,Warner\n"
DATES = (
    "title_id,territory,window,date\n"
    "m1,US,theatrical,2021-10-22\nm1,US,digital,2021-12-20\nm1,US,physical,2022-01-11\n"
)
RULES = """
[sinks.soc]
kind = "webhook"
url = "{url}/signed"
secret = "loopback-shared-secret"

[rules.warner]
studios = ["warner"]
min_lead_days = 7
sinks = ["soc"]
"""


class QueueFeed:
    """A live feed whose frames the test pushes."""

    name = "test-feed"

    def __init__(self) -> None:
        self.frames: asyncio.Queue[FeedEvent] = asyncio.Queue()
        self.meter = HealthMeter(self.name)

    async def events(self) -> AsyncIterator[FeedEvent]:
        self.meter.connected = True
        while True:
            event = await self.frames.get()
            self.meter.frame()
            yield event

    def health(self) -> FeedHealth:
        return self.meter.snapshot()


def pre(name: str, day: dt.date) -> PreReport:
    at = dt.datetime.combine(day, dt.time(3, 0), tzinfo=dt.UTC)
    return PreReport(name=name, pre_at=at, feed="test-feed")


def test_watch_sends_one_alert_per_leak_and_records_proper_and_dupe(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    (tmp_path / "titles.csv").write_text(TITLES, encoding="utf-8")
    (tmp_path / "release_dates.csv").write_text(DATES, encoding="utf-8")
    recorded: list[RecordedAlert] = []
    changed = threading.Condition()

    def on_recorded(batch: list[RecordedAlert]) -> None:
        with changed:
            recorded.extend(batch)
            changed.notify_all()

    def wait_recorded(count: int) -> bool:
        with changed:
            return changed.wait_for(lambda: len(recorded) >= count, timeout=20)

    with Store.open(tmp_path / "store.duckdb") as store:
        import_catalog(store, [tmp_path / "titles.csv", tmp_path / "release_dates.csv"])
        rules = config(RULES, url=webhook_receiver.url)
        feed = QueueFeed()

        async def scenario() -> None:
            with WatchAlerts(store, rules, on_recorded=on_recorded) as alerts:
                watcher = Watcher([feed], store, on_applied=alerts.on_applied)
                running = asyncio.create_task(watcher.run())
                day = dt.date(2021, 12, 28)
                feed.frames.put_nowait(pre("Dune.2021.1080p.BluRay.x264-GRP", day))
                feed.frames.put_nowait(
                    pre("Dune.2021.2160p.WEB-DL.DDP5.1.x265-NOGRP", dt.date(2021, 12, 10))
                )
                await asyncio.to_thread(webhook_receiver.wait_for, 2)
                feed.frames.put_nowait(pre("Dune.2021.PROPER.1080p.BluRay.x264-FIX", day))
                feed.frames.put_nowait(pre("Dune.2021.720p.BluRay.x264-GRP", day))
                # not a leak: pred after the physical street date
                feed.frames.put_nowait(pre("Dune.2021.1080p.BluRay.x264-LATE", dt.date(2022, 2, 1)))
                assert await asyncio.to_thread(wait_recorded, 4)
                assert await asyncio.to_thread(alerts.dispatcher.wait_until_settled, 20)
                watcher.stop()
                await running

        asyncio.run(scenario())
        stored = list_alerts(store.connection)
    bodies = [r.json() for r in webhook_receiver.received]
    assert all(r.signature_ok for r in webhook_receiver.received)
    assert sorted(b["leak"]["release_name"] for b in bodies) == [
        "Dune.2021.1080p.BluRay.x264-GRP",
        "Dune.2021.2160p.WEB-DL.DDP5.1.x265-NOGRP",
    ]
    assert {b["leak"]["source_class"] for b in bodies} == {"retail-disc", "web"}
    reasons = {a["release_name"]: (a["reason"], a["suppressed"]) for a in stored}
    assert reasons["Dune.2021.PROPER.1080p.BluRay.x264-FIX"] == ("proper", True)
    assert reasons["Dune.2021.720p.BluRay.x264-GRP"] == ("dupe", True)
    assert "Dune.2021.1080p.BluRay.x264-LATE" not in reasons
    delivered = [d for a in stored for d in a["deliveries"]]
    assert [d["status"] for d in delivered] == ["delivered", "delivered"]
