"""Matching stored releases to catalog titles: remakes, digits, aliases, series, daily shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scenescope.catalog import import_catalog, match_releases
from scenescope.feeds.events import PreReport
from scenescope.store import Store

TITLES = """title_id,kind,title,year,original_title,aliases,studio
dune84,movie,Dune,1984,,,Universal
dune21,movie,Dune,2021,,Dune: Part One,Warner
br,movie,Blade Runner,1982,,,Warner
br49,movie,Blade Runner 2049,2017,,,Warner
y2012,movie,2012,2009,,,Columbia
ff,movie,Fast & Furious,2009,,,Universal
amelie,movie,Amélie,2001,Le Fabuleux Destin d'Amélie Poulain,,UGC
harbor,movie,The Silent Harbor,2020,,,Kestrel
office_us,series,The Office,2005,,,NBC
office_uk,series,The Office,2001,,,BBC
fargo_m,movie,Fargo,1996,,,Gramercy
fargo_s,series,Fargo,2014,,,FX
daily,series,The Nightly Roundup,2015,,,Kite TV
"""
EPISODES = """title_id,season,episode,air_date,territory
office_us,1,1,2005-03-24,US
office_uk,1,1,2001-07-09,GB
fargo_s,1,1,2014-04-15,US
daily,9,45,2020-08-25,US
"""

NAMES = {
    "Dune.2021.1080p.BluRay.x264-GRP": "dune21",
    "Dune.1984.REMASTERED.720p.BluRay.x264-OLD": "dune84",
    "Dune.Part.One.2021.2160p.WEB-DL.DDP5.1.HDR.H.265-FLUX": "dune21",
    "Blade.Runner.2049.2017.1080p.BluRay.x264-SPARKS": "br49",
    "Blade.Runner.1982.Final.Cut.1080p.BluRay.x264-AMIABLE": "br",
    "2012.2009.1080p.BluRay.x264-METiS": "y2012",
    "Fast.and.Furious.2009.720p.BluRay.x264-SiNNERS": "ff",
    "Le.Fabuleux.Destin.dAmelie.Poulain.2001.FRENCH.1080p.BluRay.x264-LOST": "amelie",
    "The.Silent.Harbour.2020.1080p.WEB.H264-TYPO": "harbor",
    "Fargo.1996.1080p.BluRay.x264-CLASSiC": "fargo_m",
    "Fargo.S01E01.720p.HDTV.x264-KILLERS": "fargo_s",
    "The.Nightly.Roundup.2020.08.25.720p.WEB.H264-DAILY": "daily",
}
AMBIGUOUS = {
    "Dune.1080p.BluRay.x264-NOYEAR": {"dune84", "dune21"},
}
UNMATCHED = (
    "Some.Other.Film.2020.1080p.BluRay.x264-GRP",
    "Robert'); DROP TABLE releases;--.2020.1080p.WEB.x264-EVIL",
)


@pytest.fixture
def store(tmp_path: Path):
    (tmp_path / "titles.csv").write_text(TITLES, encoding="utf-8")
    (tmp_path / "episodes.csv").write_text(EPISODES, encoding="utf-8")
    with Store.open(tmp_path / "store.duckdb") as opened:
        assert import_catalog(opened, [tmp_path]).ok
        at = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
        names = [*NAMES, *AMBIGUOUS, *UNMATCHED]
        opened.apply(PreReport(name=n, pre_at=at, feed="test") for n in names)
        yield opened


def matches(store: Store) -> dict[str, list[tuple[str, str, float, str]]]:
    rows = store.connection.execute(
        "SELECT r.name, m.title_id, m.status, m.score, m.reason FROM release_matches m "
        "JOIN releases r USING (release_id) ORDER BY m.score DESC"
    ).fetchall()
    out: dict[str, list[tuple[str, str, float, str]]] = {}
    for name, title_id, status, score, reason in rows:
        out.setdefault(name, []).append((title_id, status, score, reason))
    return out


def test_every_kind_of_name_finds_its_title(store: Store) -> None:
    summary = match_releases(store)
    found = matches(store)
    for name, title_id in NAMES.items():
        asserted = [m for m in found.get(name, []) if m[1] == "matched"]
        assert [m[0] for m in asserted] == [title_id], (name, found.get(name))
    assert summary.matched == len(NAMES)
    assert summary.releases == len(NAMES) + len(AMBIGUOUS) + len(UNMATCHED)


def test_missing_year_with_remakes_is_possible_not_asserted(store: Store) -> None:
    match_releases(store)
    found = matches(store)
    for name, candidates in AMBIGUOUS.items():
        assert {m[0] for m in found[name]} == candidates
        assert all(m[1] == "possible" for m in found[name])
        assert "ambiguous" in found[name][0][3]


def test_unknown_and_hostile_names_match_nothing(store: Store) -> None:
    summary = match_releases(store)
    found = matches(store)
    for name in UNMATCHED:
        assert name not in found
    assert summary.unmatched == len(UNMATCHED)
    assert store.connection.execute("SELECT count(*) FROM releases").fetchone() == (
        len(NAMES) + len(AMBIGUOUS) + len(UNMATCHED),
    )


def test_series_episodes_resolve_namesakes_and_daily_dates(store: Store) -> None:
    at = dt.datetime(2021, 1, 2, tzinfo=dt.UTC)
    store.apply(
        [
            PreReport(name="The.Office.US.S01E01.720p.HDTV.x264-LOL", pre_at=at, feed="test"),
            PreReport(name="The.Office.S01E01.720p.HDTV.x264-UKTV", pre_at=at, feed="test"),
        ]
    )
    match_releases(store)
    found = matches(store)
    us = found["The.Office.US.S01E01.720p.HDTV.x264-LOL"]
    # Both series have an S01E01 and no year is given: the name alone cannot decide.
    assert all(m[1] == "possible" for m in found["The.Office.S01E01.720p.HDTV.x264-UKTV"])
    assert {m[0] for m in us} == {"office_us", "office_uk"}
    daily = store.connection.execute(
        "SELECT m.season, m.episode, m.air_date FROM release_matches m JOIN releases r "
        "USING (release_id) WHERE r.name LIKE 'The.Nightly.Roundup%'"
    ).fetchall()
    assert daily == [(9, 45, dt.date(2020, 8, 25))]


def test_rematching_a_subset_replaces_only_those_rows(store: Store) -> None:
    match_releases(store)
    before = store.connection.execute("SELECT count(*) FROM release_matches").fetchone()
    (release_id,) = store.connection.execute(
        "SELECT release_id FROM releases WHERE name = ?", ["Dune.2021.1080p.BluRay.x264-GRP"]
    ).fetchone() or (None,)
    summary = match_releases(store, [release_id])
    assert (summary.releases, summary.matched) == (1, 1)
    after = store.connection.execute("SELECT count(*) FROM release_matches").fetchone()
    assert before == after


def test_live_matcher_follows_catalog_updates(store: Store, tmp_path: Path) -> None:
    from scenescope.catalog import LiveMatcher

    live = LiveMatcher()
    at = dt.datetime(2021, 1, 3, tzinfo=dt.UTC)
    store.apply([PreReport(name="Brand.New.Film.2021.1080p.WEB.H264-NEW", pre_at=at, feed="t")])
    (release_id,) = store.connection.execute(
        "SELECT release_id FROM releases WHERE name = 'Brand.New.Film.2021.1080p.WEB.H264-NEW'"
    ).fetchone() or (None,)
    assert live.match(store, [release_id]).unmatched == 1
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "titles.csv").write_text(
        "title_id,kind,title,year\nnew,movie,Brand New Film,2021\n", encoding="utf-8"
    )
    import_catalog(store, [extra])
    assert live.match(store, [release_id]).matched == 1


def test_absolute_episode_numbers_map_to_season_and_episode(store: Store, tmp_path: Path) -> None:
    extra = tmp_path / "anime"
    extra.mkdir()
    (extra / "titles.csv").write_text(
        "title_id,kind,title,year\nkaiju,series,Kaiju No. 8,2024\n", encoding="utf-8"
    )
    rows = ["title_id,season,episode,air_date,territory", "kaiju,0,1,2024-03-01,JP"]
    rows += [f"kaiju,1,{n},2024-04-{n + 10:02d},JP" for n in range(1, 13)]
    rows += [f"kaiju,2,{n},2025-07-{n + 10:02d},JP" for n in range(1, 12)]
    (extra / "episodes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_catalog(store, [extra]).ok
    at = dt.datetime(2025, 7, 12, tzinfo=dt.UTC)
    store.apply([PreReport(name="[SubsPlease] Kaiju No 8 - 14 (1080p)", pre_at=at, feed="t")])
    match_releases(store)
    row = store.connection.execute(
        "SELECT m.title_id, m.status, m.season, m.episode FROM release_matches m "
        "JOIN releases r USING (release_id) WHERE r.name LIKE '%Kaiju%'"
    ).fetchall()
    assert row == [("kaiju", "matched", 2, 2)]


def test_same_name_same_year_tie_is_decided_by_timing_only_with_a_year(
    store: Store, tmp_path: Path
) -> None:
    extra = tmp_path / "twins"
    extra.mkdir()
    (extra / "titles.csv").write_text(
        "title_id,kind,title,year,original_title,aliases\n"
        "de1,movie,The Bridge Trail,2019,Die Brucke der Spur,\n"
        "en1,movie,Lonely Quarry,2019,Lonely Quarry,Die Brucke der Spur\n",
        encoding="utf-8",
    )
    (extra / "release_dates.csv").write_text(
        "title_id,territory,window,date\nde1,DE,physical,2019-03-01\nen1,DE,physical,2019-11-20\n",
        encoding="utf-8",
    )
    assert import_catalog(store, [extra]).ok
    store.apply(
        [
            PreReport(
                name="Die.Brucke.der.Spur.2019.German.DL.1080p.BluRay.x264-WOLKE",
                pre_at=dt.datetime(2019, 11, 14, tzinfo=dt.UTC),
                feed="t",
            ),
            PreReport(
                name="Die.Brucke.der.Spur.German.DL.1080p.BluRay.x264-NOYEAR",
                pre_at=dt.datetime(2019, 11, 14, tzinfo=dt.UTC),
                feed="t",
            ),
        ]
    )
    match_releases(store)
    found = matches(store)
    decided = found["Die.Brucke.der.Spur.2019.German.DL.1080p.BluRay.x264-WOLKE"]
    assert [(m[0], m[1]) for m in decided] == [("en1", "matched")]
    assert "timing" in decided[0][3]
    undecided = found["Die.Brucke.der.Spur.German.DL.1080p.BluRay.x264-NOYEAR"]
    assert {m[0] for m in undecided} == {"de1", "en1"}
    assert all(m[1] == "possible" for m in undecided)


@pytest.mark.parametrize(
    ("catalog_title", "scene_title"),
    [
        ("Die Straße", "Die.Strasse"),
        ("Amélie", "Amelie"),
        ("Ønske", "Onske"),
        ("Æon Flux", "Aeon.Flux"),
        ("Кино", "Kino"),
    ],
)
def test_catalog_titles_fold_to_ascii_as_scene_names_do(
    catalog_title: str, scene_title: str
) -> None:
    from scenescope.catalog.normalize import title_key
    from scenescope.names import parse

    parsed = parse(f"{scene_title}.2020.1080p.BluRay.x264-GRP")
    assert title_key(catalog_title) == title_key(parsed.title)


@pytest.mark.parametrize(
    ("catalog_title", "written"),
    [
        ("The Burning Orchard", "Burning.Orchard,.The"),
        ("Burning Orchard, The", "The.Burning.Orchard"),
        ("A Star Is Born", "Star.Is.Born,.A"),
    ],
)
def test_a_trailing_article_after_a_comma_is_the_leading_article(
    catalog_title: str, written: str
) -> None:
    from scenescope.catalog.normalize import full_key, title_key
    from scenescope.names import parse

    parsed = parse(f"{written}.2020.1080p.BluRay.x264-GRP")
    assert title_key(catalog_title) == title_key(parsed.title)
    assert full_key(catalog_title) == full_key(parsed.title)  # not "article differs"
    assert title_key("Me, Myself and I") == "me myself i"  # a comma alone moves nothing
