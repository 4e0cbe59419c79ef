"""The live stream: new pres, nukes and alerts pushed to browsers as server-sent events.

`LiveHub` polls the store a few times a second for rows it has not announced (releases by id,
nuke events and alerts by their ids/times), so whatever wrote them — `serve --watch`, an
import — they reach every subscriber. New pres are matched to the catalog here when no
alert rules do it, so the leak badge shows on the live page.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from scenescope.engine import Engine
from scenescope.web.cache import AnalysisCache

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
MAX_BATCH = 200  # a burst beyond this is announced as its newest MAX_BATCH rows
QUEUE_LIMIT = 1000


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


class LiveHub:
    """Fans new store rows out to subscriber queues."""

    def __init__(self, cache: AnalysisCache, *, match: bool = True) -> None:
        self.cache = cache
        self.match = match
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_release = 0
        self._last_nuke: dt.datetime | None = None
        self._last_alert = 0
        self._matcher: Any = None
        self.announced = 0

    async def start(self) -> None:
        await self.cache.run(self._mark_start)
        self._task = asyncio.create_task(self._loop(), name="scenescope live hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled browser misses rows
                queue.put_nowait(event)
        self.announced += 1

    def _mark_start(self, engine: Engine) -> None:
        self._last_release = int(engine.scalar("SELECT coalesce(max(release_id), 0) FROM releases"))
        self._last_nuke = engine.scalar("SELECT max(seen_at) FROM nuke_events")
        if engine.has_table("alerts"):
            self._last_alert = int(engine.scalar("SELECT coalesce(max(alert_id), 0) FROM alerts"))

    async def _loop(self) -> None:
        while True:
            try:
                events = await self.cache.run(self._poll)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed poll must not end the stream; it is logged
                log.exception("live poll failed")
                events = []
            for event in events:
                self.publish(event)
            await asyncio.sleep(POLL_SECONDS)

    def _poll(self, engine: Engine) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        newest = int(engine.scalar("SELECT coalesce(max(release_id), 0) FROM releases"))
        if newest > self._last_release:
            events += self._new_pres(engine, newest)
        latest_nuke = engine.scalar("SELECT max(seen_at) FROM nuke_events")
        if latest_nuke is not None and (self._last_nuke is None or latest_nuke > self._last_nuke):
            rows = engine.records(
                "SELECT r.name, n.kind, n.reason, n.network, n.event_at FROM nuke_events n "
                "JOIN releases r USING (release_id) WHERE n.seen_at > coalesce(?, "
                "TIMESTAMPTZ '1970-01-01') ORDER BY n.seen_at DESC LIMIT ?",
                [self._last_nuke, MAX_BATCH],
            )
            self._last_nuke = latest_nuke
            events += [
                {"type": "nuke", **{k: _jsonable(v) for k, v in row.items()}}
                for row in reversed(rows)
            ]
        if engine.has_table("alerts"):
            rows = engine.records(
                "SELECT alert_id, rule, reason, release_name, title, severity, lead_days, "
                "group_name FROM alerts WHERE alert_id > ? ORDER BY alert_id LIMIT ?",
                [self._last_alert, MAX_BATCH],
            )
            if rows:
                self._last_alert = int(rows[-1]["alert_id"])
            events += [{"type": "alert", **row} for row in rows]
        return events

    def _new_pres(self, engine: Engine, newest: int) -> list[dict[str, Any]]:
        low = max(self._last_release, newest - MAX_BATCH)
        self._last_release = newest
        ids = [
            int(r[0])
            for r in engine.rows(
                "SELECT release_id FROM releases WHERE release_id > ? ORDER BY 1", [low]
            )
        ]
        if self.match and ids and engine.scalar("SELECT count(*) FROM catalog_titles"):
            from scenescope.catalog.match_run import LiveMatcher

            self._matcher = self._matcher or LiveMatcher()
            try:
                self._matcher.match(engine.connection, ids)
            except Exception:  # matching is a nicety here; the pre is still announced
                log.exception("live matching failed")
        rows = engine.records(
            """
            SELECT r.release_id, r.name, r.group_name, r.category, r.source, r.resolution,
                   (SELECT min(pre_at) FROM pre_reports p WHERE p.release_id = r.release_id)
                       AS pre_at
            FROM releases r WHERE r.release_id > ? ORDER BY r.release_id
            """,
            [low],
        )
        leaks: dict[str, Any] = {}
        if ids:
            from scenescope.analysis.leaks import find_leaks

            with contextlib.suppress(Exception):  # no catalog yet: no badges
                leaks = {leak.release_name: leak for leak in find_leaks(engine, release_ids=ids)}
        events = []
        for row in rows:
            leak = leaks.get(row["name"])
            events.append(
                {
                    "type": "pre",
                    **{k: _jsonable(v) for k, v in row.items()},
                    "leak": None
                    if leak is None
                    else {
                        "severity": leak.severity,
                        "lead_days": round(leak.lead_days, 2),
                        "title": leak.title,
                    },
                }
            )
        return events


def sse(event: dict[str, Any]) -> str:
    """One server-sent event (JSON data on one line: no raw newline reaches the stream)."""
    return f"event: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"
