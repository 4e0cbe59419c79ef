"""The workbench's analysis cache on a real store while it is written: a result is computed
once per store version, and while a newer version's result is being computed the older one
answers at once (flagged stale), so a feed committing many batches a second does not make
every request wait for a recomputation."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import threading
from pathlib import Path

from scenescope.engine import Engine
from scenescope.feeds.events import PreReport
from scenescope.store import Store
from scenescope.web.cache import AnalysisCache, StoreVersion, served_stale

AT = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)


def pre(i: int) -> PreReport:
    return PreReport(
        name=f"Cache.Test.{i}.2024.1080p.WEB.H264-GRP", pre_at=AT, feed="test", category="X264"
    )


def test_stale_while_the_new_version_is_computed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "cache.duckdb")
    store.apply([pre(0)])
    engine = Engine.of(store)
    version = StoreVersion(engine, ttl_seconds=60, min_refresh_seconds=0)
    cache = AnalysisCache(engine, version, workers=2, refresh_min_seconds=0)
    release = threading.Event()
    calls: list[int] = []

    def count(e: Engine) -> int:
        calls.append(1)
        if len(calls) > 1:
            release.wait(10)  # the recomputation is slow until the test lets it finish
        return int(e.scalar("SELECT count(*) FROM releases"))

    async def scenario() -> tuple[int, bool, int, bool, int, int]:
        first = await cache.get("count", count)
        store.apply([pre(1)])
        version.invalidate()
        served_stale.set(False)
        stale = await cache.get("count", count)  # answers before the slow recomputation
        was_stale = served_stale.get()
        release.set()
        for _ in range(200):
            await asyncio.sleep(0.02)
            served_stale.set(False)
            fresh = await cache.get("count", count)
            if not served_stale.get():
                break
        served_stale.set(False)
        forced = await cache.get("count", count, fresh=True)
        return first, was_stale, stale, served_stale.get(), fresh, forced

    try:
        first, was_stale, stale, last_stale, fresh, forced = asyncio.run(scenario())
    finally:
        cache.close()
        store.close()
    assert (first, stale, fresh, forced) == (1, 1, 2, 2)
    assert was_stale and not last_stale
    assert len(calls) == 2  # one computation per version, however many requests asked


def test_the_version_is_not_recounted_for_every_commit(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "version.duckdb")
    engine = Engine.of(store)
    version = StoreVersion(engine, ttl_seconds=60, min_refresh_seconds=30)
    before = version.current()
    store.apply([pre(2)])
    version.invalidate()
    assert version.current() == before  # within the minimum refresh interval
    quick = StoreVersion(engine, ttl_seconds=60, min_refresh_seconds=0)
    quick.current()
    store.apply([pre(3)])
    quick.invalidate()
    assert quick.current() != before
    store.close()


def test_a_stale_answer_is_refreshed_at_most_so_often(tmp_path: Path) -> None:
    """Under a feed the version moves all the time: an analysis is recomputed in the
    background at most every refresh_min_seconds, not back to back."""
    store = Store.open(tmp_path / "cache.duckdb")
    store.apply([pre(0)])
    engine = Engine.of(store)
    version = StoreVersion(engine, ttl_seconds=60, min_refresh_seconds=0)
    cache = AnalysisCache(engine, version, workers=2, refresh_min_seconds=0.6)
    calls: list[int] = []

    def count(e: Engine) -> int:
        calls.append(1)
        return int(e.scalar("SELECT count(*) FROM releases"))

    async def scenario() -> list[int]:
        seen = [await cache.get("count", count)]
        for i in range(1, 4):  # three writes in quick succession: no refresh yet
            store.apply([pre(i)])
            version.invalidate()
            seen.append(await cache.get("count", count))
            await asyncio.sleep(0.05)
        computed_soon = len(calls)
        await asyncio.sleep(0.7)
        seen.append(await cache.get("count", count))  # due now: starts the refresh
        for _ in range(100):
            await asyncio.sleep(0.02)
            served_stale.set(False)
            latest = await cache.get("count", count)
            if not served_stale.get():
                break
        return [*seen, computed_soon, latest]

    try:
        result = asyncio.run(scenario())
    finally:
        cache.close()
        store.close()
    assert result[:4] == [1, 1, 1, 1]  # the older answer, at once, while it is not due
    assert result[5] == 1  # one computation only in the first 0.2 s
    assert result[6] == 4 and len(calls) == 2


def test_the_same_call_while_it_runs_is_answered_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "shared.duckdb")
    engine = Engine.of(store)
    cache = AnalysisCache(engine, StoreVersion(engine), workers=4)
    release = threading.Event()
    runs: list[str] = []

    def work(key: str) -> object:
        runs.append(key)
        release.wait(10)
        return {"key": key}

    async def scenario() -> tuple[list[object], object]:
        burst = [
            asyncio.ensure_future(cache.call(functools.partial(work, key), shared=key))
            for key in ("a", "a", "a", "b")
        ]
        await asyncio.sleep(0.2)  # every call of the burst is waiting on its computation
        release.set()
        answers = list(await asyncio.gather(*burst))
        later = await cache.call(lambda: work("a"), shared="a")  # done: computed anew
        return answers, later

    try:
        answers, later = asyncio.run(scenario())
    finally:
        cache.close()
        store.close()
    assert answers == [{"key": "a"}] * 3 + [{"key": "b"}]
    assert answers[0] is answers[1] is answers[2]
    assert sorted(runs) == ["a", "a", "b"] and later == {"key": "a"}
