"""Leak detection and title matching on a simulated world, scored against its truth.json.

Simulates a world (or takes an existing one with --world), ingests its pres and nukes through
the files feed into a fresh store, imports its catalog, matches, finds leaks, and prints
precision / recall on leaks and title-match accuracy, with the time each step took.

    .venv/bin/python benchmarks/leaks.py --seed 7331 --scale 0.1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from scenescope.analysis.leak_metrics import score_leaks
from scenescope.analysis.leaks import find_leaks
from scenescope.catalog import import_catalog, match_releases
from scenescope.feeds.files import FileFeed
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7331)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--world", type=Path, help="An existing world directory to score.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        world = args.world
        if world is None:
            world = Path(scratch) / "world"
            started = time.perf_counter()
            config = load_config(None).with_world(seed=args.seed, scale=args.scale)
            summary = simulate(config, world)
            print(
                f"world seed {args.seed} scale {args.scale}: {summary.releases:,} releases, "
                f"{summary.leaks:,} true leaks ({time.perf_counter() - started:.1f} s)"
            )
        steps: dict[str, float] = {}
        with Store.open(Path(scratch) / "store.duckdb") as store:
            started = time.perf_counter()
            for name in ("pres.csv", "nukes.csv"):
                store.apply(FileFeed(world / name))
            steps["ingest"] = time.perf_counter() - started
            started = time.perf_counter()
            report = import_catalog(store, [world])
            steps["catalog import"] = time.perf_counter() - started
            started = time.perf_counter()
            matched = match_releases(store)
            steps["match"] = time.perf_counter() - started
            started = time.perf_counter()
            leaks = find_leaks(store)
            steps["find leaks"] = time.perf_counter() - started
            score = score_leaks(leaks, world / "truth.json", store=store)

    print(
        f"catalog: {report.titles:,} titles, {report.release_dates:,} dates, "
        f"{report.episodes:,} episodes, {len(report.problems)} problems"
    )
    print(
        f"match: {matched.releases:,} video releases -> {matched.matched:,} matched, "
        f"{matched.possible:,} possible only, {matched.unmatched:,} unmatched"
    )
    print("time: " + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in steps.items()))
    print(
        f"leaks found: {len(leaks):,}  by severity: "
        + ", ".join(f"{k} {v}" for k, v in Counter(x.severity for x in leaks).most_common())
    )
    print(
        f"precision {score.precision:.4f} (target >= 0.99), recall {score.recall:.4f} "
        f"(target >= 0.98): {score.true_positives} found, {score.false_positives} false, "
        f"{score.false_negatives} missed; lead error {score.lead_mae_days:.4f} days (mean)"
    )
    print(
        f"title-match accuracy {score.title_accuracy:.4f} (target >= 0.99) over "
        f"{score.matched_releases:,} asserted matches; catalog releases given their title: "
        f"{score.title_match_recall if score.title_match_recall is not None else 'n/a'}"
    )
    for label, examples in (
        ("false", score.false_positive_examples),
        ("missed", score.missed_examples),
    ):
        for name in examples[:5]:
            print(f"  {label}: {name}")


if __name__ == "__main__":
    main()
