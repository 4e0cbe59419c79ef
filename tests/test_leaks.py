"""Leak detection on a hand-made scene in a real store: every source class against its window."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenescope.analysis.leaks import find_leaks, load_severity_policy
from scenescope.catalog import import_catalog, match_releases
from scenescope.cli import app
from scenescope.engine.rules import source_class
from scenescope.feeds.events import NukeEvent, PreReport
from scenescope.store import Store
from store_support import catalog_store, utc

TITLES = """title_id,kind,title,year,original_title,aliases,studio
dune,movie,Dune,2021,,,Warner Bros.
fargo,series,Fargo,2014,,,FX Networks
"""
DATES = """title_id,territory,window,date
dune,US,theatrical,2021-10-22
dune,FR,theatrical,2021-09-15
dune,US,digital,2021-11-24
dune,US,physical,2022-01-11
dune,GB,physical,2022-01-10
"""
EPISODES = """title_id,season,episode,air_date,territory
fargo,1,1,2014-04-15,US
fargo,1,1,2014-04-20,GB
"""


PRES = {
    "Dune.2021.1080p.BluRay.x264-SPARKS": utc(2021, 12, 28, 12),
    "Dune.2021.720p.BluRay.x264-LATE": utc(2022, 1, 9, 18),
    "Dune.2021.1080p.BluRay.x264-AFTER": utc(2022, 1, 12, 1),
    "Dune.2021.1080p.WEB-DL.DDP5.1.H264-FLUX": utc(2021, 11, 23, 20),
    "Dune.2021.HDCAM.x264-CAMGRP": utc(2021, 9, 16, 2),
    "Dune.2021.TS.x264-EARLY": utc(2021, 9, 10),
    "Dune.2021.DVDSCR.x264-SCR": utc(2021, 11, 1),
    "Dune.2021.DVDSCR.x264-TOOLATE": utc(2021, 11, 30),
    "Dune.2021.1080p.BluRay.x264-NUKED": utc(2021, 12, 30),
    "Fargo.S01E01.720p.HDTV.x264-KILLERS": utc(2014, 4, 14),
    "Fargo.S01E01.1080p.HDTV.x264-ONTIME": utc(2014, 4, 15, 3),
    "Fargo.S01.1080p.WEB.H264-PACK": utc(2014, 4, 10),
}
EXPECTED = {  # name -> (severity, window, territory, lead_days)
    "Dune.2021.1080p.BluRay.x264-SPARKS": ("pre-physical-7d", "physical", "GB", 12.5),
    "Dune.2021.720p.BluRay.x264-LATE": ("pre-physical", "physical", "GB", 0.25),
    "Dune.2021.1080p.WEB-DL.DDP5.1.H264-FLUX": ("pre-digital", "digital", "US", 4 / 24),
    "Dune.2021.TS.x264-EARLY": ("pre-theatrical", "theatrical", "FR", 5.0),
    "Dune.2021.DVDSCR.x264-SCR": ("screener", "digital", "US", 23.0),
    "Dune.2021.1080p.BluRay.x264-NUKED": ("pre-physical-7d", "physical", "GB", 11.0),
    "Fargo.S01E01.720p.HDTV.x264-KILLERS": ("pre-broadcast", "tv", "US", 1.0),
    "Fargo.S01.1080p.WEB.H264-PACK": ("pre-broadcast", "tv", "US", 5.0),  # season's first airing
}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    nuke = NukeEvent(
        name="Dune.2021.1080p.BluRay.x264-NUKED",
        kind="nuke",
        at=utc(2021, 12, 30, 1),
        feed="test",
        reason="dupe.SPARKS",
    )
    return catalog_store(
        tmp_path, titles=TITLES, dates=DATES, episodes=EPISODES, pres=PRES, events=[nuke]
    )


def test_each_source_class_is_measured_against_its_window(store_path: Path) -> None:
    with Store.open(store_path, read_only=True) as store:
        leaks = {leak.release_name: leak for leak in find_leaks(store)}
    assert set(leaks) == set(EXPECTED)
    for name, (severity, window, territory, lead) in EXPECTED.items():
        leak = leaks[name]
        assert (leak.severity, leak.window, leak.territory) == (severity, window, territory), name
        assert leak.lead_days == pytest.approx(lead), name
    assert leaks["Dune.2021.1080p.BluRay.x264-NUKED"].nuke_status == "nuked"
    assert leaks["Dune.2021.1080p.BluRay.x264-SPARKS"].nuke_status == "live"
    assert leaks["Dune.2021.1080p.BluRay.x264-SPARKS"].group == "SPARKS"
    assert leaks["Dune.2021.1080p.BluRay.x264-SPARKS"].studio == "Warner Bros."
    assert leaks["Fargo.S01E01.720p.HDTV.x264-KILLERS"].lead_hours == pytest.approx(24.0)


def test_filters(store_path: Path) -> None:
    with Store.open(store_path, read_only=True) as store:

        def names(**kwargs: object) -> set[str]:
            return {leak.release_name for leak in find_leaks(store, **kwargs)}  # type: ignore[arg-type]

        assert names(group="sparks") == {"Dune.2021.1080p.BluRay.x264-SPARKS"}
        assert names(studio="fx") == {
            "Fargo.S01E01.720p.HDTV.x264-KILLERS",
            "Fargo.S01.1080p.WEB.H264-PACK",
        }
        assert names(title="fargo") == names(studio="fx")
        assert names(min_lead_days=7) == {
            "Dune.2021.1080p.BluRay.x264-SPARKS",
            "Dune.2021.1080p.BluRay.x264-NUKED",
            "Dune.2021.DVDSCR.x264-SCR",
        }
        assert names(since=dt.date(2021, 12, 29)) == {
            "Dune.2021.720p.BluRay.x264-LATE",
            "Dune.2021.1080p.BluRay.x264-NUKED",
        }
        assert names(group="x'; DROP TABLE releases; --") == set()


def test_severity_levels_come_from_a_file(store_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "severity.toml"
    config.write_text(
        '[[severity]]\nname = "critical"\nmin_lead_days = 10\n\n[[severity]]\nname = "minor"\n',
        encoding="utf-8",
    )
    policy = load_severity_policy(config)
    with Store.open(store_path, read_only=True) as store:
        leaks = {leak.release_name: leak.severity for leak in find_leaks(store, policy=policy)}
    assert leaks["Dune.2021.1080p.BluRay.x264-SPARKS"] == "critical"
    assert leaks["Dune.2021.720p.BluRay.x264-LATE"] == "minor"


@pytest.mark.parametrize(
    ("source", "service", "expected"),
    [
        ("uhd-bluray", None, ("retail-disc", "physical")),
        ("dvd", None, ("retail-disc", "physical")),
        ("webrip", None, ("web", "digital")),
        (None, "AMZN", ("web", "digital")),
        ("telecine", None, ("cam", "theatrical")),
        ("workprint", None, ("cam", "theatrical")),
        ("screener", None, ("screener", None)),
        ("hdtv", None, ("hdtv", "tv")),
        ("vhs", None, None),
        (None, None, None),
    ],
)
def test_source_classes(source: str | None, service: str | None, expected: object) -> None:
    assert source_class(source, service) == expected


def test_cli_json_csv_and_user_errors(store_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["leaks", "--db", str(store_path), "--json", "--min-lead", "7"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["release_name"] for r in rows} >= {"Dune.2021.1080p.BluRay.x264-SPARKS"}
    assert all(r["lead_days"] >= 7 for r in rows)
    result = runner.invoke(app, ["leaks", "--db", str(store_path), "--csv", "--group", "FLUX"])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["release_name"], r["severity"]) for r in table] == [
        ("Dune.2021.1080p.WEB-DL.DDP5.1.H264-FLUX", "pre-digital")
    ]
    result = runner.invoke(app, ["leaks", "--db", str(store_path), "--since", "yesterday"])
    assert result.exit_code == 2 and "--since" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["leaks", "--db", str(store_path)])
    assert result.exit_code == 0 and "SPARKS" in result.stdout


def test_a_daily_show_is_measured_against_the_episodes_earliest_airing(tmp_path: Path) -> None:
    # The home broadcaster (US) airs every episode; GB airs episode 2 a day earlier, on the
    # date US aired episode 1. A name dated by US broadcast resolves to the US episode and is
    # measured against that episode's first airing anywhere.
    (tmp_path / "titles.csv").write_text(
        "title_id,kind,title,year\nnightly,series,The Nightly Hour,2021\n", encoding="utf-8"
    )
    (tmp_path / "episodes.csv").write_text(
        "title_id,season,episode,air_date,territory\n"
        "nightly,1,1,2021-03-01,US\nnightly,1,2,2021-03-02,US\nnightly,1,3,2021-03-03,US\n"
        "nightly,1,2,2021-03-01,GB\n",
        encoding="utf-8",
    )
    pres = {
        "Nightly.Hour.2021.03.01.HDTV.x264-ONE": utc(2021, 3, 1, 5),  # episode 1, aired
        "Nightly.Hour.2021.03.02.HDTV.x264-TWO": utc(2021, 3, 1, 23),  # episode 2: GB aired it
        "Nightly.Hour.2021.03.03.HDTV.x264-TRE": utc(2021, 3, 2, 23),  # episode 3: a leak
    }
    with Store.open(tmp_path / "store.duckdb") as store:
        assert import_catalog(store, [tmp_path]).ok
        store.apply(PreReport(name=n, pre_at=at, feed="test") for n, at in pres.items())
        match_releases(store)
        episodes = dict(
            store.connection.execute(
                "SELECT r.name, m.episode FROM release_matches m JOIN releases r"
                " USING (release_id) WHERE m.status = 'matched'"
            ).fetchall()
        )
        leaks = find_leaks(store)
    assert episodes == {name: n for n, name in enumerate(pres, start=1)}
    assert [(leak.release_name, leak.territory) for leak in leaks] == [
        ("Nightly.Hour.2021.03.03.HDTV.x264-TRE", "US")
    ]


def test_the_board_table_holds_the_same_rows_as_the_leaks(store_path: Path, tmp_path: Path) -> None:
    from scenescope.analysis.leaks import LeakParams, Leaks
    from scenescope.engine import Engine

    (tmp_path / "odd").mkdir()
    odd_times = {  # pre times off the second, and one long before 1970
        name: at + dt.timedelta(microseconds=1 + 7919 * number)
        for number, (name, at) in enumerate(PRES.items())
    }
    odd_times["Dune.2021.TS.x264-EARLY"] = utc(1969, 12, 31, 23) + dt.timedelta(microseconds=5)
    odd = catalog_store(
        tmp_path / "odd", titles=TITLES, dates=DATES.replace("2021-09-15", "1970-01-02"),
        episodes=EPISODES, pres=odd_times,
    )  # fmt: skip
    for path in (store_path, odd):
        with Store.open(path, read_only=True) as store:
            engine = Engine.of(store)
            for params in (LeakParams(), LeakParams(studio="warner"), LeakParams(min_lead_days=7)):
                expected = [leak.to_dict() for leak in Leaks().fit(engine, params).leaks]
                assert expected
                assert Leaks().table(engine, params).to_pylist() == expected
