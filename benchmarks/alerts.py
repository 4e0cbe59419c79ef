"""Alert latency on the watch path: pre arrives → webhook received, p50 / p99.

A loopback feed pushes pres (paced) into the real `Watcher`, which writes them with
`Store.apply`; `WatchAlerts` matches each batch to the catalog, runs
`find_leaks(release_ids=...)` and queues alerts; the dispatcher POSTs signed JSON to a loopback
HTTP receiver that verifies the signature and notes the arrival time. Every pre is a leak
of its own title, so each gives one alert. The peer, measured in the same run against the
same receiver, is a bare signed POST of the same body (the floor of any delivery).

    .venv/bin/python benchmarks/alerts.py --alerts 300 --rate 50
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scenescope.alerts.dispatcher import RecordedAlert
from scenescope.alerts.message import Alert
from scenescope.alerts.rules import parse_config
from scenescope.alerts.sinks.webhook import SIGNATURE_HEADER, sign, verify, webhook_body
from scenescope.alerts.watch_hook import WatchAlerts
from scenescope.catalog import import_catalog
from scenescope.feeds.base import FeedHealth, HealthMeter
from scenescope.feeds.events import FeedEvent, PreReport
from scenescope.feeds.watch import Watcher
from scenescope.store import Store

SECRET = "bench-secret"
WORDS = [
    "amber",
    "falcon",
    "harbor",
    "winter",
    "silent",
    "copper",
    "orchid",
    "meridian",
    "hollow",
    "crimson",
    "velvet",
    "atlas",
    "northern",
    "ember",
    "glass",
    "river",
    "saffron",
    "quiet",
    "iron",
    "willow",
    "cobalt",
    "lantern",
    "marble",
    "tundra",
]
STREET_DATE = dt.date.today() + dt.timedelta(days=14)


def title_of(i: int) -> str:
    n = len(WORDS)
    return " ".join(w.capitalize() for w in (WORDS[i % n], WORDS[(i // n) % n], WORDS[i // n**2]))


class Receiver:
    """Loopback webhook receiver: verifies signatures, notes when each release arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.bad_signatures = 0
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.perf_counter()
                ok = verify(SECRET, body, self.headers.get(SIGNATURE_HEADER))
                name = json.loads(body)["leak"]["release_name"]
                with receiver.changed:
                    receiver.arrived.setdefault(name, now)
                    receiver.bad_signatures += not ok
                    receiver.changed.notify_all()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.arrived) >= count, timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class PacedFeed:
    """Pushes pres at a steady rate, noting when each one 'arrived' (was handed to watch)."""

    name = "bench-feed"

    def __init__(self, pres: list[PreReport], rate_per_second: float) -> None:
        self.pres = pres
        self.interval = 1.0 / rate_per_second
        self.sent_at: dict[str, float] = {}
        self.meter = HealthMeter(self.name)

    async def events(self) -> AsyncIterator[FeedEvent]:
        self.meter.connected = True
        start = time.perf_counter()
        for i, report in enumerate(self.pres):
            delay = start + i * self.interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.sent_at[report.name] = time.perf_counter()
            self.meter.frame()
            yield report
        await asyncio.Event().wait()  # a live feed stays open until watch stops

    def health(self) -> FeedHealth:
        return self.meter.snapshot()


def write_catalog(folder: Path, count: int) -> list[Path]:
    titles = ["title_id,kind,title,year,original_title,aliases,studio"]
    dates = ["title_id,territory,window,date"]
    for i in range(count):
        titles.append(f"b{i},movie,{title_of(i)},2024,,,Bench Studio")
        dates.append(f"b{i},US,physical,{STREET_DATE.isoformat()}")
    paths = [folder / "titles.csv", folder / "release_dates.csv"]
    for path, lines in zip(paths, (titles, dates), strict=True):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Stages:
    """When each release was committed by the watch and recorded as an alert."""

    def __init__(self) -> None:
        self.committed: dict[str, float] = {}
        self.recorded: dict[str, float] = {}

    def on_recorded(self, alerts: list[RecordedAlert]) -> None:
        now = time.perf_counter()
        for alert in alerts:
            self.recorded.setdefault(alert.release_name, now)


async def run_pipeline(
    store: Store, config: Any, feed: PacedFeed, receiver: Receiver, stages: Stages
) -> None:
    with WatchAlerts(store, config, on_recorded=stages.on_recorded) as alerts:

        def on_applied(batch: Sequence[FeedEvent], committed_at: float) -> None:
            now = time.perf_counter()
            for event in batch:
                stages.committed.setdefault(getattr(event, "name", ""), now)
            alerts.on_applied(batch, committed_at)

        watcher = Watcher([feed], store, on_applied=on_applied)
        running = asyncio.create_task(watcher.run())
        got_all = await asyncio.to_thread(receiver.wait_for, len(feed.pres), 60.0)
        watcher.stop()
        await running
        if not got_all:
            print(f"warning: only {len(receiver.arrived)} of {len(feed.pres)} alerts arrived")


