"""The domain rules have one home (engine.rules): the places that used to disagree now agree.

A VOD, WORKPRINT and PPV release is classed the same by leaks, group profiles and the race;
a TV group's lead is the same in `scenescope group` and `scenescope leaks --group`; the store's
release_state view is the one generated from the rules.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenescope.analysis.groups import group_profile
from scenescope.analysis.leaks import find_leaks
from scenescope.cli import app
from scenescope.engine import Engine, rules
from scenescope.feeds.events import NukeEvent, PreReport
from scenescope.store import Store
from store_support import catalog_store, utc

TITLES = """title_id,kind,title,year,original_title,aliases,studio
dune,movie,Dune,2021,,,Warner Bros.
fargo,series,Fargo,2014,,,FX Networks
"""
DATES = """title_id,territory,window,date
dune,US,theatrical,2021-10-22
dune,US,digital,2021-11-24
dune,US,physical,2022-01-11
dune,US,tv,2021-12-01
fargo,US,tv,2014-01-01
"""
EPISODES = """title_id,season,episode,air_date,territory
fargo,1,1,2014-04-15,US
fargo,1,2,2014-04-22,US
"""


PRES = {
    "Dune.2021.1080p.VODRip.x264-VODG": utc(2021, 11, 20),
    "Dune.2021.WORKPRINT.x264-WPG": utc(2021, 10, 1),
    "Dune.2021.PPV.x264-PPVG": utc(2021, 11, 1),
    "Dune.2021.1080p.VODRip.x264-RIVAL": utc(2021, 11, 21),
    # a TV group: one episode a day before its airing, one after
    "Fargo.S01E01.720p.HDTV.x264-TVG": utc(2014, 4, 14),
    "Fargo.S01E02.720p.HDTV.x264-TVG": utc(2014, 4, 22, 6),
}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return catalog_store(tmp_path, titles=TITLES, dates=DATES, episodes=EPISODES, pres=PRES)


@pytest.mark.parametrize(("group", "expected"), [("VODG", "web"), ("WPG", "cam"), ("PPVG", "hdtv")])
def test_vod_workprint_ppv_are_one_class_in_leaks_profiles_and_race(
    store_path: Path, group: str, expected: str
) -> None:
    assert rules.source_class_name({"VODG": "vod", "WPG": "workprint", "PPVG": "ppv"}[group]) == (
        expected
    )
    with Store.open(store_path) as store:
        leaks = {leak.group: leak.source_class for leak in find_leaks(store)}
        profile = group_profile(store, group)
        engine = Engine.of(store)
        race_formats = {
            row[0]
            for row in engine.rows(
                f"SELECT format_key FROM {engine.relation('race_entries')} WHERE group_key = ?",
                [group.lower()],
            )
        }
    assert leaks[group] == expected
    assert profile.summary.top_source_class == expected
    assert profile.source_classes == {expected: 1}
    assert {fmt.split("/")[0] for fmt in race_formats} == {expected}


def test_two_vod_releases_race_each_other(store_path: Path) -> None:
    with Store.open(store_path) as store:
        engine = Engine.of(store)
        rows = engine.rows(
            f"SELECT group_key, place, entrants FROM {engine.relation('race_entries')} "
            "WHERE group_key IN ('vodg', 'rival') ORDER BY place"
        )
    assert rows == [("vodg", 1, 2), ("rival", 2, 2)]


def test_a_tv_groups_lead_is_the_same_in_group_and_leaks(store_path: Path) -> None:
    runner = CliRunner()
    group = runner.invoke(app, ["group", "TVG", "--db", str(store_path), "--json"])
    leaks = runner.invoke(app, ["leaks", "--group", "TVG", "--db", str(store_path), "--json"])
    assert group.exit_code == 0, group.output
    assert leaks.exit_code == 0, leaks.output
    profile = json.loads(group.output.splitlines()[0])
    found = [json.loads(line) for line in leaks.output.splitlines() if line.strip()]
    assert [leak["release_name"] for leak in found] == ["Fargo.S01E01.720p.HDTV.x264-TVG"]
    # against the episode's air date (2014-04-15), not the title's `tv` window (2014-01-01)
    assert found[0]["lead_days"] == pytest.approx(1.0)
    (title,) = profile["titles"]
    assert title["lead_days"] == pytest.approx(found[0]["lead_days"], abs=0.01)
    assert profile["lead_days_median"] == pytest.approx(1.0, abs=0.01)


def test_release_state_view_is_generated_from_the_rules(store_path: Path) -> None:
    with Store.open(store_path) as store:
        store.apply(
            [
                NukeEvent(
                    name="Dune.2021.PPV.x264-PPVG",
                    kind="nuke",
                    at=utc(2021, 11, 2),
                    feed="test",
                    reason="bad.ivtc",
                ),
                NukeEvent(
                    name="Dune.2021.PPV.x264-PPVG",
                    kind="unnuke",
                    at=utc(2021, 11, 2),  # same instant: the replay order breaks the tie
                    feed="test",
                    reason="fine",
                ),
            ]
        )
        engine = Engine.of(store)
        view = engine.records("SELECT name, status FROM release_state WHERE name LIKE '%PPVG'")
        table = engine.relation("group_releases")
        grouped = engine.scalar(
            f"SELECT status FROM {table} g JOIN releases r USING (release_id) "
            "WHERE r.name LIKE '%PPVG'"
        )
    assert rules.NUKE_EVENT_ORDER["unnuke"] > rules.NUKE_EVENT_ORDER["nuke"]
    assert view == [{"name": "Dune.2021.PPV.x264-PPVG", "status": "live"}]
    assert grouped == "live"


def test_concurrent_cursors_share_relations_and_scratch_names_never_collide(
    store_path: Path,
) -> None:
    with Store.open(store_path) as store:
        engine = Engine.of(store)
        first = engine.relation("group_releases")
        other = engine.cursor()
        assert other.relation("group_releases") == first  # built once, shared
        with engine.scratch() as a, other.scratch() as b:
            left = a.create("pairs", "SELECT 1 AS x")
            right = b.create("pairs", "SELECT 2 AS x")
            assert left != right
            assert engine.scalar(f"SELECT x FROM {left}") == 1
            assert other.scalar(f"SELECT x FROM {right}") == 2
        store.apply(
            [PreReport(name="Dune.2021.720p.WEB.H264-NEW", pre_at=utc(2021, 11, 1), feed="test")]
        )
        rebuilt = engine.relation("group_releases")
    assert rebuilt != first  # a new store version gets a new build
