"""Sightings from the lower tiers: the file format, bad rows, idempotence, and the link to the
release each copies. The renamed forms are written from how trackers, indexers and download
folders rename Scene releases, not from our simulator's renamer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import run
from scenescope.sightings import scene_forms

RELEASE = "Quiet.Harbour.2019.1080p.BluRay.x264-NOVAK"
EPISODE = "Lantern.Point.S02E05.720p.HDTV.x264-FRQ"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (RELEASE, RELEASE),
        (RELEASE + ".mkv", RELEASE),
        (f"[tracker.example] {RELEASE}", RELEASE),
        (f"www.Indexer.org - {RELEASE}", RELEASE),
        (f"{RELEASE} [rartv]", RELEASE),
        (f"{RELEASE}/novak-quietharbour1080p.mkv", RELEASE),
        (f"downloads\\{RELEASE}\\{RELEASE}.mkv", RELEASE),
        ("Quiet Harbour 2019 1080p BluRay x264-NOVAK", RELEASE),
        ("Lantern_Point_S02E05_720p_HDTV_x264-FRQ.avi", EPISODE),
    ],
)
def test_scene_forms_undo_the_usual_renames(name: str, expected: str) -> None:
    assert expected.lower() in scene_forms(name)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def store_with_pres(tmp_path: Path) -> Path:
    pres = _write(
        tmp_path / "pres.csv",
        "name,pre_at,category\n"
        f"{RELEASE},2020-03-01T10:00:00Z,X264-HD\n"
        f"{EPISODE},2020-03-02T20:00:00Z,TV-HD\n"
        "Quiet.Harbour.2019.720p.BluRay.x264-NOVAK,2020-03-01T10:05:00Z,X264\n",
    )
    db = tmp_path / "s.duckdb"
    assert run("ingest", pres, "--db", db).code == 0
    return db


def test_sightings_ingest_links_reports_bad_rows_and_is_idempotent(
    store_with_pres: Path, tmp_path: Path
) -> None:
    db = store_with_pres
    sightings = _write(
        tmp_path / "sightings.csv",
        "name,tier,site,seen_at,extra\n"
        f"{RELEASE},p2p,tracker-a.example,2020-03-01T10:20:00Z,x\n"
        f"[tracker.example] {RELEASE}.mkv,p2p,tracker-b.example,2020-03-01T10:40:00Z,\n"
        "Quiet Harbour (2019) [1080p] [NOVAK],streaming,stream.example,2020-03-02T08:00:00Z,\n"
        f"{EPISODE},usenet,nzb.example,1583182800,\n"
        f"{RELEASE},cinema,somewhere.example,2020-03-01T11:00:00Z,\n"
        f"{RELEASE},ddl,locker.example,yesterday,\n"
        f"{RELEASE},iptv,panel.example,2020-02-20T10:00:00Z,\n"
        "Something.Nobody.Pred.2020.1080p.WEB.h264-GHOST,p2p,tracker-a.example,2020-03-05T00:00:00Z,\n",
    )
    first = run("ingest", sightings, "--db", db, "--json")
    assert first.code == 0, first.err
    report = json.loads(first.out.splitlines()[-1])
    assert report["rows"] == 8 and report["added"] == 6 and report["rejects"] == 2
    # bad rows are named by file:line and field; the rest imported
    assert f"{sightings}:6 [tier]" in first.err and "cinema" in first.err
    assert f"{sightings}:7 [seen_at]" in first.err
    links = report["links"]
    assert links["linked"]["exact"] == 3  # the two exact names (one seen before its pre)
    assert links["linked"]["normalized"] == 1
    assert links["linked"]["parsed"] == 1  # title + year + resolution + the bracketed group
    assert links["unlinked"] == 1  # kept, counted, not dropped
    assert links["before_pre"] == 1 and f"{sightings}:8 [seen_at]" in first.err

    again = run("ingest", sightings, "--db", db, "--json")
    assert json.loads(again.out.splitlines()[-1])["added"] == 0

    status = run("sightings", "--db", db, "--json")
    assert status.code == 0 and json.loads(status.out)["sightings"] == 6


def test_a_sightings_file_without_its_columns_is_one_clear_error(
    store_with_pres: Path, tmp_path: Path
) -> None:
    bad = _write(tmp_path / "bad.csv", "name,tier,site\nX,p2p,y\n")
    result = run("ingest", bad, "--kind", "sightings", "--db", store_with_pres)
    assert result.code == 2 and "missing required column 'seen_at'" in result.err