def bare_post_latencies(url: str, count: int) -> list[float]:
    """The peer: the same signed body POSTed straight to the receiver, one at a time."""
    import httpx

    from scenescope.analysis.records import Leak

    out = []
    with httpx.Client() as client:
        for i in range(count):
            leak = Leak(f"Bare.{i}.2024.1080p.BluRay.x264-PEER", "p", "Peer", "retail-disc",
                        dt.datetime.now(dt.UTC), 30.0, "pre-physical-7d")  # fmt: skip
            alert = Alert(i, "bench", "first", leak, dt.datetime.now(dt.UTC))
            body = webhook_body(alert, delivery_id=str(i), sent_at=dt.datetime.now(dt.UTC))
            start = time.perf_counter()
            client.post(url, content=body, headers={SIGNATURE_HEADER: sign(SECRET, body)})
            out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=300, help="pres sent (one alert each)")
    parser.add_argument("--rate", type=float, default=50.0, help="pres per second")
    parser.add_argument(
        "--background-store",
        type=Path,
        help="a filled store (e.g. the demo's scenescope-demo/scenescope.duckdb) copied and used "
        "as the starting point, so the latency is measured at a realistic size",
    )
    args = parser.parse_args()

    receiver = Receiver()
    config = parse_config(
        f'[sinks.soc]\nkind = "webhook"\nurl = "{receiver.url}"\nsecret = "{SECRET}"\n'
        '[rules.all]\nmin_lead_days = 1\nsinks = ["soc"]\n',
        source="bench",
    )
    pre_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # the store distrusts future pres
    pres = [
        PreReport(f"{title_of(i).replace(' ', '.')}.2024.1080p.BluRay.x264-BENCH", pre_at, "bench")
        for i in range(args.alerts)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "bench.duckdb"
        if args.background_store is not None:
            shutil.copyfile(args.background_store, store_path)
        store = Store.open(store_path)
        background = store.connection.execute("SELECT count(*) FROM releases").fetchall()[0][0]
        print(f"store: {background:,} releases before the run")
        import_catalog(store, write_catalog(Path(tmp), args.alerts))
        feed = PacedFeed(pres, args.rate)
        stages = Stages()
        started = time.perf_counter()
        asyncio.run(run_pipeline(store, config, feed, receiver, stages))
        elapsed = time.perf_counter() - started
        store.close()
    latencies = [
        receiver.arrived[name] - sent
        for name, sent in feed.sent_at.items()
        if name in receiver.arrived
    ]
    peer = bare_post_latencies(receiver.url, min(200, args.alerts))
    receiver.close()
    if not latencies:
        raise SystemExit("no alert arrived")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    peer50, peer99 = percentile(peer, 0.5), percentile(peer, 0.99)
    print(f"alerts: {len(latencies)} of {args.alerts} pres at {args.rate:g}/s "
          f"({elapsed:.1f} s), bad signatures {receiver.bad_signatures}")  # fmt: skip
    worst, mean = max(latencies), statistics.fmean(latencies)
    print(f"pre arrival -> webhook received: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"max {worst * 1000:.1f} ms, mean {mean * 1000:.1f} ms")  # fmt: skip
    for label, start, end in (
        ("  pre -> stored (watch writer)", feed.sent_at, stages.committed),
        ("  stored -> recorded (match, find_leaks, queue)", stages.committed, stages.recorded),
        ("  recorded -> webhook received (delivery)", stages.recorded, receiver.arrived),
    ):
        spans = [end[n] - start[n] for n in start if n in end]
        print(f"{label}: p50 {percentile(spans, 0.5) * 1000:.1f} ms, "
              f"p99 {percentile(spans, 0.99) * 1000:.1f} ms")  # fmt: skip
    print(f"peer (bare signed POST, same receiver): p50 {peer50 * 1000:.2f} ms, "
          f"p99 {peer99 * 1000:.2f} ms")  # fmt: skip
    print(f"ratio to peer: p50 {p50 / peer50:.0f}x, p99 {p99 / peer99:.0f}x; "
          f"1 s budget: p99 is {p99:.3f} s ({'within' if p99 < 1.0 else 'OVER'})")  # fmt: skip


if __name__ == "__main__":
    main()
