"""The demo's live leg, as a deployment starts: the live feeds connect to a loopback predb.ovh
server (websocket) and IRC announce channel, a REST backfill closes the day between the dump
and the live window, then the window is replayed through both feeds at once into the real
watch path (Watcher → store → alert detection → signed webhook), and everything is measured.

A loopback `ReplayServer` serves the frames (its clock held until the feeds are connected and
the backfill is done), and alerts go to a webhook receiver that checks every signature; the
result says what arrived through each connector and how fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import secrets
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenescope.analysis.records import Leak
from scenescope.demo.alerting import CountedAlerts, demo_alert_config
from scenescope.demo.arrivals import (
    ConnectorArrival,
    FeedTally,
    ReplayClockFeed,
    event_feed,
    percentile,
)
from scenescope.demo.errors import LiveReplayError
from scenescope.demo.ircd import CHANNEL, LoopbackIrc, NoIrc, loopback_irc
from scenescope.demo.live_result import LiveReplayResult
from scenescope.demo.receiver import ReceivedAlert, SignedWebhookReceiver
from scenescope.demo.window import busiest_leak_window
from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport

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
DEFAULT_BACKFILL = dt.timedelta(days=1)
DEFAULT_SPEED = 3600.0
BACKFILL_MARGIN = dt.timedelta(hours=1)  # the server also holds older rows: the walk must stop
CONNECT_TIMEOUT_SECONDS = 10.0
SETTLE_TIMEOUT_SECONDS = 20.0  # detection, then delivery, after the last frame is stored


def replay_into_store(
    store: Store,
    world_dir: Path,
    *,
    start_at: dt.datetime | None = None,
    duration: dt.timedelta = DEFAULT_DURATION,
    backfill: dt.timedelta = DEFAULT_BACKFILL,
    speed: float = DEFAULT_SPEED,
    irc: str = "auto",
    leaks: Sequence[Leak] | None = None,
    console: Any = None,
) -> LiveReplayResult:
    """Backfill [start_at - backfill, start_at) over REST, then replay the world's frames in
    [start_at, start_at + duration) at `speed`× over the websocket and (unless `irc` is "off")
    an IRC announce channel into `store` via `watch`, with alerts to a signed loopback webhook.
    `irc` "auto" uses ngircd if installed, else miniircd; "ngircd" / "miniircd" only that one.
    Without `start_at`, the busiest window of retail-disc leaks is chosen (from `leaks`, or
    `find_leaks(store)`). Every wait has a timeout; servers always stop."""
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
    backfill_start = start_at - backfill
    first, last = start_at.timestamp(), window_end.timestamp()
    window = [frame for frame in frames if first <= frame[0] < last]
    if not window:
        raise LiveReplayError(f"{world_dir}: no frames between {start_at} and {window_end}")
    served_from = (backfill_start - BACKFILL_MARGIN).timestamp()
    history = [frame for frame in frames if served_from <= frame[0] < first]
    with _irc_server(irc) as irc_server:
        replay = _Replay(store, history, window, speed=speed, irc=irc_server, console=console)
        return asyncio.run(replay.run(start_at, window_end, backfill_start))


@contextlib.contextmanager
def _irc_server(irc: str) -> Iterator[LoopbackIrc | NoIrc]:
    if irc == "off":
        yield NoIrc("turned off")
        return
    with (
        tempfile.TemporaryDirectory(prefix="scenescope-demo-irc-") as folder,
        loopback_irc(Path(folder), server=irc) as server,
    ):
        yield server


class _Replay:
    """One run of the live leg (state shared by the watch hook and the waits)."""

    def __init__(
        self,
        store: Store,
        history: list[tuple[int, str]],
        window: list[tuple[int, str]],
        *,
        speed: float,
        irc: LoopbackIrc | NoIrc,
        console: Any,
    ) -> None:
        from scenescope.feeds.predb_ovh_rows import frame_events
        from scenescope.world.serve import announce_line

        self.store = store
        self.history = history
        self.frames = window
        self.speed = speed
        self.irc = irc
        self.console = console
        # what the store will receive per frame: the connectors' own conversions
        self.events_per_frame = [len(frame_events(line)) for _, line in window]
        parsed = [json.loads(line) for _, line in window]
        self.irc_lines = sum(1 for frame in parsed if announce_line(frame) is not None)
        self.pre_times: dict[str, int] = {}  # release name → its insert frame's time
        for (at, _), frame in zip(window, parsed, strict=True):
            if frame.get("action") == "insert":
                self.pre_times.setdefault(str((frame.get("row") or {}).get("name")), at)
        self.arrivals: dict[str, float] = {}  # release name → first arrival, time.time()
        self.tallies: dict[str, FeedTally] = {}  # by feed name
        self.expected: int | None = None  # known once we know which frames the feeds saw
        self.problems: list[str] = []
        self.all_applied = asyncio.Event()
        self.server: Any = None

    @property
    def applied(self) -> int:
        return sum(tally.events for tally in self.tallies.values())

    async def run(
        self, window_start: dt.datetime, window_end: dt.datetime, backfill_start: dt.datetime
    ) -> LiveReplayResult:
        from scenescope.feeds.sources import open_feed
        from scenescope.feeds.watch import Watcher
        from scenescope.world.serve import ReplayServer, ServeError

        started = time.perf_counter()
        connection = self.store.connection
        releases_before = _count(connection, "SELECT count(*) FROM releases")
        secret = secrets.token_hex(16)
        irc_url = self.irc.url if isinstance(self.irc, LoopbackIrc) else None
        # one second before the window: its first frames are sent live, not served as history
        clock_start = window_start - dt.timedelta(seconds=1)
        server = ReplayServer(
            self.history + self.frames, speed=self.speed, start_at=clock_start, irc_url=irc_url
        )
        self.server = server
        missed = 0
        backfill: ConnectorArrival | None = None
        with SignedWebhookReceiver(secret) as receiver:
            alerts = CountedAlerts(self.store, demo_alert_config(receiver.url, secret))
            with alerts:
                try:
                    await server.start(hold_clock=True)
                except ServeError as exc:
                    raise LiveReplayError(str(exc)) from None
                try:
                    api = f"127.0.0.1:{server.port}/api/v1"
                    ws_feed = open_feed(f"predb+ws://{api}/ws")
                    feeds: list[Any] = [ws_feed]
                    self._tally(
                        "websocket", ws_feed.name, "the live window", sum(self.events_per_frame)
                    )
                    irc_feed = None
                    if irc_url is not None:
                        assert isinstance(self.irc, LoopbackIrc)
                        reader = open_feed(self.irc.feed_url)
                        irc_feed = ReplayClockFeed(reader, self._on_sim_clock)
                        feeds.append(irc_feed)
                        self._tally(
                            "irc",
                            irc_feed.name,
                            f"the live window, {CHANNEL} announces",
                            self.irc_lines,
                        )

                    def on_applied(batch: Sequence[FeedEvent], committed_at: float) -> None:
                        self._applied(batch, committed_at)
                        alerts.on_applied(batch, committed_at)

                    watcher = Watcher(feeds, self.store, on_applied=on_applied)
                    watch_task = asyncio.create_task(watcher.run(), name="live replay watch")
                    try:
                        connected = await self._wait_connected(server, irc_feed, watch_task)
                        if connected:
                            # the gap between the dump and the live window, while live feeds
                            # are already connected (so nothing falls between the two)
                            backfill = await self._backfill(
                                f"predb+http://{api}/", backfill_start, clock_start
                            )
                        server.run_clock()
                        missed = int(server.released)
                        self.expected = sum(tally.sent for tally in self.tallies.values())
                        self._check_done()
                        if connected:
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
        latencies = sorted(
            (alert.received_at - self.arrivals[alert.release_name]) * 1000.0
            for alert in received
            if alert.release_name in self.arrivals
        )
        connectors = [] if backfill is None else [backfill]
        connectors += [
            tally.arrival(_releases_reported(connection, tally.feed), None)
            for tally in self.tallies.values()
        ]
        if isinstance(self.irc, NoIrc):
            connectors.append(_skipped_irc(self.irc.reason))
        return LiveReplayResult(
            window_start=window_start,
            window_end=window_end,
            speed=self.speed,
            frames_replayed=server.released,
            frames_missed=missed,
            events_applied=self.applied,
            releases_stored=_releases_reported(connection, ws_feed.name),
            new_releases=_count(connection, "SELECT count(*) FROM releases") - releases_before,
            alerts_fired=alerts.fired,
            alerts_suppressed=alerts.suppressed,
            alerts_delivered=len(received),
            bad_signatures=rejected,
            latency_ms_p50=percentile(latencies, 0.50),
            latency_ms_p99=percentile(latencies, 0.99),
            examples=tuple(_varied(received, 5)),
            problems=tuple(self.problems),
            wall_seconds=time.perf_counter() - started,
            backfill_start=backfill_start,
            connectors=tuple(connectors),
            irc_server=self.irc.server if isinstance(self.irc, LoopbackIrc) else None,
        )

    def _tally(self, connector: str, feed: str, carried: str, sent: int) -> None:
        self.tallies[feed] = FeedTally(connector, feed, carried, sent)

    def _on_sim_clock(self, wall: dt.datetime) -> dt.datetime:
        """An arrival stamp (wall clock) as the replay's simulated time then."""
        return dt.datetime.fromtimestamp(self.server.sim_time_at(wall.timestamp()), dt.UTC)

    async def _backfill(
        self, source: str, since: dt.datetime, until: dt.datetime
    ) -> ConnectorArrival:
        """`scenescope backfill`'s own loop (cursor in the store, predb.ovh's rate limits)."""
        from scenescope.feeds.cursor import run_backfill
        from scenescope.feeds.predb_rest import BackfillRange, feed_label

        feed = feed_label(source, "api")
        started = time.perf_counter()
        counts = {"events": 0, "pres": 0, "nukes": 0}
        with _progress(self.console, None, "backfilling", "pages") as update:

            def on_page(page: Any, cursor: Any) -> None:
                counts["events"] += len(page.events)
                counts["pres"] += sum(1 for e in page.events if isinstance(e, PreReport))
                counts["nukes"] += sum(1 for e in page.events if isinstance(e, NukeEvent))
                update(page.page)

            result = await run_backfill(
                self.store, source, BackfillRange(since=since, until=until), on_page=on_page
            )
        hours = (until - since).total_seconds() / 3600
        return ConnectorArrival(
            connector="rest",
            feed=feed,
            carried=f"the {hours:.0f} h before the live window, {result.pages_fetched} "
            + ("page" if result.pages_fetched == 1 else "pages"),
            events=result.events_applied,
            pres=counts["pres"],
            nukes=counts["nukes"],
            releases=_releases_reported(self.store.connection, feed),
            seconds=time.perf_counter() - started,
        )

    def _applied(self, batch: Sequence[FeedEvent], committed_at: float) -> None:
        server = self.server
        for event in batch:
            if isinstance(event, PreReport):
                seen = event.seen_at.timestamp() if event.seen_at else time.time()
                self.arrivals.setdefault(event.name, seen)
            name = event_feed(event)
            tally = self.tallies.get(name) or next(
                (t for feed, t in self.tallies.items() if name.startswith(feed)), None
            )
            if tally is None:
                continue
            at = self.pre_times.get(event.name) if isinstance(event, PreReport) else None
            tally.count(event, committed_at, None if at is None else server.release_wall_time(at))
        self._check_done()

    def _check_done(self) -> None:
        if self.expected is not None and self.applied >= self.expected:
            self.all_applied.set()

    async def _wait_connected(
        self, server: Any, irc_feed: Any, watch_task: asyncio.Task[Any]
    ) -> bool:
        """Wait until the websocket is a client of the server and the IRC feed has joined the
        announce channel; False (and a problem noted) if that does not happen in time."""
        deadline = time.monotonic() + CONNECT_TIMEOUT_SECONDS

        def connected() -> bool:
            joined = irc_feed is None or CHANNEL in irc_feed.feed.client.joined
            return bool(server.clients) and joined

        while not connected():
            if watch_task.done() or time.monotonic() > deadline:
                missing = "the websocket feed" if not server.clients else "the IRC feed"
                self.problems.append(f"{missing} did not connect to the replay server")
                return False
            await asyncio.sleep(0.005)  # the servers offer no connect event; poll briefly
        return True

    async def _wait_applied(self, server: Any, window_end: dt.datetime) -> None:
        """Wait (bounded) until every frame the feeds saw is in the store, with a progress bar."""
        remaining_sim = window_end.timestamp() - server.sim_now()
        deadline = time.monotonic() + max(remaining_sim, 0.0) / self.speed + SETTLE_TIMEOUT_SECONDS
        with _progress(self.console, len(self.frames), "replaying", "frames") as update:
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


def _skipped_irc(reason: str) -> ConnectorArrival:
    return ConnectorArrival(
        connector="irc",
        feed="",
        carried="the live window's announces",
        events=0,
        pres=0,
        nukes=0,
        releases=0,
        skipped=reason,
    )


def _releases_reported(connection: Any, feed: str) -> int:
    return _count(
        connection, "SELECT count(DISTINCT release_id) FROM pre_reports WHERE feed = ?", [feed]
    )


@contextlib.contextmanager
def _progress(console: Any, total: int | None, doing: str, unit: str) -> Iterator[Any]:
    """A transient Rich bar (a no-op without a console); yields `update(done)`."""
    if console is None:
        yield lambda done: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    count = "{task.completed:,}" + ("" if total is None else "/{task.total:,}") + f" {unit}"
    with Progress(
        TextColumn(doing),
        BarColumn(),
        TextColumn(count),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(doing, total=total)
        yield lambda done: progress.update(task, completed=done)


def _count(connection: Any, sql: str, params: list[Any] | None = None) -> int:
    row = connection.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


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
