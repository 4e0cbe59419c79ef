"""Families and successors against the simulator's truth, through the production path.

Simulates a world (files), ingests pres and nukes through the file feed into a real store,
imports the catalog and matches titles, then infers families and successors and scores
them: adjusted Rand index over groups with >= 20 releases, whole-family recovery, the true
successor's rank; with timings, and the inference's time as a ratio to the ingest's.

    .venv/bin/python benchmarks/families.py --seed 2024 --scale 0.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from scenescope.analysis.affiliation import AffiliationResult, infer_families
from scenescope.analysis.family_metrics import score_families, successor_ranks
from scenescope.analysis.successors import SuccessorCandidate, find_successors
from scenescope.catalog.importer import import_catalog
from scenescope.catalog.match_run import match_releases
from scenescope.feeds.files import FileFeed
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate


def build_world(
    directory: Path, *, seed: int, start: dt.date, end: dt.date, scale: float
) -> tuple[Store, dict[str, Any], dict[str, float]]:
    """Simulate, ingest and match one world; return the open store, its truth and timings."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    config = load_config().with_world(seed=seed, start=start, end=end, scale=scale)
    world = directory / "world"
    simulate(config, world)
    timings["simulate"] = time.perf_counter() - started
    started = time.perf_counter()
    store = Store.open(directory / "world.duckdb")
    store.apply(FileFeed(world / "pres.csv"))
    store.apply(FileFeed(world / "nukes.csv"))
    timings["ingest"] = time.perf_counter() - started
    started = time.perf_counter()
    import_catalog(
        store, [world / "titles.csv", world / "release_dates.csv", world / "episodes.csv"]
    )
    match_releases(store)
    timings["catalog+match"] = time.perf_counter() - started
    truth = json.loads((world / "truth.json").read_text(encoding="utf-8"))
    return store, truth, timings


def infer(store: Store) -> tuple[AffiliationResult, list[SuccessorCandidate], dict[str, float]]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    result = infer_families(store.connection)
    timings["families"] = time.perf_counter() - started
    started = time.perf_counter()
    candidates = find_successors(store.connection)
    timings["successors"] = time.perf_counter() - started
    return result, candidates, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2020, 1, 1))
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2020, 12, 31))
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--min-releases", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store, truth, timings = build_world(
            Path(tmp), seed=args.seed, start=args.start, end=args.end, scale=args.scale
        )
        with store:
            result, candidates, more = infer(store)
            releases = store.connection.execute("SELECT count(*) FROM releases").fetchone()
        timings.update(more)
    score = score_families(result, truth, min_releases=args.min_releases)
    ranks = successor_ranks(candidates, truth)
    print(
        f"world seed {args.seed}, {args.start}..{args.end}, scale {args.scale}: "
        f"{releases[0] if releases else 0:,} releases, {len(result.groups)} groups in the graph"
    )
    print(
        f"ARI over {score.groups_scored} groups with >= {args.min_releases} releases: "
        f"{score.ari:.4f} (target >= 0.9; {score.true_pairs} same-family pairs)"
    )
    for family_id, whole in score.whole.items():
        print(f"  family {family_id}: {'recovered whole' if whole else 'NOT recovered whole'}")
    for (old, new), rank in ranks.items():
        print(f"  successor {old} -> {new}: rank {rank if rank is not None else 'not found'}")
    print(f"inferred families: {len(result.families)}")
    for family in result.families:
        print(
            f"  {family.family_id}: {', '.join(family.members)} "
            f"(confidence {family.confidence:.2f})"
        )
    print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    inference = timings["families"] + timings["successors"]
    print(f"inference / ingest time ratio: {inference / timings['ingest']:.3f}")


if __name__ == "__main__":
    main()
