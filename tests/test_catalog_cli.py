"""The catalog command line on a real store: import, list, show, match; user errors in one line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from scenescope.cli import app
from scenescope.feeds.events import PreReport
from scenescope.store import Store

TITLES = """title_id,kind,title,year,original_title,aliases,studio
m1,movie,Dune,2021,,Dune: Part One,Warner
s1,series,Fargo,2014,,,FX
"""
DATES = """title_id,territory,window,date
m1,US,physical,2022-01-11
m1,US,theatrical,2021-10-22
m1,US,digital,nope
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_list_show_match(tmp_path: Path) -> None:
    (tmp_path / "titles.csv").write_text(TITLES, encoding="utf-8")
    (tmp_path / "release_dates.csv").write_text(DATES, encoding="utf-8")
    db = str(tmp_path / "store.duckdb")
    code, out, err = run("catalog", "import", str(tmp_path), "--db", db)
    assert code == 0, out + err
    assert "2 titles, 2 release dates" in out
    assert "release_dates.csv:4 [date]" in err

    with Store.open(db) as store:
        at = dt.datetime(2021, 12, 30, tzinfo=dt.UTC)
        store.apply([PreReport(name="Dune.2021.1080p.BluRay.x264-[red]GRP", pre_at=at, feed="t")])
    code, out, _ = run("match", "--db", db, "--json")
    assert code == 0
    assert json.loads(out)["matched"] == 1

    code, out, _ = run("catalog", "list", "--db", db, "--json")
    rows = {r["title_id"]: r for r in map(json.loads, out.splitlines())}
    assert rows["m1"]["physical"] == "2022-01-11" and rows["m1"]["releases"] == 1
    assert rows["s1"]["kind"] == "series"

    code, out, _ = run("catalog", "show", "m1", "--db", db, "--json")
    doc = json.loads(out)
    assert doc["aliases"] == ["Dune: Part One"]
    assert {d["window"] for d in doc["release_dates"]} == {"physical", "theatrical"}
    assert doc["releases"][0]["name"] == "Dune.2021.1080p.BluRay.x264-[red]GRP"

    code, out, _ = run("catalog", "show", "m1", "--db", db)
    assert code == 0 and "x264-[red]GRP" in out  # a hostile name is printed, not read as markup


def test_user_errors_are_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "store.duckdb")
    code, out, err = run("catalog", "show", "nope", "--db", db)
    assert code == 2 and "no store" in err and "Traceback" not in out + err
    Store.open(db).close()
    code, out, err = run("catalog", "show", "nope", "--db", db)
    assert code == 2 and "no title 'nope'" in err and "Traceback" not in out + err
    code, out, err = run("catalog", "list", "--kind", "film", "--db", db)
    assert code == 2 and "--kind" in err
    code, out, err = run("catalog", "import", str(tmp_path / "missing.csv"), "--db", db)
    assert code == 2 and "no such file" in err  # a missing file is a user mistake
