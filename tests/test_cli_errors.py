"""A new user's mistakes on every command: one line `error: ...`, exit code 2, no traceback,
and the good input kept. Real store files, a real `scenescope watch` holding the lock.

Commands run in-process through `scenescope.cli.main` (the program's own entry point, so
usage errors get the same one-line treatment as in a shell); stdin and the lock use
subprocesses.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from cli_support import Result, run

CLI = [sys.executable, "-c", "from scenescope.cli import main; main()"]




def assert_user_error(result: Result, *needles: str) -> None:
    """Exit code 2 and exactly one stderr line starting `error:` holding every needle."""
    lines = result.err.strip().splitlines()
    assert result.code == 2, result
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.out + result.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated world ingested, catalogued and matched: a store analysts would have."""
    folder = tmp_path_factory.mktemp("world")
    db = folder / "store.duckdb"
    steps = [
        ("simulate", "--out", folder, "--start", "2020-06-01", "--end", "2020-08-31"),
        ("ingest", "--db", db, folder / "pres.csv", folder / "nukes.csv"),
        ("catalog", "import", "--db", db, folder),
        ("match", "--db", db),
    ]
    for step in steps:
        result = run(*step, *(("--scale", "0.03") if step[0] == "simulate" else ()))
        assert result.code == 0, (step, result)
    return db


@pytest.fixture
def hostile_store(tmp_path: Path) -> Path:
    """A store whose names carry Rich markup and control characters."""
    pres = tmp_path / "pres.csv"
    pres.write_bytes(
        b"name,pre_at,category\n"
        b"[red]Loud[/red].2020.1080p.WEB.x264-GRP,2020-01-01T00:00:00Z,X264\n"
        b"Esc\x1b[2JName.2020.720p.WEB.x264-GRP,2020-01-02T00:00:00Z,X264\n"
    )
    db = tmp_path / "hostile.duckdb"
    assert run("ingest", "--db", db, pres).code == 0
    return db


# --- usage mistakes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("search", "--limit", "0"), "--limit"),
        (("stats", "--days", "x"), "--days"),
        (("ingest",), "Missing argument"),
        (("race", "The", "Crimson"), "unexpected extra argument"),
        (("alerts", "list", "--bogus"), "--bogus"),
        (("nosuchcommand",), "nosuchcommand"),
        (("catalog", "show", "T1", "--releases", "-1"), "--releases"),
        (("catalog", "import", "x.csv", "--show-problems", "-1"), "--show-problems"),
        (("ingest", "x.csv", "--show-rejects", "-1"), "--show-rejects"),
        (("simulate", "--out", "w", "--serve", "--http-port", "99999"), "--http-port"),
        (("search", "--limit", "99999999999999999999"), "--limit"),  # beyond SQL's LIMIT
        (("catalog", "list", "--limit", "9223372036854775808"), "--limit"),
        (("alerts", "list", "--limit", "99999999999999999999"), "--limit"),
        (("stats", "--days", "99999999999"), "--days"),
    ],
)
def test_usage_mistakes_are_one_line(args: tuple[str, ...], needle: str) -> None:
    result = run(*args)
    assert_user_error(result, needle, "--help")
    assert "╭" not in result.err  # not the multi-line Rich panel


# --- the store path -------------------------------------------------------------------------


def test_db_in_a_missing_folder_is_not_created(tmp_path: Path) -> None:
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\nA.Movie.2020.1080p.WEB.x264-GRP,2020-01-01\n")
    missing = tmp_path / "no" / "such" / "store.duckdb"
    assert_user_error(run("ingest", "--db", missing, pres), "does not exist")
    assert_user_error(run("catalog", "import", "--db", missing, pres), "does not exist")
    assert not (tmp_path / "no").exists()


def test_db_that_is_a_folder(tmp_path: Path) -> None:
    assert_user_error(run("stats", "--db", tmp_path), "is a folder", "scenescope.duckdb")
    assert_user_error(run("match", "--db", tmp_path), "is a folder")


