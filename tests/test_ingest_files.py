"""The files feed and `scenescope ingest / search / stats`: every format, gzip, bad input."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenescope.cli import app
from scenescope.feeds.events import NukeEvent, PreReport, Reject
from scenescope.feeds.files import FeedFormatError, FileFeed, detect_kind
from scenescope.store import Store

runner = CliRunner()
MOVIE = "Some.Movie.2020.1080p.BluRay.x264-SPARKS"
EPISODE = "Other.Show.S01E02.720p.HDTV.x264-GECKOS"
PRES = (
    "name,pre_at,category,size_kb,files,source_site\n"
    f"{MOVIE},2020-08-19T12:00:00Z,X264,4500000,90,extra\n"
    f"{EPISODE},1597838400,TV-X264,,,\n"
)
NUKES = (
    "name,kind,reason,network,at\n"
    f"{MOVIE},unnuke,fixed,LinkNET,2020-08-20T00:00:00Z\n"
    f"{MOVIE},nuke,dupe,LinkNET,2020-08-19T13:00:00Z\n"
)
ROW = {
    "id": 1,
    "name": MOVIE,
    "team": "SPARKS",
    "cat": "X264",
    "genre": "",
    "url": "",
    "size": 4500000,
    "files": 90,
    "preAt": 1597838400,
    "nuke": None,
}


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(gzip.compress(text) if path.suffix == ".gz" else text)
    return path


def test_pres_csv_with_extra_columns(tmp_path: Path) -> None:
    events = list(FileFeed(write(tmp_path / "pres.csv", PRES)))
    assert events == [
        PreReport(
            MOVIE,
            dt.datetime(2020, 8, 19, 12, tzinfo=dt.UTC),
            "file:pres.csv",
            category="X264",
            size_kb=4500000.0,
            files=90,
        ),
        PreReport(
            EPISODE,
            dt.datetime(2020, 8, 19, 12, tzinfo=dt.UTC),
            "file:pres.csv",
            category="TV-X264",
        ),
    ]


def test_nukes_csv_and_gzip_by_magic_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "nukes.csv.gz", NUKES)
    renamed = path.rename(tmp_path / "nukes.dat")  # magic bytes, not the name, say gzip
    feed = FileFeed(renamed)
    assert feed.kind == "nukes"
    events = list(feed)
    assert [(e.kind, e.reason, e.network) for e in events if isinstance(e, NukeEvent)] == [
        ("unnuke", "fixed", "LinkNET"),
        ("nuke", "dupe", "LinkNET"),
    ]


def test_predb_json_response_and_ws_log(tmp_path: Path) -> None:
    response = {
        "status": "success",
        "message": "",
        "data": {
            "rowCount": 2,
            "offset": 0,
            "reqCount": 1,
            "total": 2,
            "time": 0.01,
            "rows": [ROW, {**ROW, "name": EPISODE, "preAt": "x"}],
        },
    }
    json_path = write(tmp_path / "page.json", json.dumps(response, indent=2))
    assert detect_kind(json_path) == "predb-json"
    events = list(FileFeed(json_path))
    assert isinstance(events[0], PreReport) and events[0].feed == "predb.ovh"
    assert isinstance(events[1], Reject) and "preAt" in events[1].reason

    frames = [
        {"action": "insert", "row": ROW, "seen_at": "2020-08-19T12:00:05Z"},
        {
            "action": "nuke",
            "row": {
                **ROW,
                "nuke": {"typeID": 1, "reason": "dupe", "net": "x", "nukeAt": 1597842000},
            },
        },
        {"action": "explode", "row": ROW},
    ]
    log = "\n".join(json.dumps(f) for f in frames) + "\n{broken\n"
    ws_path = write(tmp_path / "frames.jsonl.gz", log)
    assert detect_kind(ws_path) == "predb-ws"
    events = list(FileFeed(ws_path))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["PreReport", "PreReport", "NukeEvent", "Reject", "Reject"]
    assert events[0].seen_at == dt.datetime(2020, 8, 19, 12, 0, 5, tzinfo=dt.UTC)
    assert [e.line for e in events if isinstance(e, Reject)] == [3, 4]


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "pres.csv", "name,pre_at_typo\nA-B,2020-01-01\n")
    with pytest.raises(FeedFormatError, match="cannot tell the kind"):
        FileFeed(path)
    with pytest.raises(
        FeedFormatError,
        match=r"pres.csv: line 1: missing required column "
        r"'pre_at' for a pres file",
    ):
        list(FileFeed(path, kind="pres"))
    nukes = write(tmp_path / "nukes.csv", "name,kind,reason,network\nA-B,nuke,x,y\n")
    with pytest.raises(FeedFormatError, match="cannot tell"):
        FileFeed(nukes)
    with pytest.raises(FeedFormatError, match="missing required column 'at'"):
        list(FileFeed(nukes, kind="nukes"))


def test_bad_rows_are_rejected_with_line_and_column_and_good_rows_kept(tmp_path: Path) -> None:
    body = (
        b"name,pre_at,category,size_kb,files\n"
        + f"{MOVIE},2020-08-19T12:00:00Z,X264,1,2\n".encode()
        + b"Bad.Date-GRP,yesterday,,,\n"
        + b"Bad\xff\xfeBytes-GRP,2020-01-01,,,\n"
        + b"Too,Many,Fields,1,2,3\n"
        + b"Wrong.Size-GRP,2020-01-01,X264,huge,\n"
        + b"X" * 100_000
        + b",2020-01-01,,,\n"
        + b",2020-01-01,,,\n"
        + f"{EPISODE},2020-08-19 12:00:00+02:00,TV,,\n".encode()
    )
    events = list(FileFeed(write(tmp_path / "pres.csv", body)))
    rejects = [(e.line, e.reason) for e in events if isinstance(e, Reject)]
    assert rejects == [
        (3, "column 'pre_at': not a time: 'yesterday'"),
        (4, "column 'name' is not valid UTF-8"),
        (5, "6 fields, more than the pres header has"),
        (6, "column 'size_kb': not a number: 'huge'"),
        (7, "column 'name' is 100000 characters (limit 512)"),
        (8, "column 'name' is empty"),
    ]
    good = [e for e in events if isinstance(e, PreReport)]
    assert [e.name for e in good] == [MOVIE, EPISODE]
    assert good[1].pre_at == dt.datetime(2020, 8, 19, 10, tzinfo=dt.UTC)  # offset → UTC
    raw = next(e.raw for e in events if isinstance(e, Reject) and e.line == 4)
    assert "\\xff\\xfe" in raw  # the bad bytes stay visible in quarantine


def test_truncated_gzip_keeps_the_rows_before_the_cut(tmp_path: Path) -> None:
    rows = "".join(
        f"Title.{i}.2020.720p.WEB.H264-GRP,2020-01-01T00:00:{i % 60:02d}Z\n" for i in range(5000)
    )
    data = gzip.compress(("name,pre_at\n" + rows).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    events = list(FileFeed(path))
    assert isinstance(events[-1], Reject) and "truncated" in events[-1].reason
    assert 0 < sum(isinstance(e, PreReport) for e in events) < 5000


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_ingest_search_stats(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    pres = write(tmp_path / "pres.csv", PRES + "Broken.Row-X,notatime\n")
    nukes = write(tmp_path / "nukes.csv", NUKES)
    code, out, err = cli("ingest", "--db", db, "--json", str(pres), str(nukes))
    assert code == 0, err
    summaries = [json.loads(line) for line in out.splitlines()]
    assert [
        (s["kind"], s["releases_new"], s["reports_new"], s["nukes_new"], s["rejects"])
        for s in summaries
    ] == [("pres", 2, 2, 0, 1), ("nukes", 0, 0, 2, 0)]
    assert f"{pres}:4: column 'pre_at': not a time: 'notatime'" in err

    code, out, _ = cli("ingest", "--db", db, str(pres), str(nukes))  # again: nothing new
    assert code == 0 and "0 new releases, 0 new reports" in out and "2 already known" in out

    code, out, _ = cli("search", "--db", db, "--json", "movie")
    [hit] = [json.loads(line) for line in out.splitlines()]
    assert (hit["name"], hit["status"], hit["group"]) == (MOVIE, "live", "SPARKS")
    code, out, _ = cli("search", "--db", db, "--group", "geckos", "--since", "2020-08-19")
    assert code == 0 and EPISODE in out and MOVIE not in out

    code, out, _ = cli("stats", "--db", db, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    totals = rows[0]
    assert (totals["section"], totals["releases"], totals["quarantined"]) == ("totals", 2, 1)
    assert {r["feed"] for r in rows if r["section"] == "feed"} == {"file:pres.csv"}


def test_cli_user_mistakes_are_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    code, _, err = cli("ingest", "--db", db, str(tmp_path / "nope.csv"))
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"
    bad = write(tmp_path / "bad.csv", "name,when\nA-B,2020\n")
    code, _, err = cli("ingest", "--db", db, "--kind", "pres", str(bad))
    assert code == 2 and "missing required column 'pre_at'" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("search", "--db", str(tmp_path / "none.duckdb"), "x")
    assert code == 2 and "no store at" in err
    code, _, err = cli("search", "--db", db, "--since", "last week")
    assert code == 2 and "--since 'last week': expected a date" in err


def test_ingest_via_store_matches_cli(tmp_path: Path) -> None:
    pres = write(tmp_path / "pres.csv.gz", PRES)
    with Store.open(tmp_path / "s.duckdb") as store:
        summary = store.apply(FileFeed(pres))
        assert (summary.releases_new, summary.reports_new) == (2, 2)
        feeds = store.connection.execute("SELECT DISTINCT feed FROM pre_reports").fetchall()
    assert feeds == [("file:pres.csv",)]


def test_a_feed_column_keeps_each_rows_provenance(tmp_path: Path) -> None:
    body = (
        "name,pre_at,category,feed\n"
        "Some.Movie.2020.1080p.BluRay.x264-GRP,2020-01-01T00:00:10Z,X264,predb.ovh\n"
        "Some.Movie.2020.1080p.BluRay.x264-GRP,2020-01-01T00:00:25Z,X264,irc:zonenet/#pre\n"
        "Some.Movie.2020.1080p.BluRay.x264-GRP,2020-01-01T00:00:40Z,X264,\n"
        "Other.Movie.2020.1080p.BluRay.x264-GRP,2020-01-01T00:01:00Z,X264,bad\x07feed\n"
    )
    path = write(tmp_path / "pres.csv", body)
    events = list(FileFeed(path))
    reports = [e for e in events if isinstance(e, PreReport)]
    assert [r.feed for r in reports] == ["predb.ovh", "irc:zonenet/#pre", "file:pres.csv"]
    (reject,) = [e for e in events if isinstance(e, Reject)]
    assert reject.line == 5 and "feed" in reject.reason

    forced = list(FileFeed(path, feed="my-dump"))
    assert {e.feed for e in forced if isinstance(e, PreReport)} == {"my-dump"}

    with Store.open(tmp_path / "s.duckdb") as store:
        store.apply(events)
        feeds = store.connection.execute("SELECT feed FROM pre_reports ORDER BY pre_at").fetchall()
        releases = store.connection.execute("SELECT count(*) FROM releases").fetchall()
    assert [f for (f,) in feeds] == ["predb.ovh", "irc:zonenet/#pre", "file:pres.csv"]
    assert releases == [(1,)]
