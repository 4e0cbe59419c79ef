"""Tracing retail leaks to accounts: accuracy on simulated worlds the model was not tuned on,
against the naive baseline (count of leaked titles received before the pre), and the model at
scale (10,000 accounts x 500,000 shipments x 5,000 leaks) with its peak memory.

    python benchmarks/trace.py [--seeds 101 202] [--scale 0.1] [--skip-worlds] [--skip-scale]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from scenescope.analysis.trace import reliability_table
from scenescope.analysis.trace_model import ModelInputs, fit_model
from scenescope.analysis.trace_world import WorldTrace, load_world, trace_world
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate


def _more_fronts(per_family: dict[str, int]) -> list[dict[str, Any]]:
    """The default families with more fronts each (a harder, better-populated ranking)."""
    families = load_config(None).to_dict()["families"]
    for family in families:
        family["fronts"] = per_family.get(family["family_id"], family["fronts"])
    return families


def _world(folder: Path, seed: int, scale: float, overrides: dict[str, Any] | None) -> WorldTrace:
    config = load_config(None, overrides=overrides)
    simulate(config.with_world(seed=seed, scale=scale), folder / "world")
    with Store.open(folder / "store.duckdb") as store:
        load_world(store, folder / "world")
        return trace_world(store, folder / "world")


def worlds(seeds: list[int], scale: float, labels: list[str] | None = None) -> None:
    print(f"== accuracy on unseen worlds (scale {scale}) ==")
    variants: tuple[tuple[str, dict[str, Any] | None], ...] = (
        ("plain", None),
        ("10% missing + 5% mis-dated", {"supply": {"missing_share": 0.10, "misdated_share": 0.05}}),
        ("no fronts", {"supply": {"with_fronts": False}}),
        ("12+3 fronts", {"families": _more_fronts({"F1": 12, "F3": 3})}),
    )
    only = set(labels or [label for label, _ in variants])
    for seed in seeds:
        recalls: dict[str, float | None] = {}
        for label, overrides in variants:
            if label not in only:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                traced = _world(Path(tmp), seed, scale, overrides)
            score = traced.score
            recalls[label] = score["recall_at_k"]
            top = max((a.posterior for a in traced.result.accounts), default=0.0)
            print(
                f"seed {seed} {label:28s} fronts={len(traced.fronts)} "
                f"leaked_titles={traced.result.leaked_titles} "
                f"recall@k model={_f(score['recall_at_k'])} naive={_f(traced.naive_recall)} "
                f"precision(>=0.9)={_f(score['precision_at_0_9'])} "
                f"max_innocent={_f(score['max_innocent_posterior'])} max_posterior={top:.3f} "
                f"unknown_share={traced.result.unknown_share:.3f}"
            )
            if label in ("plain", "12+3 fronts"):
                print("  reliability (posterior bin: accounts, fronts, share of fronts)")
                for row in reliability_table(traced.result, set(traced.fronts)):
                    print(f"    {row['bin']:12s} {row['accounts']:5d} {row['fronts']:4d} "
                          f"{_f(row['front_share'])}")  # fmt: skip
        plain, degraded = recalls.get("plain"), recalls.get("10% missing + 5% mis-dated")
        if plain is not None and degraded is not None:
            print(f"  recall drop with imperfect records: {100 * (plain - degraded):.1f} points")


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def scale_run(accounts: int, shipments: int, leaks: int, fronts: int, seed: int) -> None:
    """Synthetic supply at the issue's scale: build the candidate pairs in DuckDB (the same
    join the estimator runs) and fit the model; the naive count over the same pairs is the
    peer."""
    print(f"== scale: {accounts:,} accounts x {shipments:,} shipments x {leaks:,} leaks ==")
    rng = np.random.default_rng(seed)
    titles = 2 * leaks  # half the titles leak
    started = time.perf_counter()
    per_title = shipments // titles
    ship_title = np.repeat(np.arange(titles), per_title)
    ship_account = rng.integers(0, accounts, len(ship_title))
    chains = np.arange(20)  # receive a share of everything, early
    ship_account[rng.random(len(ship_title)) < 0.15] = rng.choice(chains, 1)[0]
    street = rng.integers(0, 365, titles)
    ship_day = street[ship_title] - rng.integers(3, 29, len(ship_title))
    front_ids = np.arange(accounts - fronts, accounts)
    leaked = rng.choice(titles, leaks, replace=False)
    front_title = leaked[: leaks // 2]  # half the leaks from fronts
    ship_account[np.searchsorted(ship_title, front_title)] = rng.choice(front_ids, len(front_title))
    pre_day = street - rng.uniform(0.5, 5, titles)
    lead = np.searchsorted(ship_title, front_title)
    pre_day[front_title] = ship_day[lead] + rng.uniform(0.2, 3.0, len(front_title))
    con = duckdb.connect()
    con.register("ships", {"title_id": ship_title, "account_id": ship_account,
                           "shipped_day": ship_day})  # fmt: skip
    con.register("leaks", {"title_id": leaked, "pre_day": pre_day[leaked]})
    built = time.perf_counter()
    pairs = con.execute(
        "SELECT l.title_id, s.account_id, l.pre_day - max(s.shipped_day) AS delay "
        "FROM leaks l JOIN ships s ON s.title_id = l.title_id AND s.shipped_day < l.pre_day "
        "GROUP BY l.title_id, s.account_id, l.pre_day ORDER BY l.title_id, s.account_id"
    ).fetchnumpy()
    exposure = np.bincount(ship_account, minlength=accounts).astype(float)
    _, leak_index = np.unique(pairs["title_id"], return_inverse=True)
    joined = time.perf_counter()
    inputs = ModelInputs(
        pair_leak=leak_index.astype(np.int64),
        pair_account=pairs["account_id"].astype(np.int64),
        pair_delay_days=pairs["delay"].astype(np.float64),
        exposure=exposure,
        leak_count=int(leak_index.max()) + 1,
    )
    fit = fit_model(inputs)
    fitted = time.perf_counter()
    naive = np.argsort(-np.bincount(inputs.pair_account, minlength=accounts))[:fronts]
    peer = time.perf_counter()
    top = np.argsort(-fit.posterior)[:fronts]
    truth = set(front_ids.tolist())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pairs={len(inputs.pair_leak):,} iterations={fit.iterations}")
    print(f"join {joined - built:.2f}s  fit (EM + {200} bootstrap draws) {fitted - joined:.2f}s  "
          f"total {fitted - started:.2f}s  | peer: naive count {peer - fitted:.3f}s")  # fmt: skip
    print(
        f"recall@k model={len(truth & set(top.tolist())) / fronts:.3f} "
        f"naive={len(truth & set(naive.tolist())) / fronts:.3f}  peak RSS {peak_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 202])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--skip-worlds", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--only", nargs="+", help="World variants to run (by label).")
    args = parser.parse_args()
    if not args.skip_worlds:
        worlds(args.seeds, args.scale, args.only)
    if not args.skip_scale:
        scale_run(10_000, 500_000, 5_000, 50, seed=7)


if __name__ == "__main__":
    main()
