"""The race per title × format over a real store: winner, margin, dupes and group records."""

from __future__ import annotations

import pytest

from scenescope.analysis.race import group_race_records, races_for_group, races_for_title
from scenescope.store import Store
from test_groups_support import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("race"))


def test_title_races_split_by_format(store: Store) -> None:
    races = {r.format: r for r in races_for_title(store.connection, "Silver Harbor")}
    assert len(races) == 2
    hd = next(r for f, r in races.items() if "1080p" in f)
    assert hd.winner == "SPRiNTER"
    assert hd.margin_s == pytest.approx(3600.0)
    assert [d.group for d in hd.dupes] == ["RiVAL"]
    assert hd.dupes[0].status == "nuked"
    sd = next(r for f, r in races.items() if "720p" in f)
    assert sd.winner == "GECKOS" and sd.margin_s is None


def test_proper_is_not_an_entry(store: Store) -> None:
    for race in races_for_title(store.connection, "silver.harbor"):
        assert "FiXERS" not in {e.group for e in race.entrants}


def test_group_records(store: Store) -> None:
    records = {r.group: r for r in group_race_records(store.connection)}
    assert (records["SPRiNTER"].entered, records["SPRiNTER"].won) == (8, 8)
    assert records["SPRiNTER"].median_margin_s == pytest.approx(3600.0)
    assert (records["RiVAL"].entered, records["RiVAL"].won) == (8, 0)
    assert records["RiVAL"].dupes_nuked == 6
    assert records["GECKOS"].entered == 0 and records["GECKOS"].uncontested == 8


def test_races_for_group_lists_contested_races_only(store: Store) -> None:
    races = races_for_group(store.connection, "rival")
    assert len(races) == 8
    assert all(r.winner == "SPRiNTER" for r in races)
    assert races_for_group(store.connection, "geckos") == []
    assert len(races_for_group(store.connection, "geckos", contested_only=False)) == 8


def test_empty_title_is_rejected(store: Store) -> None:
    with pytest.raises(ValueError, match="empty"):
        races_for_title(store.connection, " .. ")
