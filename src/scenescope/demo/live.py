"""The demo's live leg: replay a slice of a simulated world over the predb.ovh websocket into
the real watch path (Watcher → store → alert detection → signed webhook), and measure it.

A loopback `ReplayServer` plays the frames, `watch` stores them, and alerts go to a webhook
receiver started here that checks every signature; the result says what arrived and how fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenescope.analysis.records import Leak
from scenescope.demo.alerting import CountedAlerts, demo_alert_config
from scenescope.demo.errors import LiveReplayError
from scenescope.demo.receiver import ReceivedAlert, SignedWebhookReceiver
from scenescope.demo.window import busiest_leak_window
from scenescope.feeds.events import FeedEvent, PreReport

if TYPE_CHECKING:
    from scenescope.store import Store

__all__ = [
    "LiveReplayError",
    "LiveReplayResult",
    "ReceivedAlert",
    "SignedWebhookReceiver",
    "busiest_leak_window",
    "demo_alert_config",
    "replay_into_store",
]

DEFAULT_DURATION = dt.timedelta(hours=3)
DEFAULT_SPEED = 3600.0
LEAD_IN_WALL_SECONDS = 0.5  # simulated quiet before the first frame, so the feed is connected
CONNECT_TIMEOUT_SECONDS = 10.0
SETTLE_TIMEOUT_SECONDS = 20.0  # detection, then delivery, after the last frame is stored


@dataclass(frozen=True, slots=True)
class LiveReplayResult:
    """What the live leg did: frames in, releases stored, alerts fired/delivered, latency."""

    window_start: dt.datetime
    window_end: dt.datetime
    speed: float
    frames_replayed: int
    frames_missed: int  # broadcast before the feed was connected (should be 0)
    events_applied: int
    releases_stored: int  # distinct releases the live feed reported
    new_releases: int  # releases the store did not know before the replay
    alerts_fired: int  # recorded and sent (first of their title, source class, group)
    alerts_suppressed: int  # recorded as proper/dupe, not sent
    alerts_delivered: int  # received by the loopback webhook with a valid signature
    bad_signatures: int
    latency_ms_p50: float | None  # pre arrival at the feed → webhook received
    latency_ms_p99: float | None
    examples: tuple[ReceivedAlert, ...] = ()
    problems: tuple[str, ...] = ()  # timeouts and the like; empty when all went well
    wall_seconds: float = 0.0

    def summary_lines(self, examples: int = 5) -> list[str]:
        window = f"{self.window_start:%Y-%m-%d %H:%M}–{self.window_end:%H:%M} UTC"
        latency = (
            "no alert delivered"
            if self.latency_ms_p50 is None
            else f"p50 {self.latency_ms_p50:.0f} ms, p99 {self.latency_ms_p99:.0f} ms"
        )
        lines = [
            f"replayed {self.frames_replayed:,} frames ({window}, {self.speed:g}x) "
            f"in {self.wall_seconds:.1f} s; {self.events_applied:,} events stored, "
            f"{self.releases_stored:,} releases reported ({self.new_releases:,} new)",
            f"alerts: {self.alerts_fired:,} fired, {self.alerts_delivered:,} delivered "
            f"to the signed webhook ({self.bad_signatures} bad signatures), "
            f"{self.alerts_suppressed:,} proper/dupe recorded without sending",
            f"pre arrival → webhook received: {latency}",
        ]
        lines += [f"  {alert.line()}" for alert in self.examples[:examples]]
        lines += [f"problem: {problem}" for problem in self.problems]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "speed": self.speed,
            "frames_replayed": self.frames_replayed,
            "frames_missed": self.frames_missed,
            "events_applied": self.events_applied,
            "releases_stored": self.releases_stored,
            "new_releases": self.new_releases,
            "alerts_fired": self.alerts_fired,
            "alerts_suppressed": self.alerts_suppressed,
            "alerts_delivered": self.alerts_delivered,
            "bad_signatures": self.bad_signatures,
            "latency_ms_p50": _rounded(self.latency_ms_p50),
            "latency_ms_p99": _rounded(self.latency_ms_p99),
            "examples": [
                {
                    "title": a.title,
                    "group": a.group,
                    "source_class": a.source_class,
                    "lead_days": round(a.lead_days, 2),
                    "release_name": a.release_name,
                }
                for a in self.examples
            ],
            "problems": list(self.problems),
            "wall_seconds": round(self.wall_seconds, 2),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- the loopback webhook receiver -------------------------------------------------------
def replay_into_store(
    store: Store,
    world_dir: Path,
    *,
    start_at: dt.datetime | None = None,
    duration: dt.timedelta = DEFAULT_DURATION,
    speed: float = DEFAULT_SPEED,
    leaks: Sequence[Leak] | None = None,
    console: Any = None,
) -> LiveReplayResult:
    """Replay the world's websocket frames in [start_at, start_at + duration) at `speed`×
    through a loopback predb.ovh server into `store` via `watch`, with alerts to a signed
    loopback webhook. Without `start_at`, the busiest window of retail-disc leaks is chosen
    (from `leaks`, or `find_leaks(store)`). Every wait has a timeout; servers always stop."""
    from scenescope.world.serve import ServeError, load_frames

    try:
        frames = load_frames(world_dir)
    except ServeError as exc:
        raise LiveReplayError(str(exc)) from None
    if start_at is None:
        if leaks is None:
            from scenescope.analysis.leaks import find_leaks

            leaks = find_leaks(store)
        start_at = busiest_leak_window(leaks, duration)
    if start_at.tzinfo is None:
        raise LiveReplayError(f"start_at must be timezone-aware (UTC), got {start_at}")
    window_end = start_at + duration
    first, last = start_at.timestamp(), window_end.timestamp()
    selected = [frame for frame in frames if first <= frame[0] < last]
    if not selected:
        raise LiveReplayError(f"{world_dir}: no frames between {start_at} and {window_end}")
    replay = _Replay(store, selected, speed=speed, console=console)
    return asyncio.run(replay.run(start_at, window_end))


class _Replay:
    """One run of the live leg (state shared by the watch hook and the waits)."""

    def __init__(
        self, store: Store, frames: list[tuple[int, str]], *, speed: float, console: Any
    ) -> None:
        from scenescope.feeds.predb_ovh_rows import frame_events

        self.store = store
        self.frames = frames
        self.speed = speed
        self.console = console
        # what the store will receive per frame: the connector's own conversion
        self.events_per_frame = [len(frame_events(line)) for _, line in frames]
        self.arrivals: dict[str, float] = {}  # release name → first arrival, time.time()
        self.applied = 0
        self.expected: int | None = None  # known once we know which frames the feed saw
        self.problems: list[str] = []
        self.all_applied = asyncio.Event()

    async def run(self, window_start: dt.datetime, window_end: dt.datetime) -> LiveReplayResult:
        from scenescope.feeds.sources import open_feed
        from scenescope.feeds.watch import Watcher
        from scenescope.world.serve import ReplayServer

        started = time.perf_counter()
        connection = self.store.connection
        releases_before = _count(connection, "SELECT count(*) FROM releases")
        secret = secrets.token_hex(16)
        lead_in = dt.timedelta(seconds=LEAD_IN_WALL_SECONDS * self.speed)
        server = ReplayServer(self.frames, speed=self.speed, start_at=window_start - lead_in)
        missed = 0
        with SignedWebhookReceiver(secret) as receiver:
            alerts = CountedAlerts(self.store, demo_alert_config(receiver.url, secret))
            with alerts:
                await server.start()
                try:
                    feed = open_feed(f"predb+ws://127.0.0.1:{server.port}/api/v1/ws")

                    def on_applied(batch: Sequence[FeedEvent], committed_at: float) -> None:
                        self._applied(batch)
                        alerts.on_applied(batch, committed_at)

                    watcher = Watcher([feed], self.store, on_applied=on_applied)
                    watch_task = asyncio.create_task(watcher.run(), name="live replay watch")
                    try:
                        missed = await self._wait_connected(server, watch_task)
                        await self._wait_applied(server, window_end)
                    finally:
                        watcher.stop()
                        await self._finish(watch_task)
                finally:
                    await server.close()
                if not await asyncio.to_thread(alerts.wait_caught_up, SETTLE_TIMEOUT_SECONDS):
                    self.problems.append(
                        f"alert detection still busy after {SETTLE_TIMEOUT_SECONDS:g} s"
                    )
                settled = await asyncio.to_thread(
                    alerts.dispatcher.wait_until_settled, SETTLE_TIMEOUT_SECONDS
                )
                if not settled:
                    self.problems.append(
                        f"alerts still undelivered after {SETTLE_TIMEOUT_SECONDS:g} s"
                    )
            received = receiver.received()
            rejected = receiver.rejected
        releases_stored = _count(
            connection,
            "SELECT count(DISTINCT release_id) FROM pre_reports WHERE feed = ?",
            [feed.name],
        )
        latencies = sorted(
            (alert.received_at - self.arrivals[alert.release_name]) * 1000.0
            for alert in received
            if alert.release_name in self.arrivals
        )
        return LiveReplayResult(
            window_start=window_start,
            window_end=window_end,
            speed=self.speed,
            frames_replayed=server.released,
            frames_missed=missed,
            events_applied=self.applied,
            releases_stored=releases_stored,
            new_releases=_count(connection, "SELECT count(*) FROM releases") - releases_before,
            alerts_fired=alerts.fired,
            alerts_suppressed=alerts.suppressed,
            alerts_delivered=len(received),
            bad_signatures=rejected,
            latency_ms_p50=_percentile(latencies, 0.50),
            latency_ms_p99=_percentile(latencies, 0.99),
            examples=tuple(_varied(received, 5)),
            problems=tuple(self.problems),
            wall_seconds=time.perf_counter() - started,
        )

    def _applied(self, batch: Sequence[FeedEvent]) -> None:
        for event in batch:
            if isinstance(event, PreReport):
                seen = event.seen_at.timestamp() if event.seen_at else time.time()
                self.arrivals.setdefault(event.name, seen)
        self.applied += len(batch)
        self._check_done()

    def _check_done(self) -> None:
        if self.expected is not None and self.applied >= self.expected:
            self.all_applied.set()

    async def _wait_connected(self, server: Any, watch_task: asyncio.Task[Any]) -> int:
        """Wait until the feed is a client of the server; returns frames broadcast before."""
        deadline = time.monotonic() + CONNECT_TIMEOUT_SECONDS
        while not server.clients:
            if watch_task.done() or time.monotonic() > deadline:
                self.problems.append("the websocket feed did not connect to the replay server")
                self.expected = 0
                return int(server.released)
            await asyncio.sleep(0.005)  # the server offers no connect event; poll briefly
        missed = int(server.released)
        self.expected = sum(self.events_per_frame[missed:])
        self._check_done()
        return missed

    async def _wait_applied(self, server: Any, window_end: dt.datetime) -> None:
        """Wait (bounded) until every frame the feed saw is in the store, with a progress bar."""
        remaining_sim = window_end.timestamp() - server.sim_now()
        deadline = time.monotonic() + max(remaining_sim, 0.0) / self.speed + SETTLE_TIMEOUT_SECONDS
        with _progress(self.console, len(self.frames)) as update:
            while not self.all_applied.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    self.problems.append(
                        f"only {self.applied:,} of {self.expected or 0:,} events stored in time"
                    )
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(0.1, left)):
                        await self.all_applied.wait()
                update(int(server.released))

    async def _finish(self, watch_task: asyncio.Task[Any]) -> None:
        try:
            async with asyncio.timeout(SETTLE_TIMEOUT_SECONDS):
                await watch_task
        except TimeoutError:
            self.problems.append("watch did not stop in time")
            watch_task.cancel()


@contextlib.contextmanager
def _progress(console: Any, total: int) -> Any:
    """A transient Rich bar of frames replayed (a no-op without a console)."""
    if console is None:
        yield lambda done: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} frames"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("replay", total=total)
        yield lambda done: progress.update(task, completed=done)


def _count(connection: Any, sql: str, params: list[Any] | None = None) -> int:
    row = connection.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _varied(received: Sequence[ReceivedAlert], count: int) -> list[ReceivedAlert]:
    """Up to `count` examples in arrival order, one per title first, then any."""
    picked: list[ReceivedAlert] = []
    titles: set[str] = set()
    for alert in received:
        if alert.title not in titles and len(picked) < count:
            picked.append(alert)
            titles.add(alert.title)
    for alert in received:
        if len(picked) >= count:
            break
        if alert not in picked:
            picked.append(alert)
    return sorted(picked, key=lambda alert: alert.received_at)
