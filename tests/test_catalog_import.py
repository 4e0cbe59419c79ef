"""Catalog import: CSV and TMDB JSON into a real store, bad rows reported, re-import updates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenescope.catalog import import_catalog
from scenescope.catalog.normalize import title_key
from scenescope.catalog.tables import load_episodes, load_release_dates, load_titles
from scenescope.store import Store

TITLES = """title_id,kind,title,year,original_title,aliases,studio,budget
m1,movie,Dune,2021,,Dune: Part One|Dune 1,Warner,165
m2,movie,Amélie,2001,Le Fabuleux Destin d'Amélie Poulain,,UGC,
s1,series,The Office,2005,,,NBC,
bad,film,Nope,2000,,,,
,movie,No Id,2000,,,,
m1,movie,Dune Again,2021,,,,
m3,movie,,2020,,,,
m4,movie,Year Bad,20x1,,,,
"""
DATES = """title_id,territory,window,date
m1,US,theatrical,2021-10-22
m1,FR,theatrical,2021-09-15
m1,US,physical,2022-01-11
m1,US,streaming,2021-10-22
m2,FR,theatrical,2001-04-25
m2,US,physical,2001-13-40
m2,USA,digital,2002-01-01
"""
EPISODES = """title_id,season,episode,air_date,territory
s1,1,1,2005-03-24,US
s1,1,2,2005-03-29T01:00:00Z,US
s1,1,x,2005-04-05,US
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "store.duckdb") as opened:
        yield opened


def test_csv_import_keeps_good_rows_and_names_every_bad_one(tmp_path: Path, store: Store) -> None:
    write(tmp_path, "titles.csv", TITLES)
    write(tmp_path, "release_dates.csv", DATES)
    write(tmp_path, "episodes.csv", EPISODES)
    report = import_catalog(store, [tmp_path])
    assert (report.titles, report.release_dates, report.episodes) == (3, 4, 2)
    where = {(Path(p.file).name, p.line, p.field) for p in report.problems}
    assert ("titles.csv", 5, "kind") in where
    assert ("titles.csv", 6, "title_id") in where
    assert ("titles.csv", 7, "title_id") in where  # duplicate id: the first row wins
    assert ("titles.csv", 8, "title") in where
    assert ("titles.csv", 9, "year") in where
    assert ("release_dates.csv", 5, "window") in where
    assert ("release_dates.csv", 7, "date") in where
    assert ("release_dates.csv", 8, "territory") in where
    assert ("episodes.csv", 4, "episode") in where
    titles = {t.title_id: t for t in load_titles(store.connection)}
    assert titles["m1"].title == "Dune"
    assert titles["m1"].aliases == ("Dune: Part One", "Dune 1")
    assert titles["m2"].original_title == "Le Fabuleux Destin d'Amélie Poulain"
    episodes = load_episodes(store.connection)
    assert [(e.season, e.episode, e.air_date) for e in episodes] == [
        (1, 1, dt.date(2005, 3, 24)),
        (1, 2, dt.date(2005, 3, 29)),
    ]


def test_reimport_corrects_dates_and_updates_titles(tmp_path: Path, store: Store) -> None:
    write(tmp_path, "titles.csv", TITLES)
    write(tmp_path, "release_dates.csv", DATES)
    import_catalog(store, [tmp_path])
    fixed = tmp_path / "fix"
    fixed.mkdir()
    write(fixed, "titles.csv", "title_id,kind,title,year\nm1,movie,Dune: Part One,2021\n")
    write(fixed, "release_dates.csv", "title_id,territory,window,date\nm1,US,physical,2022-01-04\n")
    report = import_catalog(store, [fixed])
    assert report.ok
    dates = {(d.territory, d.window): d.date for d in load_release_dates(store.connection, "m1")}
    assert dates[("US", "physical")] == dt.date(2022, 1, 4)
    assert dates[("FR", "theatrical")] == dt.date(2021, 9, 15)  # untouched rows stay
    assert len(dates) == 3
    assert {t.title_id: t.title for t in load_titles(store.connection)}["m1"] == "Dune: Part One"


