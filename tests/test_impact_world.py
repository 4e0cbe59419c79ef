"""Enforcement impact, break detection, what-if and propagation on simulated worlds the
methods were not tuned on (seed 4243; the benchmark reports other seeds), at a small scale:
the true counterfactual inside the interval, the removal/chill split, the gainer, the break
date, the what-if share, the tier lags; a world without an event shows no break."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cli_support import run
from scenescope.analysis.impact import Impact, ImpactParams
from scenescope.analysis.impact_detect import BreakDetector
from scenescope.analysis.impact_metrics import (
    DetectMetric,
    ImpactMetric,
    PropagationMetric,
    WhatIfMetric,
)
from scenescope.analysis.impact_whatif import WhatIf, WhatIfParams
from scenescope.analysis.propagation import Propagation, PropagationParams
from scenescope.analysis.trace_world import load_world
from scenescope.engine import Engine
from scenescope.sightings import import_sightings, link_sightings
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate
from scenescope.world.truth_records import WorldTruth

UNSEEN_SEED = 4243
SCALE = 0.05


def _world(
    folder: Path, enforcement: dict[str, Any] | None = None, **sections: dict[str, Any]
) -> tuple[Path, WorldTruth]:
    overrides = dict(sections)
    if enforcement:
        overrides["enforcement"] = enforcement
    config = load_config(None, overrides=overrides or None)
    simulate(config.with_world(seed=UNSEEN_SEED, scale=SCALE), folder / "world")
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        load_world(store, folder / "world")
        import_sightings(store, folder / "world" / "sightings.csv")
        link_sightings(store)
    return db, WorldTruth.load(folder / "world")


@pytest.fixture(scope="module")
def raided(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WorldTruth]:
    return _world(tmp_path_factory.mktemp("raided"))


def test_counterfactual_split_gainer_and_recovery(raided: tuple[Path, WorldTruth]) -> None:
    db, truth = raided
    event = truth.events[0]
    with Store.open(db, read_only=True) as store:
        result = Impact().fit(
            Engine.of(store), ImpactParams(event=event.date, groups=event.removed_groups)
        )
    score = ImpactMetric().score(result, truth)
    assert score["coverage"] is not None and score["coverage"] >= 0.85, score.to_dict()
    assert score["median_width"] is not None and score["median_width"] < 0.30
    assert score["direct_share_error"] is not None and score["direct_share_error"] <= 0.10
    # at this small scale the displaced slots are a few dozen releases: the true gainer is
    # among the top three (the benchmark reports top-1 at larger scales)
    assert score["true_gainer_in_top3"] == 1.0, score.to_dict()
    assert result.weeks[0].relative is not None and result.weeks[0].relative < -0.5
    for level in (50, 90):
        found, true = (
            score.details[f"recovery_{level}_days"],
            score.details[f"true_recovery_{level}_days"],
        )
        assert found is not None and true is not None and abs(found - true) <= 14
    # the renamed successor is named (by the successors estimator) for the group it replaces
    successors = {r.group: r.successor for r in result.returns}
    for known in truth.successors:
        assert successors.get(known.old) == known.new


def test_break_found_on_the_event_day_and_what_if_before_it(
    raided: tuple[Path, WorldTruth],
) -> None:
    db, truth = raided
    event = truth.events[0]
    with Store.open(db, read_only=True) as store:
        engine = Engine.of(store)
        breaks = BreakDetector().fit(engine)
        what_if = WhatIf().fit(
            engine,
            WhatIfParams(groups=event.removed_groups, as_of=event.date - dt.timedelta(days=7)),
        )
        lags = Propagation().fit(engine, PropagationParams(by_source_class=False))
    detected = DetectMetric().score(breaks, truth)
    assert detected["days_off"] is not None and detected["days_off"] <= 2, detected.to_dict()
    share = WhatIfMetric().score(what_if, truth)
    assert share["share_error"] is not None and share["share_error"] <= 0.05, share.to_dict()
    assert what_if.retail_leaks.value is not None and what_if.retail_leaks.value > 0.5
    propagation = PropagationMetric().score(lags, truth)
    assert propagation["max_lag_error"] is not None and propagation["max_lag_error"] <= 0.10


def test_a_world_without_an_event_has_no_drop(tmp_path: Path) -> None:
    db, truth = _world(tmp_path, {"enabled": False})
    assert truth.events == ()
    with Store.open(db, read_only=True) as store:
        breaks = BreakDetector().fit(Engine.of(store))
    assert [b for b in breaks.breaks if b.size < 0] == [], [b.to_dict() for b in breaks.breaks]


def test_a_holiday_dip_is_not_an_enforcement_effect(tmp_path: Path) -> None:
    # two holiday-like dips of the whole Scene (both worlds), no operation
    dips = [["2020-04-10", 3, 0.45], ["2020-12-24", 3, 0.4]]
    db, truth = _world(tmp_path, {"enabled": False}, volume={"dips": dips})
    assert truth.events == ()
    with Store.open(db, read_only=True) as store:
        breaks = BreakDetector().fit(Engine.of(store))
    assert [b for b in breaks.breaks if b.size < 0] == [], [b.to_dict() for b in breaks.breaks]


def test_lags_that_lengthen_after_the_event_are_measured_on_each_side(tmp_path: Path) -> None:
    db, truth = _world(tmp_path, tiers={"post_event_lag_factor": 1.8})
    event = truth.events[0]
    with Store.open(db, read_only=True) as store:
        lags = Propagation().fit(
            Engine.of(store),
            PropagationParams(by_source_class=False, events=(event.date,), window_weeks=16),
        )
    score = PropagationMetric().score(lags, truth)
    assert score["before_lag_error"] is not None and score["before_lag_error"] <= 0.10
    assert score["after_lag_error"] is not None and score["after_lag_error"] <= 0.10, (
        score.to_dict()
    )


def test_cli_rows_carry_the_documented_fields(
    raided: tuple[Path, WorldTruth], tmp_path: Path
) -> None:
    db, truth = raided
    event = truth.events[0]
    groups = ",".join(event.removed_groups)
    out = tmp_path / "study"
    result = run(
        "impact",
        "--event",
        event.date.isoformat(),
        "--groups",
        groups,
        "--db",
        db,
        "--json",
        "--out",
        out,
    )
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    weeks, summary = rows[:-1], rows[-1]
    assert weeks and all(
        {"week_start", "observed", "expected", "lower", "upper"} <= set(w) for w in weeks
    )
    assert {"direct_lost", "chill_lost", "recovery_50_days", "recovery_90_days", "gainers"} <= set(
        summary
    )
    assert (out / "counterfactual.png").stat().st_size > 1000
    assert (out / "counterfactual.svg").read_text().lstrip().startswith("<svg")
    assert json.loads((out / "impact.json").read_text())["summary"]["weeks"] == len(weeks)
    detect = run("impact", "--detect", "--db", db, "--json")
    assert detect.code == 0 and all(
        {"date", "size"} <= set(json.loads(line)) for line in detect.out.splitlines()
    )
    what_if = run(
        "impact",
        "--what-if",
        "--groups",
        groups,
        "--as-of",
        event.date.isoformat(),
        "--db",
        db,
        "--json",
    )
    assert what_if.code == 0 and "predicted_direct_share" in json.loads(what_if.out)
    lags = run("propagation", "--tier", "p2p", "--db", db, "--json")
    assert lags.code == 0 and {json.loads(line)["tier"] for line in lags.out.splitlines()} == {
        "p2p"
    }
    assert run("impact", "--db", db).code == 2  # no event, no --detect/--what-if
    bad = run("impact", "--event", "1999-01-01", "--db", db)
    assert bad.code == 2 and "outside the store's pres" in bad.err