@pytest.mark.parametrize(
    "args",
    [
        ("match",),
        ("alerts", "scan"),
        ("alerts", "deliver"),
        ("stats",),
        ("leaks",),
        ("groups",),
        ("alerts", "list"),
        ("catalog", "list"),
    ],
)
def test_commands_that_need_a_store_do_not_create_one(tmp_path: Path, args: tuple[str]) -> None:
    config = tmp_path / "alerts.toml"
    config.write_text(
        '[sinks.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/"\nsecret = "s"\n'
        '[rules.all]\nsinks = ["hook"]\n'
    )
    db = tmp_path / "store.duckdb"
    extra = ("-c", str(config)) if args[0] == "alerts" and args[1] != "list" else ()
    assert_user_error(run(*args, *extra, "--db", db), "no store at", "scenescope ingest")
    assert not db.exists()


def test_garbage_and_newer_stores(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database\x00\xff" * 100)
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\nA.Movie.2020.1080p.WEB.x264-GRP,2020-01-01\n")
    assert_user_error(run("stats", "--db", garbage), str(garbage), "not a valid DuckDB")
    assert_user_error(run("ingest", "--db", garbage, pres), str(garbage))

    newer = tmp_path / "newer.duckdb"
    assert run("ingest", "--db", newer, pres).code == 0
    with duckdb.connect(str(newer)) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (99999, 'future')")
    for args in (("stats",), ("search", "movie"), ("ingest", str(pres)), ("leaks",)):
        assert_user_error(run(*args, "--db", newer), "newer scenescope", str(newer))


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Path]:
    """A real `scenescope watch` holding the store's write lock (its IRC feed keeps retrying
    a closed loopback port), ready once its first log line is out."""
    db = tmp_path / "locked.duckdb"
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\nA.Movie.2020.1080p.WEB.x264-GRP,2020-01-01\n")
    assert run("ingest", "--db", db, pres).code == 0
    process = subprocess.Popen(
        [*CLI, "watch", "--db", str(db), "-s", "irc://127.0.0.1:9/#pre", "--health-every", "0.5"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # the feed runs only after the store is open
        assert "irc:127.0.0.1" in first, first
        yield db
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_store_held_by_watch_is_one_line_for_every_command(
    watching: Path, tmp_path: Path
) -> None:
    pres = tmp_path / "more.csv"
    pres.write_text("name,pre_at\nB.Movie.2020.1080p.WEB.x264-GRP,2020-01-02\n")
    commands = [
        ("ingest", str(pres)),
        ("search", "movie"),
        ("stats",),
        ("match",),
        ("leaks",),
        ("groups",),
        ("group", "GRP"),
        ("race", "--group", "GRP"),
        ("families",),
        ("successors",),
        ("catalog", "list"),
        ("catalog", "import", str(pres)),
        ("alerts", "list"),
        ("watch", "-s", "irc://127.0.0.1:9/#pre"),
        ("backfill", "predb+http://127.0.0.1:9/api/v1/"),
    ]
    for args in commands:
        result = run(*args, "--db", watching)
        assert_user_error(result, "open for writing by another scenescope", "process")


# --- files given to commands ----------------------------------------------------------------


def test_ingest_folder_missing_and_wrong_kind(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert_user_error(run("ingest", "--db", db, tmp_path), "is a folder")
    assert_user_error(run("ingest", "--db", db, tmp_path / "nope.csv"), "no such file")
    titles = tmp_path / "titles.csv"
    titles.write_text("title_id,kind,title\nT1,movie,A Film\n")
    assert_user_error(run("ingest", "--db", db, titles), "titles.csv", "--kind")
    assert not db.exists()  # nothing was opened for files that cannot be read


def test_catalog_row_with_bad_bytes_or_nul_is_a_problem_on_its_line(tmp_path: Path) -> None:
    titles = tmp_path / "titles.csv"
    titles.write_bytes(
        b"title_id,kind,title,year\n"
        b"T1,movie,Good One,2020\n"
        b"T2,movie,Bad \xff\xfe Bytes,2020\n"
        b"T3,movie,Nul\x00Title,2020\n"
        b"T4,movie,[red]Good Two[/red],2021\n"
    )
    db = tmp_path / "s.duckdb"
    result = run("catalog", "import", "--db", db, titles, "--json")
    assert result.code == 0, result
    assert '"titles": 2' in result.out  # the rows after the bad ones were not lost
    assert "titles.csv:3 [title]: title is not valid UTF-8" in result.err
    assert "titles.csv:4 [title]:" in result.err
    listed = run("catalog", "list", "--db", db)
    assert "[red]Good Two[/red]" in listed.out  # shown as written, not as markup


def test_catalog_import_of_nothing_usable_is_an_error(tmp_path: Path) -> None:
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\nA.Movie.2020.1080p.WEB.x264-GRP,2020-01-01\n")
    result = run("catalog", "import", "--db", tmp_path / "s.duckdb", pres)
    assert result.code == 2
    assert "not a catalog file" in result.err and "error: nothing imported" in result.err
    assert_user_error(run("catalog", "import", tmp_path / "missing.csv"), "no such file")


def test_garbage_config_files_are_one_line(tmp_path: Path, world: Path) -> None:
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\xff\xfe\x00 binary")
    assert_user_error(
        run("leaks", "--db", world, "--severity-config", garbage), "garbage.toml", "severity"
    )
    assert_user_error(run("simulate", "--out", tmp_path / "w", "--config", garbage), "UTF-8")
    assert_user_error(run("simulate", "--out", tmp_path / "w", "--config", tmp_path), "folder")
    assert_user_error(run("simulate", "--out", garbage), "is a file")
    assert_user_error(
        run("watch", "-s", "irc://127.0.0.1:9/#pre", "--announce-config", garbage), "UTF-8"
    )
    assert_user_error(run("alerts", "rules", "-c", garbage), "garbage.toml")


# --- unknown names --------------------------------------------------------------------------


def test_unknown_title_group_studio_are_errors(world: Path) -> None:
    assert_user_error(run("leaks", "--db", world, "--title", "No Such Film"), "--title")
    assert_user_error(run("leaks", "--db", world, "--group", "NOSUCHGRP"), "--group")
    assert_user_error(run("leaks", "--db", world, "--studio", "Nobody Pictures"), "--studio")
    assert_user_error(run("search", "--db", world, "--group", "NOSUCHGRP"), "--group")
    assert_user_error(run("race", "--db", world, "No Such Film"), "No Such Film", "catalog list")
    assert_user_error(run("group", "--db", world, "NOSUCHGRP"), "NOSUCHGRP")
    assert_user_error(run("catalog", "show", "--db", world, "NOSUCH"), "NOSUCH")
    # A known group with no leaks is an empty answer, not an error.
    groups = {
        json.loads(line)["group"]
        for line in run("groups", "--db", world, "--json").out.splitlines()
    }
    leakers = {
        json.loads(line)["group"] for line in run("leaks", "--db", world, "--json").out.splitlines()
    }
    quiet = sorted(groups - leakers)[0]
    assert run("leaks", "--db", world, "--group", quiet, "--json") == Result(0, "", "")


def test_a_100_kb_name_is_clipped_in_the_error(world: Path) -> None:
    huge = "A" * 100_000
    result = run("group", "--db", world, huge)
    assert_user_error(result, "100,002 characters")
    assert len(result.err) < 400


def test_bad_dates(world: Path) -> None:
    for args in (
        ("search", "--since", "2020-13-01"),
        ("leaks", "--since", "yesterday"),
        ("groups", "--since", "2020-02-30"),
        ("alerts", "scan", "--since", "soon"),
        ("backfill", "predb+http://127.0.0.1:9/api/v1/", "--until", "x"),
    ):
        assert_user_error(run(*args, "--db", world), args[-2], "expected a date")
    assert_user_error(
        run("search", "--db", world, "--since", "2020-02-01", "--until", "2020-01-01"), "before"
    )


def test_leaks_on_a_store_without_catalog_says_what_step_is_missing(tmp_path: Path) -> None:
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\nA.Movie.2020.1080p.BluRay.x264-GRP,2020-01-01\n")
    db = tmp_path / "s.duckdb"
    assert run("ingest", "--db", db, pres).code == 0
    result = run("leaks", "--db", db, "--json")
    assert result.code == 0 and result.out == ""
    assert "catalog import" in result.err


# --- hostile names in human output ----------------------------------------------------------


def test_tables_never_read_names_as_markup(hostile_store: Path) -> None:
    for args in (("search",), ("groups",), ("race", "--group", "GRP")):
        result = run(*args, "--db", hostile_store)
        assert result.code == 0, (args, result)
        assert "\x1b" not in result.out, args  # no escape sequence reaches the terminal
    search = run("search", "--db", hostile_store).out
    assert "[red]Loud[/red]" in search and "Esc\\x1b[2JName" in search
    # The parser drops bracketed tags, so parse's table is checked with a control character.
    parsed = run("parse", "Nul\x00Name.2020.720p.WEB.x264-GRP")
    assert "Nul\\x00Name" in parsed.out and "\x00" not in parsed.out


def test_parse_invalid_utf8_stdin_and_arguments() -> None:
    done = subprocess.run(
        [*CLI, "parse", "--json"],
        input=b"Bad\xff\xfeName.2020.720p.WEB.x264-GRP\r\nGood.Name.2020.WEB.x264-GRP\n",
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2 and "Bad\ufffd\ufffdName" in lines[0]
    argument = subprocess.run(
        [*CLI, "parse", "--json", b"Bad\xffArg.2020.WEB-G"], capture_output=True, timeout=60
    )
    assert argument.returncode == 0
    assert "Bad\ufffdArg" in argument.stdout.decode("utf-8")  # one U+FFFD per bad byte


def test_backfill_retries_are_visible(caplog: pytest.LogCaptureFixture) -> None:
    """A user waiting on a dead server sees why, one log line per retry."""
    import asyncio

    from scenescope.feeds.predb_rest import PredbError, PredbLimits, PredbRestClient

    limits = PredbLimits(max_attempts=3, backoff_base_seconds=0.01, backoff_cap_seconds=0.02)

    async def fetch() -> None:
        client = PredbRestClient("predb+http://127.0.0.1:9/api/v1/", limits=limits)
        try:
            await client.search("x")
        finally:
            await client.aclose()

    with caplog.at_level(logging.WARNING), pytest.raises(PredbError, match="gave up after 3"):
        asyncio.run(fetch())
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    assert "127.0.0.1:9" in retries[0] and "(2 of 3 tries)" in retries[0]
    assert "(3 of 3 tries)" in retries[1]


def test_ingest_with_the_wrong_kind_is_an_error_and_rows_stay_quarantined(tmp_path: Path) -> None:
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\nA.Movie.2020.1080p.WEB.x264-GRP,2020-01-01\n")
    db = tmp_path / "s.duckdb"
    result = run("ingest", "--db", db, "--kind", "predb-json", pres)
    assert result.code == 2
    assert result.err.strip().splitlines()[-1].startswith("error: every row of")
    assert "--kind" in result.err
    stats = json.loads(run("stats", "--db", db, "--json").out.splitlines()[0])
    assert stats["quarantined"] == 2 and stats["releases"] == 0
    assert run("ingest", "--db", db, pres).code == 0  # the right kind imports the same file


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("leaks", "--min-lead", "nan"), "--min-lead"),
        (("simulate", "--out", "w", "--scale", "nan"), "--scale"),
        (("simulate", "--out", "w", "--scale", "inf"), "--scale"),
        (("simulate", "--out", "w", "--serve", "--speed", "nan"), "--speed"),
        (("simulate", "--out", "w", "--start", "0001-01-01"), "2005-01-01"),
        (("simulate", "--out", "w", "--end", "9999-12-31"), "--end"),
    ],
)
def test_numbers_and_dates_out_of_range(
    args: tuple[str, ...], needle: str, tmp_path: Path, world: Path
) -> None:
    moved = tuple(str(tmp_path / "w") if a == "w" else a for a in args)
    extra = ("--db", str(world)) if args[0] == "leaks" else ()
    assert_user_error(run(*moved, *extra), needle)
    assert not (tmp_path / "w").exists()