def test_missing_column_rejects_the_file_with_its_name(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path, "release_dates.csv", "title_id,territory,date\nm1,US,2021-01-01\n")
    report = import_catalog(store, [path])
    assert report.release_dates == 0
    assert report.problems[0].field in {"window", None}
    assert "release_dates.csv" in str(report.problems[0])


def test_missing_file_is_reported_and_others_import(tmp_path: Path, store: Store) -> None:
    titles = write(tmp_path, "titles.csv", TITLES)
    report = import_catalog(store, [tmp_path / "nope.csv", titles])
    assert report.titles == 3
    assert any("no such file" in p.message for p in report.problems)


def test_unknown_title_in_dates_is_reported_but_kept(tmp_path: Path, store: Store) -> None:
    text = "title_id,territory,window,date\nzz,US,digital,2021-01-01\n"
    path = write(tmp_path, "release_dates.csv", text)
    report = import_catalog(store, [path])
    assert report.release_dates == 1
    assert any("zz" in p.message for p in report.problems)


TMDB_MOVIE = {
    "id": 438631,
    "title": "Dune",
    "original_title": "Dune",
    "release_date": "2021-09-15",
    "production_companies": [{"id": 923, "name": "Legendary Pictures"}],
    "alternative_titles": {"titles": [{"iso_3166_1": "US", "title": "Dune: Part One", "type": ""}]},
    "release_dates": {
        "results": [
            {
                "iso_3166_1": "US",
                "release_dates": [
                    {"release_date": "2021-09-03T00:00:00.000Z", "type": 1},
                    {"release_date": "2021-10-22T00:00:00.000Z", "type": 3},
                    {"release_date": "2021-10-21T22:00:00.000Z", "type": 2},
                    {"release_date": "2021-11-24T00:00:00.000Z", "type": 4},
                    {"release_date": "2022-01-11T00:00:00.000Z", "type": 5},
                ],
            },
            {
                "iso_3166_1": "FR",
                "release_dates": [{"release_date": "2021-09-15T00:00:00.000Z", "type": 3}],
            },
        ]
    },
}
TMDB_TV = {
    "id": 2316,
    "name": "The Office",
    "original_name": "The Office",
    "first_air_date": "2005-03-24",
    "origin_country": ["US"],
    "networks": [{"name": "NBC"}],
    "seasons": [{"season_number": 1, "episode_count": 6, "air_date": "2005-03-24"}],
    "season/1": {
        "season_number": 1,
        "episodes": [
            {"season_number": 1, "episode_number": 1, "air_date": "2005-03-24"},
            {"season_number": 1, "episode_number": 2, "air_date": "2005-03-29"},
        ],
    },
}
TMDB_SEASON = {
    "_id": "x",
    "season_number": 2,
    "air_date": "2005-09-20",
    "episodes": [
        {"show_id": 2316, "season_number": 2, "episode_number": 1, "air_date": "2005-09-20"}
    ],
}


def test_tmdb_json_movie_tv_and_season_details(tmp_path: Path, store: Store) -> None:
    write(tmp_path, "movie.json", json.dumps(TMDB_MOVIE))
    lines = "\n".join(json.dumps(doc) for doc in (TMDB_TV, TMDB_SEASON, {"weird": 1}))
    write(tmp_path, "tv.jsonl", lines)
    report = import_catalog(store, [tmp_path / "movie.json", tmp_path / "tv.jsonl"])
    assert (report.titles, report.episodes) == (2, 3)
    assert len(report.problems) == 1 and report.problems[0].line == 3
    titles = {t.title_id: t for t in load_titles(store.connection)}
    dune = titles["tmdb:movie:438631"]
    assert (dune.kind, dune.year, dune.studio, dune.aliases) == (
        "movie",
        2021,
        "Legendary Pictures",
        ("Dune: Part One",),
    )
    assert titles["tmdb:tv:2316"].kind == "series"
    dates = {(d.territory, d.window): d.date for d in load_release_dates(store.connection)}
    # type 2 (limited) and 3 both mean theatrical: the earliest wins; type 1 premiere is skipped
    assert dates[("US", "theatrical")] == dt.date(2021, 10, 21)
    assert dates[("US", "digital")] == dt.date(2021, 11, 24)
    assert dates[("US", "physical")] == dt.date(2022, 1, 11)
    assert dates[("FR", "theatrical")] == dt.date(2021, 9, 15)
    episodes = {(e.season, e.episode): e for e in load_episodes(store.connection)}
    assert episodes[(2, 1)].air_date == dt.date(2005, 9, 20)
    assert episodes[(1, 1)].territory == "US"


