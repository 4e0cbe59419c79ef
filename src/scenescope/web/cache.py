"""Analyses that take seconds, run off the event loop and kept per store version.

`AnalysisCache.get(key, compute)` runs `compute(engine)` in a worker thread on its own DuckDB
cursor, once per (key, store version) even when many requests ask at the same time; the
event loop only awaits. The store version is the engine's (table counts), read at most once
per `version_ttl_seconds` unless `invalidate()` says the store just changed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scenescope.engine import Engine

T = TypeVar("T")
MAX_ENTRIES = 256


class StoreVersion:
    """The store's version, cheap to ask often: cached, refreshed on `invalidate()` or after
    `ttl_seconds` (writers in this process call invalidate; the TTL covers the rest)."""

    def __init__(self, engine: Engine, ttl_seconds: float = 1.0) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._value = ""
        self._read_at = -1e9
        self.generation = 0  # bumped by invalidate(): lets waiters see a change

    def invalidate(self) -> None:
        with self._lock:
            self._read_at = -1e9
            self.generation += 1

    def current(self) -> str:
        with self._lock:
            now = time.monotonic()
            if now - self._read_at > self._ttl:
                self._value = self._engine.cursor().version()
                self._read_at = now
            return self._value


class AnalysisCache:
    """Results per (analysis key, store version), computed in worker threads."""

    def __init__(self, engine: Engine, version: StoreVersion, *, workers: int = 4) -> None:
        self.engine = engine
        self.version = version
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scenescope-web")
        self._results: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._running: dict[tuple[str, str], asyncio.Future[Any]] = {}

    async def get(self, key: str, compute: Callable[[Engine], T]) -> T:
        loop = asyncio.get_running_loop()
        store_version = await loop.run_in_executor(self._pool, self.version.current)
        slot = (key, store_version)
        if slot in self._results:
            self._results.move_to_end(slot)
            return self._results[slot]
        running = self._running.get(slot)
        if running is None:
            running = loop.run_in_executor(self._pool, self._compute, compute)
            self._running[slot] = running
            try:
                value = await running
            finally:
                self._running.pop(slot, None)
            self._results[slot] = value
            while len(self._results) > MAX_ENTRIES:
                self._results.popitem(last=False)
            return value
        return await asyncio.shield(running)

    async def run(self, compute: Callable[[Engine], T]) -> T:
        """Run uncached work (a search, a detail page) in a worker on its own cursor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._compute, compute)

    def _compute(self, compute: Callable[[Engine], T]) -> T:
        engine = self.engine.cursor()
        try:
            return compute(engine)
        finally:
            engine.connection.close()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
