"""Affiliation families over a real store: the family is found, with its evidence, and the
rival that races it is not in it; the network exports are well-formed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from scenescope.analysis.affiliation import AffiliationSettings, infer_families, split_rivals
from scenescope.analysis.affiliation_evidence import expected_shared
from scenescope.analysis.family_metrics import adjusted_rand_index, score_families
from scenescope.report.network_view import network_html, write_graphml
from scenescope.store import Store
from test_groups_support import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("affiliation"))


def test_family_found_with_evidence(store: Store) -> None:
    result = infer_families(store.connection)
    assert len(result.families) == 1
    family = result.families[0]
    assert set(family.members) == {"SPRiNTER", "GECKOS"}
    assert family.confidence > 0.5
    edge = family.edges[0]
    assert edge.together == 8 and edge.races == 0 and edge.retail_together == 8
    assert edge.mean_gap_s == pytest.approx(240.0)
    assert result.family_of("rival") is None
    assert result.community["rival"] != result.community["sprinter"]


def test_racing_groups_get_no_edge(store: Store) -> None:
    result = infer_families(store.connection)
    pairs = {frozenset((e.group_a, e.group_b)) for e in result.edges}
    assert frozenset(("SPRiNTER", "RiVAL")) not in pairs


def test_tight_window_drops_the_edge(store: Store) -> None:
    # GECKOS follows SPRiNTER by 4 minutes: a fixed 1-minute window sees no joint drops
    fixed = AffiliationSettings(together_window_s=60, max_together_window_s=60)
    assert infer_families(store.connection, fixed).families == ()
    # ... while a window relative to the pair's own median gap (3 × 4 minutes) does, once
    # the pair has enough titles to measure it on
    relative = AffiliationSettings(
        together_window_s=60, max_together_window_s=3600, min_rhythm_titles=5
    )
    assert len(infer_families(store.connection, relative).families) == 1


def test_score_against_truth(store: Store) -> None:
    result = infer_families(store.connection)
    truth = {
        "groups": [{"name": n} for n in ("SPRiNTER", "GECKOS", "RiVAL", "LONER", "OLDTV")],
        "families": [{"family_id": "F1", "members": ["sprinter", "GECKOS"]}],
    }
    score = score_families(result, truth, min_releases=5)
    assert score.whole == {"F1": True}
    assert score.ari == pytest.approx(1.0)
    wrong = {
        "groups": truth["groups"],
        "families": [{"family_id": "F1", "members": ["SPRiNTER", "RiVAL"]}],
    }
    assert score_families(result, wrong, min_releases=5).whole == {"F1": False}


def test_adjusted_rand_index_known_values() -> None:
    assert adjusted_rand_index([0, 0, 1, 1], ["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(
        0.242424, abs=1e-5
    )
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(0.571428, abs=1e-5)
    with pytest.raises(ValueError, match="differ in length"):
        adjusted_rand_index([0, 1], [0])


def test_graphml_and_html(store: Store, tmp_path: Path) -> None:
    result = infer_families(store.connection)
    path = tmp_path / "net.graphml"
    write_graphml(result, str(path))
    root = ET.parse(path).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == len(result.groups)
    assert len(root.findall(".//g:edge", ns)) == len(result.edges) >= 1
    page = network_html(result)
    assert page.startswith("<!doctype html>")
    assert "SPRiNTER" in page and "<svg" in page and "<script>" in page
    assert "http://" not in page and "https://" not in page  # offline: nothing fetched


def test_chance_expectation_separates_busy_groups_from_a_supply() -> None:
    # groups 0 and 1 share a supply of 10 rare titles; groups 2..5 all release the same 30
    # popular titles (2 and 3 are the busy pair); 6..9 each release 10 titles of their own
    rows = [(g, t) for g in (0, 1) for t in range(10)]
    rows += [(g, t) for g in (2, 3, 4, 5) for t in range(10, 40)]
    rows += [(g, 40 + 10 * (g - 6) + t) for g in (6, 7, 8, 9) for t in range(10)]
    incidence = {
        "gid": np.array([g for g, _ in rows]),
        "t": np.array([t for _, t in rows]),
        "niche": np.zeros(len(rows), dtype=int),
    }
    supply, busy = expected_shared(incidence, np.array([0, 2]), np.array([1, 3]), 20)
    assert supply < 3.0  # 10 shared, far beyond chance
    assert busy > 20.0  # most of their 30 shared popular titles are what chance gives


def test_rivals_split_from_a_community() -> None:
    # 0-1 drop together strongly, 1-2 weakly; 0 and 2 race on the same format
    evidence = {
        "a": np.array([0, 1, 0]),
        "b": np.array([1, 2, 2]),
        "races": np.array([0, 0, 9]),
        "together": np.array([20, 6, 0]),
    }
    weights = np.array([0.9, 0.2, 0.0])
    membership = split_rivals([0, 0, 0], evidence, weights, AffiliationSettings())
    assert membership[0] == membership[1] != membership[2]


def test_a_rival_split_out_takes_the_groups_only_it_tied_to_the_community() -> None:
    # 0, 1, 4 are one supply; 2 races 0 and leaves; 3 was in only through its partner 2
    evidence = {
        "a": np.array([0, 0, 1, 1, 2, 0]),
        "b": np.array([1, 4, 4, 2, 3, 2]),
        "races": np.array([0, 0, 0, 0, 0, 9]),
        "together": np.array([20, 20, 20, 6, 20, 0]),
    }
    weights = np.array([0.9, 0.9, 0.9, 0.6, 1.0, 0.0])
    membership = split_rivals([0, 0, 0, 0, 0], evidence, weights, AffiliationSettings())
    assert membership[0] == membership[1] == membership[4]
    assert membership[2] == membership[3] != membership[0]
