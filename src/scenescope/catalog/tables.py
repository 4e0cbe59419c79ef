"""Catalog rows in the store: upserting imported records and reading them back.

Writes go through Arrow batches and `INSERT ... ON CONFLICT DO UPDATE` on the natural keys
(migration 0100), so a re-import updates titles and corrects dates in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa

from scenescope.catalog.records import CatalogTitle, Episode, ReleaseDate
from scenescope.engine.core import Source


def connection_of(store: Source) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection behind a `Store` (or a bare connection, as benchmarks pass)."""
    if isinstance(store, duckdb.DuckDBPyConnection):
        return store
    for attribute in ("connection", "conn"):
        conn = getattr(store, attribute, None)
        if isinstance(conn, duckdb.DuckDBPyConnection):
            return conn
    raise TypeError(f"not a store or DuckDB connection: {type(store).__name__}")


def _last_wins(records: list[Any], key: Any) -> list[Any]:
    latest: dict[Any, Any] = {}
    for record in records:
        latest[key(record)] = record
    return list(latest.values())


def upsert_titles(conn: duckdb.DuckDBPyConnection, titles: list[CatalogTitle]) -> int:
    rows = _last_wins(titles, lambda t: t.title_id)
    if not rows:
        return 0
    now = dt.datetime.now(dt.UTC)
    batch = pa.table(
        {
            "title_id": [t.title_id for t in rows],
            "kind": [t.kind for t in rows],
            "title": [t.title for t in rows],
            "year": pa.array([t.year for t in rows], pa.int32()),
            "original_title": pa.array([t.original_title for t in rows], pa.string()),
            "aliases": pa.array([list(t.aliases) for t in rows], pa.list_(pa.string())),
            "studio": pa.array([t.studio for t in rows], pa.string()),
        }
    )
    conn.register("incoming_titles", batch)
    try:
        conn.execute(
            """
            INSERT INTO catalog_titles
            SELECT title_id, kind, title, year, original_title, aliases, studio, ?
            FROM incoming_titles
            ON CONFLICT (title_id) DO UPDATE SET
                kind = excluded.kind, title = excluded.title, year = excluded.year,
                original_title = excluded.original_title, aliases = excluded.aliases,
                studio = excluded.studio, updated_at = excluded.updated_at
            """,
            [now],
        )
    finally:
        conn.unregister("incoming_titles")
    return len(rows)


def upsert_release_dates(conn: duckdb.DuckDBPyConnection, dates: list[ReleaseDate]) -> int:
    rows = _last_wins(dates, lambda d: (d.title_id, d.territory, d.window))
    if not rows:
        return 0
    batch = pa.table(
        {
            "title_id": [d.title_id for d in rows],
            "territory": [d.territory for d in rows],
            "release_window": [d.window for d in rows],
            "date": pa.array([d.date for d in rows], pa.date32()),
        }
    )
    conn.register("incoming_dates", batch)
    try:
        conn.execute(
            """
            INSERT INTO catalog_release_dates
            SELECT title_id, territory, release_window, date, ? FROM incoming_dates
            ON CONFLICT (title_id, territory, release_window) DO UPDATE SET
                date = excluded.date, updated_at = excluded.updated_at
            """,
            [dt.datetime.now(dt.UTC)],
        )
    finally:
        conn.unregister("incoming_dates")
    return len(rows)


def upsert_episodes(conn: duckdb.DuckDBPyConnection, episodes: list[Episode]) -> int:
    rows = _last_wins(episodes, lambda e: (e.title_id, e.season, e.episode, e.territory))
    if not rows:
        return 0
    batch = pa.table(
        {
            "title_id": [e.title_id for e in rows],
            "season": pa.array([e.season for e in rows], pa.int32()),
            "episode": pa.array([e.episode for e in rows], pa.int32()),
            "territory": [e.territory for e in rows],
            "air_date": pa.array([e.air_date for e in rows], pa.date32()),
        }
    )
    conn.register("incoming_episodes", batch)
    try:
        conn.execute(
            """
            INSERT INTO catalog_episodes
            SELECT title_id, season, episode, territory, air_date, ? FROM incoming_episodes
            ON CONFLICT (title_id, season, episode, territory) DO UPDATE SET
                air_date = excluded.air_date, updated_at = excluded.updated_at
            """,
            [dt.datetime.now(dt.UTC)],
        )
    finally:
        conn.unregister("incoming_episodes")
    return len(rows)


def known_title_ids(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT title_id FROM catalog_titles").fetchall()}


# what the matcher's index is built from, in the order it is built in (the engine plan reads
# the same over Parquet, so both build one index)
TITLES_SQL = (
    "SELECT title_id, kind, title, year, original_title, aliases, studio "
    "FROM catalog_titles ORDER BY title_id"
)
EPISODES_SQL = (
    "SELECT title_id, season, episode, air_date, territory FROM catalog_episodes "
    "ORDER BY title_id, season, episode, air_date NULLS LAST"
)


def titles_from_rows(rows: list[tuple[Any, ...]]) -> list[CatalogTitle]:
    """Records from TITLES_SQL's rows."""
    return [
        CatalogTitle(tid, kind, title, year, original, tuple(aliases or ()), studio)
        for tid, kind, title, year, original, aliases, studio in rows
    ]


def episodes_from_rows(rows: list[tuple[Any, ...]]) -> list[Episode]:
    """Records from EPISODES_SQL's rows."""
    return [
        Episode(tid, season, episode, air, territory)
        for tid, season, episode, air, territory in rows
    ]


def load_titles(conn: duckdb.DuckDBPyConnection) -> list[CatalogTitle]:
    return titles_from_rows(conn.execute(TITLES_SQL).fetchall())


def load_episodes(conn: duckdb.DuckDBPyConnection) -> list[Episode]:
    return episodes_from_rows(conn.execute(EPISODES_SQL).fetchall())


def load_release_dates(
    conn: duckdb.DuckDBPyConnection, title_id: str | None = None
) -> list[ReleaseDate]:
    sql = "SELECT title_id, territory, release_window, date FROM catalog_release_dates"
    params: list[Any] = []
    if title_id is not None:
        sql += " WHERE title_id = ?"
        params.append(title_id)
    rows = conn.execute(sql + " ORDER BY title_id, date, territory", params).fetchall()
    return [ReleaseDate(tid, territory, window, date) for tid, territory, window, date in rows]