def test_broken_json_is_one_problem(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path, "broken.json", '{"id": 1, "title": ')
    report = import_catalog(store, [path])
    assert report.titles == 0 and len(report.problems) == 1


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Ocean's Eleven", "Oceans.Eleven"),
        ("Fast & Furious", "Fast and Furious"),
        ("Amélie", "AMELIE"),
        ("Rocky II", "Rocky 2"),
        ("The Batman", "Batman"),
        ("Mission: Impossible - Fallout", "Mission Impossible Fallout"),
        ("Straße", "Strasse"),
    ],
)
def test_title_key_joins_spellings(left: str, right: str) -> None:
    assert title_key(left) == title_key(right)


def test_title_key_keeps_different_titles_apart() -> None:
    assert title_key("Malcolm X") != title_key("Malcolm 10")
    assert title_key("Blade Runner 2049") != title_key("Blade Runner")
    assert title_key("Dune") != title_key("Dunes")


@given(st.text(max_size=40))
def test_title_key_is_idempotent(text: str) -> None:
    key = title_key(text)
    assert title_key(key) == key
    assert key == key.strip() and "  " not in key


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_title_key_ignores_case_and_separators(text: str) -> None:
    assert title_key(text.upper()) == title_key(text.lower())
    assert title_key(text.replace(" ", ".")) == title_key(text.replace(" ", "_"))


_GOOD_DATES = st.tuples(
    st.sampled_from(["m1", "m2", "s1"]),
    st.sampled_from(["US", "GB", "fr"]),
    st.sampled_from(["theatrical", "digital", "physical", "tv", "Physical"]),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2035, 12, 31)).map(str),
)
_BAD_DATES = st.one_of(
    _GOOD_DATES.map(lambda r: (r[0], r[1], "streaming", r[3])),
    _GOOD_DATES.map(lambda r: (r[0], "USA", r[2], r[3])),
    _GOOD_DATES.map(lambda r: (r[0], r[1], r[2], r[3].replace("-", "/"))),
    _GOOD_DATES.map(lambda r: ("", r[1], r[2], r[3])),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(st.booleans(), _GOOD_DATES, _BAD_DATES), max_size=12))
def test_every_bad_row_is_reported_and_every_good_row_kept(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[bool, tuple[str, ...], tuple[str, ...]]],
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    lines = ["title_id,territory,window,date"]
    good: dict[tuple[str, str, str], str] = {}
    bad_lines: set[int] = set()
    for is_good, good_row, bad_row in rows:
        line = len(lines) + 1
        row = good_row if is_good else bad_row
        lines.append(",".join(row))
        if not is_good:
            bad_lines.add(line)
            continue
        key = (row[0], row[1].upper(), row[2].lower())
        if key in good:
            bad_lines.add(line)  # a duplicate key: reported, the first row kept
        else:
            good[key] = row[3]
    write(folder, "release_dates.csv", "\n".join(lines) + "\n")
    with Store.open(folder / "store.duckdb") as store:
        report = import_catalog(store, [folder / "release_dates.csv"])
        stored = {
            (d.title_id, d.territory, d.window): str(d.date)
            for d in load_release_dates(store.connection)
        }
    reported = {p.line for p in report.problems if p.file.endswith("release_dates.csv")}
    assert reported == bad_lines
    assert stored == good
