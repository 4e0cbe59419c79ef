"""The store as Parquet and the plan on DuckDB over it: export -> import gives every table back
row for row; --since keeps a consistent slice; the plan's relations over Parquet equal the
store's own; releases exported as bare names are parsed and matched by the plan to the same
results (its matches equal the library matcher's, ties and timing decisions included)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from cli_support import run
from scenescope.analysis.trace_world import load_world
from scenescope.catalog import match_releases
from scenescope.catalog.records import CatalogTitle, ReleaseDate
from scenescope.catalog.tables import load_release_dates, upsert_release_dates, upsert_titles
from scenescope.engine import Engine, plan
from scenescope.engine.parquet import TABLES, export_parquet, import_parquet, table_glob
from scenescope.engine.plan_run import DuckDBRunner, run_plan, sorted_output
from scenescope.sightings import import_sightings, link_sightings
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate

SEED = 4244
SCALE = 0.02
FLOAT_TOLERANCE = 1e-9  # relative (and absolute near zero): both engines compute in doubles
# the fields the parser fills (a name-only export leaves them NULL)
PARSED = [c for c in plan.RELEASE_COLUMNS if c not in ("release_id", "name", "category")]


def simulated_store(folder: Path) -> Path:
    """A small simulated world loaded like the demo does, sightings linked."""
    config = load_config(None)
    simulate(config.with_world(seed=SEED, scale=SCALE), folder / "world")
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        load_world(store, folder / "world")
        import_sightings(store, folder / "world" / "sightings.csv")
        link_sightings(store)
    return db


def add_title_twins(db: Path, count: int = 16) -> None:
    """Give a few matched films a same-named, same-year catalog twin and re-run the library's
    matcher: half the twins carry the original's dates (the tie stays possible), half none
    (the timing decides for the original, when its dates are near the pre)."""
    with Store.open(db) as store:
        conn = store.connection
        films = conn.execute(
            "SELECT title_id, title, year FROM catalog_titles WHERE kind = 'movie' "
            "AND year IS NOT NULL AND title_id IN "
            "(SELECT title_id FROM release_matches WHERE status = 'matched') "
            "ORDER BY title_id LIMIT ?",
            [count],
        ).fetchall()
        upsert_titles(conn, [CatalogTitle(f"{tid}-twin", "movie", t, y) for tid, t, y in films])
        dated = [
            ReleaseDate(f"{tid}-twin", d.territory, d.window, d.date)
            for tid, _, _ in films[::2]
            for d in load_release_dates(conn, tid)
        ]
        upsert_release_dates(conn, dated)
        match_releases(store)


def _rewrite(folder: Path, table: str, sql: str) -> None:
    conn = duckdb.connect()
    source = f"read_parquet('{table_glob(folder, table)}', hive_partitioning = false)"
    rows = conn.sql(sql.format(source=source)).to_arrow_table()
    shutil.rmtree(folder / table)
    (folder / table).mkdir()
    conn.register("rewritten", rows)
    conn.execute(f"COPY rewritten TO '{folder / table / 'part-0.parquet'}' (FORMAT parquet)")


def strip_parsed(folder: Path, every: int = 3) -> None:
    """Rewrite the dataset's releases so every `every`-th carries its name only, and has no
    matches (as a feed exporting names without parsing or matching them would)."""
    nulls = ", ".join(
        f'CASE WHEN release_id % {every} = 0 THEN NULL ELSE "{c}" END AS "{c}"' for c in PARSED
    )
    _rewrite(folder, "releases", f"SELECT * REPLACE ({nulls}) FROM {{source}}")
    _rewrite(folder, "release_matches", f"SELECT * FROM {{source}} WHERE release_id % {every} <> 0")


def same_rows(left: pa.Table, right: pa.Table, name: str) -> None:
    """Row for row (both sorted by the output's key), floats to FLOAT_TOLERANCE, timestamps
    as instants, integers whatever their width."""
    assert left.column_names == right.column_names, name
    assert left.num_rows == right.num_rows, name
    for index, (a, b) in enumerate(zip(left.to_pylist(), right.to_pylist(), strict=True)):
        for column, value in a.items():
            other = b[column]
            if isinstance(value, float) and isinstance(other, float):
                assert math.isclose(
                    value, other, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE
                ), (name, index, column, value, other)
            else:
                assert _plain(value) == _plain(other), (name, index, column, value, other)


def _plain(value: Any) -> Any:
    if hasattr(value, "timestamp") and getattr(value, "tzinfo", None) is not None:
        return value.timestamp()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("parquet")
    db = simulated_store(folder)
    add_title_twins(db)
    with Store.open(db, read_only=True) as store:
        export_parquet(store.connection, folder / "dataset")
    return db, folder / "dataset"


def test_export_then_import_gives_every_table_back_row_for_row(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    db, dataset = world
    target = tmp_path / "back.duckdb"
    with Store.open(target) as store:
        counts = {c.table: c.rows for c in import_parquet(store.connection, dataset)}
    assert counts["releases"] > 1000 and counts["sightings"] > 1000
    assert (dataset / "releases").is_dir() and any((dataset / "releases").glob("part_month=*"))
    conn = duckdb.connect(str(target))
    conn.execute(f"ATTACH '{db}' AS original (READ_ONLY)")
    for table in TABLES:
        (original,) = conn.execute(f"SELECT count(*) FROM original.{table}").fetchall()[0]
        assert counts[table] == original, table
        (differ,) = conn.execute(
            f"SELECT count(*) FROM ((SELECT * FROM original.{table} EXCEPT ALL "
            f"SELECT * FROM {table}) UNION ALL (SELECT * FROM {table} EXCEPT ALL "
            f"SELECT * FROM original.{table}))"
        ).fetchall()[0]
        assert differ == 0, table
    # the word index is rebuilt, so search finds the imported releases
    assert conn.execute("SELECT count(*) FROM release_tokens").fetchall()[0][0] > 100


def test_since_keeps_a_consistent_slice(world: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = world
    out = tmp_path / "since"
    result = run("export", "--db", db, "--parquet", out, "--since", "2020-07-01", "--json")
    assert result.code == 0, result.err
    counts = {row["table"]: row["rows"] for row in map(json.loads, result.out.splitlines())}
    conn = duckdb.connect()
    releases = f"read_parquet('{table_glob(out, 'releases')}', hive_partitioning = false)"
    reports = f"read_parquet('{table_glob(out, 'pre_reports')}', hive_partitioning = false)"
    # every exported release was pred on or after the day (by at least one of its reports)
    early = conn.execute(
        f"SELECT count(*) FROM (SELECT release_id, max(pre_at) AS last_pre FROM {reports} "
        "GROUP BY release_id) WHERE last_pre < TIMESTAMPTZ '2020-07-01 00:00:00+00'"
    ).fetchall()[0][0]
    assert early == 0
    orphans = conn.execute(
        f"SELECT count(*) FROM {reports} WHERE release_id NOT IN (SELECT release_id FROM "
        f"{releases})"
    ).fetchall()[0][0]
    assert orphans == 0
    with Store.open(db, read_only=True) as store:
        everything = store.connection.execute("SELECT count(*) FROM releases").fetchall()[0][0]
    assert 0 < counts["releases"] < everything


def test_the_plan_over_parquet_equals_the_store_relations(world: tuple[Path, Path]) -> None:
    db, dataset = world
    runner = DuckDBRunner()
    run_plan(runner, dataset)
    with Store.open(db, read_only=True) as store:
        engine = Engine.of(store)
        for name, key in {
            "daily_pres": ("day", "category", "group_key", "source_class"),
            "sighting_lags": ("release_id", "tier"),
            "release_leads": ("release_id",),
            "race_entries": ("release_id",),
        }.items():
            mine = sorted_output(runner, name, key)
            # the plan's title keys are readable strings, the store's are DuckDB hashes
            columns = [c for c in mine.column_names if c != "title_key"]
            theirs = engine.query(f"SELECT {', '.join(columns)} FROM {engine.relation(name)}")
            theirs = theirs.sort_by([(c, "ascending") for c in key])
            same_rows(mine.select(columns), theirs, name)
            assert mine.num_rows > 100, name


def test_names_without_parsed_fields_are_parsed_by_the_plan(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    _, dataset = world
    stripped = tmp_path / "stripped"
    shutil.copytree(dataset, stripped)
    strip_parsed(stripped)
    full, names_only = DuckDBRunner(), DuckDBRunner()
    run_plan(full, dataset)
    run_plan(names_only, stripped)
    unparsed = names_only.connection.sql(
        f"SELECT count(*) FROM {plan_source(stripped)} WHERE kind IS NULL"
    ).fetchall()[0][0]
    assert unparsed > 1000
    for name, key in plan.outputs_of([]).items():
        same_rows(sorted_output(full, name, key), sorted_output(names_only, name, key), name)


def test_the_plans_matches_equal_the_library_matchers(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    """Every release as a bare name and no matches exported: the plan parses and matches them
    all, and its matches are the store's (`catalog.match_releases`) row for row — scores,
    reasons, the ties left possible and the ties the timing decided."""
    db, dataset = world
    bare = tmp_path / "bare"
    shutil.copytree(dataset, bare)
    strip_parsed(bare, every=1)
    runner = DuckDBRunner()
    run = run_plan(runner, bare, ["match"])
    mine = sorted_output(runner, "release_matches", ("release_id", "title_id"))
    with Store.open(db, read_only=True) as store:
        theirs = store.connection.sql(
            "SELECT * EXCLUDE (matched_at) FROM release_matches ORDER BY release_id, title_id"
        ).to_arrow_table()
    assert run.rows["release_matches"] == theirs.num_rows > 1000
    same_rows(mine, theirs, "release_matches")
    statuses = mine.column("status").to_pylist()
    reasons = mine.column("reason").to_pylist()
    assert statuses.count("possible") >= 2, "a tie the name cannot break is kept possible"
    assert any(r.startswith("name tie decided by timing") for r in reasons)


def plan_source(folder: Path) -> str:
    return f"read_parquet('{table_glob(folder, 'releases')}', hive_partitioning = false)"


def test_analyze_on_duckdb_writes_parquet_and_json(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    _, dataset = world
    out = tmp_path / "out"
    result = run(
        "analyze", "--engine", "duckdb", "--input", dataset, "--out", out, "propagation", "leaks"
    )
    assert result.code == 0, result.err
    summary = json.loads((out / "propagation.json").read_text())
    tiers = {row["tier"]: row for row in summary["outputs"]["tier_lags"]["data"]}
    assert "p2p" in tiers and tiers["p2p"]["median_lag_hours"] is not None
    lags = duckdb.sql(f"SELECT count(*) FROM '{out / 'sighting_lags.parquet'}'").fetchall()
    assert lags[0][0] == summary["outputs"]["sighting_lags"]["rows"] > 100
    assert (out / "leaks.json").exists() and not (out / "impact.json").exists()
    bad = run("analyze", "--engine", "duckdb", "--input", tmp_path, "--out", out)
    assert bad.code == 2 and "no manifest" in bad.err


def test_analyze_help_names_every_analysis_of_the_plan() -> None:
    shown = run("analyze", "--help")
    assert shown.code == 0
    text = " ".join(shown.out.split())
    for name in plan.ANALYSES:
        assert name in text, name
