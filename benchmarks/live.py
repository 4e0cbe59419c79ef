"""Live latency: predb.ovh websocket frames at a sustained rate → `watch` → row committed.

The loopback test server pushes `--rate` frames/s for `--seconds`; `watch` runs in-process
against a fresh store. For every frame we record when it was sent, when the feed yielded it
(the peer: bare websocket receive + JSON conversion, no store) and when the store committed
it (from then on the row is queryable). Prints p50/p99 of both and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from scenescope.feeds.base import FeedHealth
from scenescope.feeds.events import FeedEvent, PreReport
from scenescope.feeds.predb_ws import PredbWebsocketFeed
from scenescope.feeds.watch import Watcher, WatchOptions
from scenescope.store import Store
from servers.predb import PredbTestServer, release_row

TARGET_P99_MS = 200.0


class TimedFeed:
    """Wraps a feed and notes when each pre reaches watch's queue."""

    def __init__(self, inner: PredbWebsocketFeed, received: dict[str, float]) -> None:
        self.inner = inner
        self.name = inner.name
        self.received = received

    def health(self) -> FeedHealth:
        return self.inner.health()

    async def events(self) -> AsyncIterator[FeedEvent]:
        async for event in self.inner.events():
            if isinstance(event, PreReport):
                self.received[event.name] = time.time()
            yield event


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(rate: float, seconds: float, db: Path) -> None:
    sent: dict[str, float] = {}
    received: dict[str, float] = {}
    committed: dict[str, float] = {}

    def on_applied(batch: Sequence[FeedEvent], committed_at: float) -> None:
        for event in batch:
            if isinstance(event, PreReport):
                committed.setdefault(event.name, committed_at)

    total = int(rate * seconds)
    async with PredbTestServer() as server:
        with Store.open(db) as store:
            feed = TimedFeed(PredbWebsocketFeed(server.ws_url), received)
            watcher = Watcher(
                [feed], store, options=WatchOptions(health_interval_seconds=3600),
                on_applied=on_applied,
            )  # fmt: skip
            task = asyncio.create_task(watcher.run())
            await asyncio.wait_for(server.client_connected.wait(), 10)
            started = time.perf_counter()
            base_pre = time.time() - 3600
            for i in range(total):
                # Pace on a fixed schedule so a slow moment is not hidden by a later catch-up.
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                name = f"Live.Bench.{i}.2021.1080p.WEB.h264-GRP{i % 50}"
                row = release_row(i, name, base_pre + i)
                sent[name] = time.time()
                await server.publish("insert", row)
            elapsed = time.perf_counter() - started
            deadline = time.perf_counter() + 30
            while len(committed) < total and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            watcher.stop()
            summary = await task
            queryable = store.connection.execute("SELECT count(*) FROM releases").fetchall()[0][0]

    names = [n for n in sent if n in committed and n in received]
    e2e = [(committed[n] - sent[n]) * 1000 for n in names]
    recv = [(received[n] - sent[n]) * 1000 for n in names]
    print(f"frames sent: {total} in {elapsed:.1f} s ({total / elapsed:.0f} frames/s sustained)")
    print(f"committed: {len(committed)}, rows queryable: {queryable}, batches: {summary.batches}")
    if not names:
        print("no frame reached the store")
        return
    p50, p99 = statistics.median(e2e), percentile(e2e, 0.99)
    r50, r99 = statistics.median(recv), percentile(recv, 0.99)
    print(f"frame sent → feed yielded (peer: websocket + JSON, no store): "
          f"p50 {r50:.1f} ms, p99 {r99:.1f} ms")  # fmt: skip
    print(f"frame sent → row committed and queryable (watch → store):      "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(e2e):.1f} ms")  # fmt: skip
    print(f"ratio store/peer: p50 {p50 / max(r50, 1e-3):.1f}x, p99 {p99 / max(r99, 1e-3):.1f}x")
    verdict = "meets" if p99 < TARGET_P99_MS else "MISSES"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict} ({p99 / TARGET_P99_MS:.2f} of target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0, help="frames per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to push")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(args.rate, args.seconds, Path(tmp) / "live.duckdb"))


if __name__ == "__main__":
    main()
