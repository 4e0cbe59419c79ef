"""Run `Watcher` in-process against a real store and wait on what it has committed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from scenescope.feeds.base import Feed
from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport, Reject
from scenescope.feeds.watch import Watcher, WatchOptions, WatchSummary


def now_unix() -> float:
    return time.time()


class WatchHarness:
    """`async with WatchHarness(feeds, store) as h: await h.wait_for(pred)`; on exit the
    watcher is stopped (flushing) and `h.summary` holds its result."""

    def __init__(self, feeds: Sequence[Feed], store: Any) -> None:
        self.applied: list[FeedEvent] = []
        self._changed = asyncio.Event()
        self.watcher = Watcher(
            feeds,
            store,
            options=WatchOptions(flush_interval_seconds=0.002, health_interval_seconds=3600),
            on_applied=self._on_applied,
        )
        self.summary: WatchSummary | None = None
        self._task: asyncio.Task[WatchSummary] | None = None

    def _on_applied(self, batch: Sequence[FeedEvent], _committed_at: float) -> None:
        self.applied.extend(batch)
        self._changed.set()

    def names(self, kind: type | None = None) -> set[str]:
        return {
            e.name
            for e in self.applied
            if isinstance(e, PreReport | NukeEvent) and (kind is None or isinstance(e, kind))
        }

    def rejects(self) -> list[Reject]:
        return [e for e in self.applied if isinstance(e, Reject)]

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition"
    ) -> None:
        """Wait (on commits, not on a clock) until `predicate()` holds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            self._changed.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out waiting for {what}; applied {self.applied!r:.2000}"
                )
            try:
                async with asyncio.timeout(remaining):
                    await self._changed.wait()
            except TimeoutError:
                continue

    async def __aenter__(self) -> WatchHarness:
        self._task = asyncio.create_task(self.watcher.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.watcher.stop()
        assert self._task is not None
        self.summary = await self._task
