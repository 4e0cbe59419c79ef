"""Group profiles over a real store built with Store.apply: names, volume, nukes, PROPERs,
dormancy and feeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scenescope.analysis.groups import dormant_groups, group_profile, group_summaries
from scenescope.store import Store
from test_groups_support import START, build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("groups"))


def test_summaries_display_names_as_written(store: Store) -> None:
    rows = {r.group: r for r in group_summaries(store.connection)}
    assert {"SPRiNTER", "GECKOS", "RiVAL", "FiXERS", "LONER", "OLDTV", "NEWTV"} <= set(rows)
    assert rows["OLDTV"].releases == 10
    assert rows["RiVAL"].nuke_rate == pytest.approx(6 / 8)
    assert rows["SPRiNTER"].top_source_class == "retail-disc"
    assert rows["LONER"].top_source_class == "web"


def test_summaries_filter_by_category_and_since(store: Store) -> None:
    tv = {r.group for r in group_summaries(store.connection, category="tv-x264")}
    assert tv == {"OLDTV", "NEWTV", "OTHERTV"}
    late = {
        r.group for r in group_summaries(store.connection, since=START + dt.timedelta(weeks=11))
    }
    assert late == {"NEWTV", "OTHERTV"}


def test_profile_is_case_insensitive_and_complete(store: Store) -> None:
    profile = group_profile(store.connection, "sprinter")
    assert profile.summary.group == "SPRiNTER"
    assert profile.summary.releases == 8
    assert sum(n for _, n in profile.weekly_volume) == 8
    assert profile.resolutions == {"1080p": 8}
    assert profile.source_classes == {"retail-disc": 8}
    # two feeds saw every SPRiNTER pre
    assert profile.feeds == {"predb.test": 8, "irc:net/#pre": 8}


def test_nukes_and_propers(store: Store) -> None:
    rival = group_profile(store.connection, "RIVAL")
    assert rival.nukes == 6
    assert rival.top_nuke_reasons == {"dupe.sprinter": 6}
    assert rival.propers_against_by_group == {"FiXERS": 1}
    fixers = group_profile(store.connection, "fixers")
    assert fixers.propers_by == 1
    assert group_profile(store.connection, "SPRiNTER").propers_against == 0


def test_dormancy_flags_groups_that_went_dark(store: Store) -> None:
    dark = {d.group: d for d in dormant_groups(store.connection)}
    assert "OLDTV" in dark and "NEWTV" not in dark
    assert dark["OLDTV"].dormancy is not None
    text = dark["OLDTV"].dormancy.describe()
    last = (START + dt.timedelta(weeks=9, hours=9)).date().isoformat()
    assert text.startswith(f"silent since {last}, usually ")


def test_unknown_group_is_a_lookup_error(store: Store) -> None:
    with pytest.raises(LookupError, match="NOBODY"):
        group_profile(store.connection, "NOBODY")


def test_view_follows_new_events(tmp_path: Path) -> None:
    from scenescope.feeds.events import PreReport

    with build_store(tmp_path) as fresh:
        before = {r.group: r.releases for r in group_summaries(fresh.connection)}
        fresh.apply(
            [
                PreReport(
                    "Copper.Sky.2020.2160p.UHD.BluRay.x265-GECKOS",
                    START + dt.timedelta(days=9, minutes=6),
                    "predb.test",
                )
            ]
        )
        after = {r.group: r.releases for r in group_summaries(fresh.connection)}
    assert after["GECKOS"] == before["GECKOS"] + 1


def test_state_matches_the_store_view(store: Store) -> None:
    # group_releases replays nukes itself (speed); it must agree with release_state
    from scenescope.analysis.groups import build_group_releases

    table = build_group_releases(store.connection)
    differ = store.connection.execute(
        f"SELECT count(*) FROM {table} g JOIN release_state s USING (release_id) "
        "WHERE g.pre_at <> s.pre_at OR g.status <> s.status "
        "OR g.nuke_reason IS DISTINCT FROM s.nuke_reason"
    ).fetchone()
    assert differ == (0,)
