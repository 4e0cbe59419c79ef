"""Trace on a simulated world end to end (simulate -> ingest -> catalog and supply import ->
match -> trace -> score), for the benchmark, the tests and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scenescope.analysis.base import Score
from scenescope.analysis.trace import (
    TraceMetric,
    TraceParams,
    TraceResult,
    naive_ranking,
    trace_accounts,
)
from scenescope.engine import Engine
from scenescope.world.truth_records import WorldTruth

if TYPE_CHECKING:
    from scenescope.store import Store


@dataclass(frozen=True, slots=True)
class WorldTrace:
    result: TraceResult
    score: Score
    naive_recall: float | None
    fronts: frozenset[str]


def load_world(store: Store, world_dir: Path) -> None:
    """Ingest a world's pres and nukes, import its catalog and supply files, match (the demo
    pipeline's steps)."""
    from scenescope.demo.pipeline import import_and_match, world_feeds

    for feed in world_feeds(world_dir):
        store.apply(feed)
    import_and_match(store, world_dir)


def trace_world(store: Store, world_dir: Path, params: TraceParams | None = None) -> WorldTrace:
    """Trace the loaded world and score the ranking and the naive baseline against its truth."""
    truth = WorldTruth.load(world_dir)
    engine = Engine.of(store)
    result = trace_accounts(engine, params)
    fronts = frozenset(f.account_id for f in truth.fronts)
    naive = [account for account, _ in naive_ranking(engine, params)][: len(fronts)]
    naive_recall = len(fronts & set(naive)) / len(fronts) if fronts else None
    return WorldTrace(result, TraceMetric().score(result, truth), naive_recall, fronts)
