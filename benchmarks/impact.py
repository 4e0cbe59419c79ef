"""Enforcement impact, measured two ways.

Validity (default): on `--seeds` simulated worlds the methods were not tuned on (seeds from
9101; the test uses 4243, development used 555/556), each world simulated with its event and
again without it, every analysis scored against the world's truth: coverage of the true weekly
counterfactual by the 90% interval and the interval's width, the removal/chill split, the top
displacement gainer, the break date, the what-if share a week before, tier lags. The peer,
measured on the same worlds: the naive before/after comparison (the mean of the eight weeks
before, ±1.645 sd), the baseline share as the removal share, and the biggest one-day drop as
the break.

Speed (`--rows N`): N bulk pres over two years and N sightings in a real store file; the time
of the impact study over the whole daily series and of propagation over every sighting, beside
a full scan of the same tables (the peer).

    .venv/bin/python benchmarks/impact.py --seeds 10 --scale 0.1
    .venv/bin/python benchmarks/impact.py --rows 10000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from scenescope.analysis.impact import Impact, ImpactParams
from scenescope.analysis.impact_detect import BreakDetector
from scenescope.analysis.impact_metrics import (
    DetectMetric,
    ImpactMetric,
    PropagationMetric,
    WhatIfMetric,
    true_split,
)
from scenescope.analysis.impact_series import load_daily
from scenescope.analysis.impact_whatif import WhatIf, WhatIfParams
from scenescope.analysis.propagation import Propagation, PropagationParams
from scenescope.analysis.trace_world import load_world
from scenescope.engine import Engine
from scenescope.sightings import import_sightings, link_sightings
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate
from scenescope.world.truth_records import WorldTruth

FIRST_SEED = 9101


def build(folder: Path, seed: int, scale: float, event: bool) -> tuple[Store, WorldTruth]:
    overrides = None if event else {"enforcement": {"enabled": False}}
    config = load_config(None, overrides=overrides).with_world(seed=seed, scale=scale)
    simulate(config, folder / "world")
    store = Store.open(folder / "store.duckdb")
    load_world(store, folder / "world")
    import_sightings(store, folder / "world" / "sightings.csv")
    link_sightings(store)
    return store, WorldTruth.load(folder / "world")


def naive(engine: Engine, truth: WorldTruth) -> dict[str, float | None]:
    """The before/after comparison an analyst does by hand."""
    event = truth.events[0]
    series = load_daily(engine, groups=event.removed_groups)
    at = series.index(event.date)
    weeks_before = [series.total[at - 7 * (k + 1) : at - 7 * k].sum() for k in range(8)]
    mean, sd = float(np.mean(weeks_before)), float(np.std(weeks_before, ddof=1))
    covered = [
        mean - 1.645 * sd <= w.counterfactual <= mean + 1.645 * sd
        for w in event.weeks
        if w.week >= 1 and series.index(w.end) < series.days
    ]
    base = slice(at - 56, at)
    share = float(series.targeted[base].sum() / series.total[base].sum())
    direct, chill = true_split(event, len(covered))
    return {
        "coverage": sum(covered) / len(covered) if covered else None,
        "width": 2 * 1.645 * sd / mean,
        "split_error": abs(share - direct / (direct + chill)) if direct + chill else None,
        "break_days_off": float(abs(_biggest_drop(series.total) - at)),
    }


def _biggest_drop(total: np.ndarray) -> int:
    # the last day is left out: a partial day is not a drop
    ratios = [total[i] / max(total[i - 7 : i].mean(), 1.0) for i in range(7, len(total) - 1)]
    return int(np.argmin(ratios)) + 7


def validity(seeds: int, scale: float, workdir: Path | None) -> None:
    rows = []
    no_event_clean = naive_false = 0
    for n in range(seeds):
        seed = FIRST_SEED + n
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            store, truth = build(Path(tmp) / "raided", seed, scale, True)
            with store:
                engine = Engine.of(store)
                event = truth.events[0]
                result = Impact().fit(
                    engine, ImpactParams(event=event.date, groups=event.removed_groups)
                )
                score = ImpactMetric().score(result, truth)
                detect = DetectMetric().score(BreakDetector().fit(engine), truth)
                what_if = WhatIfMetric().score(
                    WhatIf().fit(
                        engine,
                        WhatIfParams(
                            groups=event.removed_groups, as_of=event.date - dt.timedelta(days=7)
                        ),
                    ),
                    truth,
                )
                lags = PropagationMetric().score(
                    Propagation().fit(engine, PropagationParams(by_source_class=False)), truth
                )
                peer = naive(engine, truth)
            quiet, _ = build(Path(tmp) / "quiet", seed, scale, False)
            with quiet:
                breaks = BreakDetector().fit(Engine.of(quiet)).breaks
                clean = not [b for b in breaks if b.size < 0]
                no_event_clean += clean
                naive_false += 1  # the biggest one-day drop always names a day
        row = {
            "seed": seed,
            "coverage": score["coverage"],
            "width": score["median_width"],
            "split_error": score["direct_share_error"],
            "gainer": score["top_gainer_right"],
            "gainer_top3": score["true_gainer_in_top3"],
            "break_off": detect["days_off"],
            "what_if_error": what_if["share_error"],
            "lag_error": lags["max_lag_error"],
            "no_event_clean": float(clean),
            "naive": peer,
            "r50": (score.details["recovery_50_days"], score.details["true_recovery_50_days"]),
            "r90": (score.details["recovery_90_days"], score.details["true_recovery_90_days"]),
        }
        rows.append(row)
        print(
            f"seed {seed}: coverage {_f(row['coverage'])} (naive {_f(peer['coverage'])}), "
            f"width {_f(row['width'])}, split err {_f(row['split_error'])} "
            f"(naive {_f(peer['split_error'])}), gainer {row['gainer']}/{row['gainer_top3']}, "
            f"break ±{row['break_off']} d (naive ±{peer['break_days_off']}), "
            f"what-if err {_f(row['what_if_error'])}, lag err {_f(row['lag_error'])}, "
            f"recovery 50% {row['r50']}, 90% {row['r90']}, no-event clean {clean} "
            f"[{time.perf_counter() - started:.0f} s]",
            flush=True,
        )

    def col(key: str) -> list[float]:
        return [float(r[key]) for r in rows if r[key] is not None]

    def naive_col(key: str) -> list[float]:
        return [float(r["naive"][key]) for r in rows if r["naive"][key] is not None]

    print(f"\n{seeds} unseen seeds at scale {scale} (first {FIRST_SEED}):")
    print(
        f"  counterfactual inside the 90% interval: {statistics.mean(col('coverage')):.3f} of "
        f"post-event weeks (target ≥ 0.85); naive before/after: "
        f"{statistics.mean(naive_col('coverage')):.3f}"
    )
    print(
        f"  median interval width: {statistics.median(col('width')):.3f} of expected "
        f"(target < 0.30); naive: {statistics.median(naive_col('width')):.3f}"
    )
    print(
        f"  removal/chill split error: max {max(col('split_error')):.3f}, mean "
        f"{statistics.mean(col('split_error')):.3f} (target ≤ 0.10); naive mean "
        f"{statistics.mean(naive_col('split_error')):.3f}"
    )
    print(
        f"  top gainer right: {sum(col('gainer')):.0f}/{seeds}; in top 3: "
        f"{sum(col('gainer_top3')):.0f}/{seeds}"
    )
    offs = col("break_off")
    print(
        f"  break within ±2 days: {sum(o <= 2 for o in offs)}/{seeds}; naive biggest drop: "
        f"{sum(o <= 2 for o in naive_col('break_days_off'))}/{seeds}"
    )
    print(
        f"  no-event worlds with no drop reported: {no_event_clean}/{seeds} (target ≥ 9); "
        f"naive: {seeds - naive_false}/{seeds}"
    )
    print(
        f"  what-if share error a week before: max {max(col('what_if_error')):.3f} (target ≤ 0.05)"
    )
    print(f"  tier lag error: max {max(col('lag_error')):.3f} (target ≤ 0.10)")


def _f(value: object) -> str:
    return "—" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def speed(rows: int, workdir: Path | None) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from groups_scale import generate

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "impact.duckdb"
        with Store.open(path) as store:
            started = time.perf_counter()
            generate(store, rows, 2000, days=730)
            store.connection.execute(
                """
                INSERT INTO sightings (name, tier, site, seen_at, source, line, release_id,
                                       link_method, lag_ok, imported_at)
                SELECT r.name, ['p2p', 'usenet', 'ddl', 'streaming', 'iptv'][
                         CAST(hash(p.release_id, 'tier') % 5 AS INTEGER) + 1],
                       'site.example',
                       p.pre_at + to_seconds(CAST(hash(p.release_id, 'lag') % 86400 AS BIGINT)),
                       'bench', p.release_id, p.release_id, 'exact', true, now()
                FROM pre_reports p JOIN releases r USING (release_id)
                """
            )
            store.connection.execute(
                "INSERT INTO release_matches SELECT release_id, 'T' || (release_id // 8), "
                "'matched', 1.0, 'bench', NULL, NULL, NULL, now() FROM releases"
            )
            print(f"generated {rows:,} pres and sightings in {time.perf_counter() - started:.1f} s")
        with Store.open(path, read_only=True) as store:
            con = store.connection
            engine = Engine.of(store)
            t0 = time.perf_counter()
            con.execute("SELECT status, count(*) FROM release_state GROUP BY status").fetchall()
            pres_scan = time.perf_counter() - t0
            t0 = time.perf_counter()
            con.execute("SELECT tier, count(*), max(seen_at) FROM sightings GROUP BY 1").fetchall()
            sight_scan = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = Impact().fit(
                engine, ImpactParams(event=dt.date(2021, 1, 1), groups=("grp1", "grp2"))
            )
            impact_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            lag_rows = Propagation().fit(engine, PropagationParams()).rows
            propagation_s = time.perf_counter() - t0
        print(
            f"impact study ({len(result.daily_observed):,} days modelled) over two years of "
            f"{rows:,} pres: {impact_s:.1f} s "
            f"(target < 30 s); peer full scan {pres_scan:.2f} s, ratio {impact_s / pres_scan:.1f}x"
        )
        print(
            f"propagation over {rows:,} sightings ({len(lag_rows)} rows): {propagation_s:.1f} s "
            f"(target < 60 s); peer full scan {sight_scan:.2f} s, ratio "
            f"{propagation_s / max(sight_scan, 1e-9):.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--rows", type=int, default=None, help="Speed: this many pres.")
    parser.add_argument("--dir", type=Path, default=None, help="Where to put the stores.")
    args = parser.parse_args()
    if args.rows:
        speed(args.rows, args.dir)
    else:
        validity(args.seeds, args.scale, args.dir)


if __name__ == "__main__":
    main()
