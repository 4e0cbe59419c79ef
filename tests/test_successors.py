"""Successors over a real store: the group that picks up the dark group's show ranks first."""

from __future__ import annotations

import pytest

from scenescope.analysis.family_metrics import successor_ranks
from scenescope.analysis.successors import SuccessorSettings, find_successors
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
    assert best.describe().startswith("possible successor of OLDTV")
    truth = {"successors": [{"old": "OLDTV", "new": "NEWTV"}, {"old": "LONER", "new": "X"}]}
    assert successor_ranks(candidates, truth) == {("OLDTV", "NEWTV"): 1, ("LONER", "X"): None}


def test_window_excludes_late_groups(store: Store) -> None:
    narrow = SuccessorSettings(after_days=7.0)
    assert not [c for c in find_successors(store.connection, narrow) if c.predecessor == "OLDTV"]
