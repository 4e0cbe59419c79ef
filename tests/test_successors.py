"""Successors over a real store: the group that picks up the dark group's show ranks first."""

from __future__ import annotations

import pytest

from scenescope.analysis.family_metrics import successor_ranks
from scenescope.analysis.successors import Successors, SuccessorSettings, find_successors
from scenescope.engine import Engine
from scenescope.store import Store
from test_groups_support import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("successors"))


def test_true_successor_ranks_first(store: Store) -> None:
    candidates = [c for c in find_successors(store.connection) if c.predecessor == "OLDTV"]
    assert [c.successor for c in candidates][:2] == ["NEWTV", "OTHERTV"]
    best = candidates[0]
    assert best.rank == 1 and best.score > candidates[1].score
    assert best.title_overlap == pytest.approx(1.0)
    assert best.gap_days == pytest.approx(21.0, abs=0.1)
    assert best.describe().startswith("likely successor of OLDTV")
    assert best.above_threshold and best.runner_up == "OTHERTV"
    assert best.margin == pytest.approx(best.score - candidates[1].score)
    assert not candidates[1].above_threshold and candidates[1].margin is None
    truth = {"successors": [{"old": "OLDTV", "new": "NEWTV"}, {"old": "LONER", "new": "X"}]}
    assert successor_ranks(candidates, truth) == {("OLDTV", "NEWTV"): 1, ("LONER", "X"): None}


def test_window_excludes_late_groups(store: Store) -> None:
    narrow = SuccessorSettings(after_days=7.0)
    assert not [c for c in find_successors(store.connection, narrow) if c.predecessor == "OLDTV"]


def test_estimator_leaves_no_tables_and_is_reentrant(store: Store) -> None:
    engine = Engine.of(store)
    before = set(engine.rows("SELECT table_name FROM duckdb_tables() WHERE temporary"))
    first, second = Successors().fit(engine), Successors().fit(engine.cursor())
    assert first.to_dict() == second.to_dict() and first.successors()
    assert set(engine.rows("SELECT table_name FROM duckdb_tables() WHERE temporary")) == before


def test_no_candidate_above_a_high_threshold(store: Store) -> None:
    strict = Successors().fit(Engine.of(store), SuccessorSettings(threshold=0.99))
    assert strict.candidates and not strict.successors()
