"""Run several live feeds together and write what they yield to the store as it arrives.

Events are queued by one task per feed and applied in small batches (every ~50 ms) by a
single writer; feed health is logged periodically; SIGINT/SIGTERM stop the feeds, and
everything already received is flushed to the store before returning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scenescope.feeds.base import Feed, FeedHealth
from scenescope.feeds.cursor import EventSink
from scenescope.feeds.events import FeedEvent, Reject

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WatchOptions:
    # how long the writer gathers a batch: a write costs ~10 ms however few events it holds
    # on a 10M store, so at 100 pres/s a 5 ms gathering wrote a batch per pre or two and took
    # half a core; 50 ms adds at most that much to the lag and writes ~5 pres a batch
    flush_interval_seconds: float = 0.05
    max_batch_events: int = 5_000
    health_interval_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class WatchSummary:
    """What one `watch` run did, per feed and in total."""

    events_received: int
    events_applied: int
    rejects: int
    batches: int
    feeds: tuple[FeedHealth, ...]


STOP_TIMEOUT_SECONDS = 10.0
_STOP = object()  # queued after the last event of a stopping watch

AppliedHook = Callable[[Sequence[FeedEvent], float], None]
"""Called after each batch is committed with the batch and `time.time()` of the commit."""


class Watcher:
    """Feeds → queue → batched `sink.apply`; stop with `stop()` (or a signal, see run_watch)."""

    def __init__(
        self,
        feeds: Sequence[Feed],
        sink: EventSink,
        *,
        options: WatchOptions | None = None,
        on_applied: AppliedHook | None = None,
    ) -> None:
        if not feeds:
            raise ValueError("watch needs at least one feed")
        self.feeds = list(feeds)
        self.sink = sink
        self.options = options or WatchOptions()
        self.on_applied = on_applied
        self.stopping = asyncio.Event()
        self.received = 0
        self.applied = 0
        self.rejects = 0
        self.batches = 0
        self._queue: asyncio.Queue[FeedEvent | object] = asyncio.Queue()

    def stop(self) -> None:
        self.stopping.set()

    def health(self) -> list[FeedHealth]:
        return [feed.health() for feed in self.feeds]

    async def run(self) -> WatchSummary:
        feed_tasks = [
            asyncio.create_task(self._pump(feed), name=f"feed {feed.name}") for feed in self.feeds
        ]
        writer = asyncio.create_task(self._write_until_stopped(), name="store writer")
        health = asyncio.create_task(self._log_health(), name="feed health")
        try:
            await self.stopping.wait()
        finally:
            for task in [*feed_tasks, health]:
                task.cancel()
            # Bounded: a connector that ignores cancellation must not keep watch from
            # flushing what it already received.
            _, stuck = await asyncio.wait([*feed_tasks, health], timeout=STOP_TIMEOUT_SECONDS)
            for task in stuck:
                log.error("%s did not stop within %.0f s", task.get_name(), STOP_TIMEOUT_SECONDS)
            self._queue.put_nowait(_STOP)
            await writer  # applies everything queued before the marker, then ends
        return WatchSummary(
            events_received=self.received,
            events_applied=self.applied,
            rejects=self.rejects,
            batches=self.batches,
            feeds=tuple(self.health()),
        )

    async def _pump(self, feed: Feed) -> None:
        try:
            async for event in feed.events():
                self.received += 1
                self._queue.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug in one connector must not take the others down; it is logged loudly.
            log.exception("feed %s stopped with an error", feed.name)

    async def _write_until_stopped(self) -> None:
        """Gather events for a few ms after the first one, apply them, repeat; on the stop
        marker (queued once every feed task has ended) apply what is left and return."""
        queue = self._queue
        while True:
            first = await queue.get()
            batch: list[FeedEvent] = []
            finished = first is _STOP
            if not finished:
                batch.append(first)  # type: ignore[arg-type]
                if not self.stopping.is_set():
                    await asyncio.sleep(self.options.flush_interval_seconds)
            while len(batch) < self.options.max_batch_events:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is _STOP:
                    finished = True
                else:
                    batch.append(item)  # type: ignore[arg-type]
            await self._flush(batch)
            if finished and queue.empty():
                return
            if finished:
                queue.put_nowait(_STOP)  # more than one batch left: keep the marker last

    async def _flush(self, batch: list[FeedEvent]) -> None:
        if not batch:
            return
        # The store is blocking (DuckDB); run it off the loop so frames keep being read.
        # Batches are awaited one at a time, so the connection is never used concurrently.
        await asyncio.to_thread(self.sink.apply, batch)
        committed_at = time.time()
        self.batches += 1
        self.applied += len(batch)
        self.rejects += sum(1 for e in batch if isinstance(e, Reject))
        if self.on_applied is not None:
            self.on_applied(batch, committed_at)

    async def _log_health(self) -> None:
        while True:
            await asyncio.sleep(self.options.health_interval_seconds)
            log_health(self.health())


def log_health(snapshots: Iterable[FeedHealth]) -> None:
    for h in snapshots:
        lag = "-" if h.lag_seconds is None else f"{h.lag_seconds:.1f}s"
        log.info(
            "%s: %s, %d frames (%.1f/s), lag %s, %d errors, %d reconnects",
            h.feed,
            "connected" if h.connected else "DISCONNECTED",
            h.frames,
            h.frames_per_second,
            lag,
            h.errors,
            h.reconnects,
        )


async def run_watch(
    feeds: Sequence[Feed],
    sink: EventSink,
    *,
    options: WatchOptions | None = None,
    on_applied: AppliedHook | None = None,
    handle_signals: bool = True,
) -> WatchSummary:
    """Watch until SIGINT/SIGTERM (if `handle_signals`) and return what was stored."""
    watcher = Watcher(feeds, sink, options=options, on_applied=on_applied)
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, watcher.stop)
                installed.append(sig)
    try:
        summary = await watcher.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    log_health(summary.feeds)
    return summary
