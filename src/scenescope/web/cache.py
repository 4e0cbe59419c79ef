"""Analyses that take seconds, run off the event loop and kept per store version.

`AnalysisCache.get(key, compute)` runs `compute(engine)` in a worker thread on its own DuckDB
cursor, once per (key, store version) even when many requests ask at the same time; the
event loop only awaits. The store version is the engine's (table counts), read at most once
per `version_ttl_seconds` unless `invalidate()` says the store just changed — and then at most
every `min_refresh_seconds`, so a feed committing many small batches a second does not make
every request recount the tables.

While a feed writes, the version moves every fraction of a second; an analysis that takes
seconds would then be recomputed for nearly every request and never be ready. So a key that
has a result for an older version answers with it at once while the new version is computed
in the background (one computation per key at a time); `served_stale` tells the caller the
answer was older than the store, so it is not tagged as current. Such a background refresh
starts at most every `max(refresh_min_seconds, refresh_factor x` the key's last computing
time): under a live feed an analysis of a big store would otherwise be recomputed back to back
and take a core from the requests (at 10M releases the leaks board takes ~4 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scenescope.engine import Engine

T = TypeVar("T")
MAX_ENTRIES = 256
REFRESH_MIN_SECONDS = 10.0
REFRESH_FACTOR = 4.0
log = logging.getLogger(__name__)
# Set when an answer in this request came from an older store version (see module doc).
served_stale: contextvars.ContextVar[bool] = contextvars.ContextVar("served_stale", default=False)


class StoreVersion:
    """The store's version, cheap to ask often: cached, refreshed on `invalidate()` or after
    `ttl_seconds` (writers in this process call invalidate; the TTL covers the rest)."""

    def __init__(
        self, engine: Engine, ttl_seconds: float = 1.0, min_refresh_seconds: float = 0.25
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._lock = threading.Lock()
        self._value = ""
        self._read_at = -1e9
        self._dirty = False
        self._counting = False
        self.generation = 0  # bumped by invalidate(): lets waiters see a change

    def invalidate(self) -> None:
        with self._lock:
            self._dirty = True
            self.generation += 1

    def current(self) -> str:
        """The version; while another thread recounts, the last one (the first call waits):
        a count held up by a checkpoint of a big store must not hold up every request."""
        with self._lock:
            age = time.monotonic() - self._read_at
            due = age > self._ttl or (self._dirty and age > self._min_refresh)
            if not due or (self._counting and self._value):
                return self._value
            self._counting = True
            dirty_since = self.generation
        try:
            counted = self._engine.cursor().version()
        finally:
            with self._lock:
                self._counting = False
        with self._lock:
            self._value = counted
            self._read_at = time.monotonic()
            if self.generation == dirty_since:  # no invalidate() while counting
                self._dirty = False
            return self._value


class AnalysisCache:
    """Results per (analysis key, store version), computed in worker threads."""

    def __init__(
        self,
        engine: Engine,
        version: StoreVersion,
        *,
        workers: int = 4,
        refresh_min_seconds: float = REFRESH_MIN_SECONDS,
        refresh_factor: float = REFRESH_FACTOR,
    ) -> None:
        self.engine = engine
        self.refresh_min_seconds = refresh_min_seconds
        self.refresh_factor = refresh_factor
        self.version = version
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scenescope-web")
        # refreshes of answers already served stale: one at a time, at a lower priority than
        # the threads answering requests (the event loop, searches)
        self._background = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="scenescope-refresh", initializer=_lower_priority
        )
        self._results: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._running: dict[tuple[str, str], asyncio.Future[Any]] = {}
        self._latest: dict[str, tuple[str, Any]] = {}  # key -> (version, result): the newest
        self._computed: dict[str, tuple[float, float]] = {}  # key -> (finished at, seconds)
        self._calls: dict[str, asyncio.Future[Any]] = {}  # shared calls running

    async def get(self, key: str, compute: Callable[[Engine], T], *, fresh: bool = False) -> T:
        """`compute`'s result for the current store version; with an older version's result
        at hand (and not `fresh`), that one at once while the current one is computed."""
        loop = asyncio.get_running_loop()
        store_version = await loop.run_in_executor(self._pool, self.version.current)
        slot = (key, store_version)
        if slot in self._results:
            self._results.move_to_end(slot)
            return self._results[slot]
        older = self._latest.get(key)
        if older is not None and not fresh:
            busy = any(running_key == key for running_key, _ in self._running)
            if not busy and self._due(key):
                self._start(loop, slot, compute, background=True)
            served_stale.set(True)
            return older[1]
        running = self._running.get(slot) or self._start(loop, slot, compute)
        return await asyncio.shield(running)

    def _due(self, key: str) -> bool:
        """Whether a background refresh of `key` may start now (see the module doc)."""
        finished_at, seconds = self._computed.get(key, (-1e9, 0.0))
        wait = max(self.refresh_min_seconds, self.refresh_factor * seconds)
        return time.monotonic() - finished_at >= wait

    def _start(
        self,
        loop: asyncio.AbstractEventLoop,
        slot: tuple[str, str],
        compute: Callable[[Engine], T],
        *,
        background: bool = False,
    ) -> asyncio.Future[T]:
        pool = self._background if background else self._pool
        running: asyncio.Future[T] = loop.run_in_executor(pool, self._compute, compute)
        self._running[slot] = running
        started = time.monotonic()

        def done(future: asyncio.Future[T]) -> None:
            self._running.pop(slot, None)
            if future.cancelled():
                return
            if future.exception() is not None:
                log.warning("computing %s failed: %s", slot[0], future.exception())
                return
            value = future.result()
            finished = time.monotonic()
            self._computed[slot[0]] = (finished, finished - started)
            self._results[slot] = value
            self._latest[slot[0]] = (slot[1], value)
            while len(self._results) > MAX_ENTRIES:
                self._results.popitem(last=False)

        running.add_done_callback(done)
        return running

    async def run(self, compute: Callable[[Engine], T]) -> T:
        """Run uncached work (a search, a detail page) in a worker on its own cursor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._compute, compute)

    async def call(self, work: Callable[[], T], *, shared: str | None = None) -> T:
        """Run work that needs no store cursor (a search of the search index) in a worker.
        `shared`: what the answer depends on; calls with the same one while it runs wait for
        its answer instead of computing it again (a burst of the same new search)."""
        loop = asyncio.get_running_loop()
        if shared is None:
            return await loop.run_in_executor(self._pool, work)
        running = self._calls.get(shared)
        if running is None:
            running = loop.run_in_executor(self._pool, work)
            self._calls[shared] = running
            running.add_done_callback(lambda _: self._calls.pop(shared, None))
        return await asyncio.shield(running)

    def _compute(self, compute: Callable[[Engine], T]) -> T:
        engine = self.engine.cursor()
        try:
            return compute(engine)
        finally:
            engine.connection.close()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._background.shutdown(wait=False, cancel_futures=True)


def _lower_priority() -> None:
    """This thread (and the DuckDB work it runs itself) yields to the others (Linux)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
