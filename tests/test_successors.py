"""Successors over a real store: the group that picks up the dark group's show ranks first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from scenescope.analysis.family_metrics import successor_ranks
from scenescope.analysis.successors import Successors, SuccessorSettings, find_successors
from scenescope.catalog.importer import import_catalog
from scenescope.catalog.match_run import match_releases
from scenescope.engine import Engine
from scenescope.feeds.files import FileFeed
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate
from scenescope.world.truth_records import WorldTruth
from test_groups_support import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("successors"))


def test_true_successor_ranks_first(store: Store) -> None:
    candidates = [c for c in find_successors(store.connection) if c.predecessor == "OLDTV"]
    assert [c.successor for c in candidates][:2] == ["NEWTV", "OTHERTV"]
    best = candidates[0]
    assert best.rank == 1 and best.score > 5 * candidates[1].score
    # its releases could be a sample of the dark group's, the runner-up's could not; with no
    # other group active across the silence there is no chance level, so no certainty either
    assert best.profile_consistent and not candidates[1].profile_consistent
    assert best.field_size == 0 and best.score < SuccessorSettings().threshold
    assert best.gap_days == pytest.approx(21.0, abs=0.1)
    assert best.describe().startswith("possible successor of OLDTV")
    assert not best.above_threshold and best.runner_up == "OTHERTV"
    assert best.margin == pytest.approx(best.score - candidates[1].score)
    assert candidates[1].margin is None
    truth = {"successors": [{"old": "OLDTV", "new": "NEWTV"}, {"old": "LONER", "new": "X"}]}
    assert successor_ranks(candidates, truth) == {("OLDTV", "NEWTV"): 1, ("LONER", "X"): None}


def test_window_excludes_late_groups(store: Store) -> None:
    narrow = SuccessorSettings(after_days=7.0)
    assert not [c for c in find_successors(store.connection, narrow) if c.predecessor == "OLDTV"]


def test_estimator_leaves_no_tables_and_is_reentrant(store: Store) -> None:
    engine = Engine.of(store)
    before = set(engine.rows("SELECT table_name FROM duckdb_tables() WHERE temporary"))
    low = SuccessorSettings(threshold=0.02)  # OLDTV fades alone (prior 0.05), no field
    first, second = Successors().fit(engine, low), Successors().fit(engine.cursor(), low)
    assert first.to_dict() == second.to_dict() and first.successors()
    assert set(engine.rows("SELECT table_name FROM duckdb_tables() WHERE temporary")) == before


def test_no_candidate_above_a_high_threshold(store: Store) -> None:
    strict = Successors().fit(Engine.of(store), SuccessorSettings(threshold=0.99))
    assert strict.candidates and not strict.successors()


def _world(directory: Path, seed: int, overrides: dict[str, Any] | None) -> tuple[Store, Any]:
    config = load_config(overrides=overrides).with_world(
        seed=seed, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31), scale=0.1
    )
    files = directory / "world"
    simulate(config, files)
    store = Store.open(directory / "world.duckdb")
    store.apply(FileFeed(files / "pres.csv"))
    store.apply(FileFeed(files / "nukes.csv"))
    import_catalog(
        store, [files / "titles.csv", files / "release_dates.csv", files / "episodes.csv"]
    )
    match_releases(store)
    return store, WorldTruth.load(files)


# seeds 223 and 101 were not used to choose the settings (those were 11, 29, 2024, 7001-7005);
# before the successor kept its supply, 101 without one reported a look-alike newcomer
@pytest.mark.parametrize(("seed", "with_successor"), [(223, True), (223, False), (101, False)])
def test_simulated_world_successor_and_none(
    tmp_path: Path, seed: int, with_successor: bool
) -> None:
    overrides = None if with_successor else {"enforcement": {"successor_name": ""}}
    store, truth = _world(tmp_path, seed, overrides)
    with store:
        result = Successors().fit(Engine.of(store))
    if with_successor:
        (true,) = truth.successors
        best = next(c for c in result.candidates if c.predecessor == true.old and c.rank == 1)
        assert best.successor == true.new, best.to_dict()
        assert best.above_threshold and best.profile_consistent
        assert best.margin is not None and best.margin > 0.5
        assert best.field_as_close <= 5 < best.field_size
        # the renamed group kept part of the old family's supply: discs early, a similar lead
        assert best.supply == "kept" and best.field_supplied <= 5
        old_early, new_early = best.early_share
        assert old_early is not None and new_early is not None and new_early >= 0.3
        lead_old, lead_new = best.lead_days
        assert lead_old is not None and lead_new is not None and abs(lead_old - lead_new) < 5
        assert "discs early" in best.describe()
    else:
        assert not truth.successors
        assert result.candidates and not result.successors(), [
            c.to_dict() for c in result.successors()
        ]
