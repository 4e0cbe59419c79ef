"""The store as a Parquet dataset, for engines beyond one machine: `export_parquet` writes each
table under DIR/<table>/ (partitioned by month, and by category for releases, where a table has a
time worth cutting on) with DuckDB's COPY; `import_parquet` reads it back, row for row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import duckdb

# table -> (the time column its month partition is cut on, or None for one file; the release
# column to restrict by for --since, or None to export whole)
TABLES: dict[str, tuple[str | None, str | None]] = {
    "releases": ("first_seen_at", "release_id"),  # cut on the first pre (see export_parquet)
    "pre_reports": ("pre_at", "release_id"),
    "nuke_events": ("event_at", "release_id"),
    "sightings": ("seen_at", "release_id"),
    "catalog_titles": (None, None),
    "catalog_release_dates": (None, None),
    "catalog_episodes": (None, None),
    "release_matches": (None, "release_id"),
    "supply_accounts": (None, None),
    "supply_shipments": ("shipped_at", None),
}
# partition columns are added beside the table's own (never replacing one), and dropped on import
MONTH = "part_month"
CATEGORY = "part_category"
MANIFEST = "scenescope-parquet.json"


# a local folder, or a URI an engine's filesystem reads (s3a://bucket/dir, hdfs://nn/dir, file:///)
Location: TypeAlias = str | Path
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_uri(location: Location) -> bool:
    """Whether `location` names a filesystem by scheme (s3a://, hdfs://, file://)."""
    return isinstance(location, str) and bool(_SCHEME.match(location))


def child(location: Location, name: str) -> Location:
    """`location`/`name`: a path joined as a path, a URI as text (a Path would fold its //)."""
    if is_uri(location):
        return str(location).rstrip("/") + "/" + name
    return Path(location) / name


class ParquetError(Exception):
    """A dataset that cannot be read back (missing manifest, a table absent from the store)."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    rows: int

    def to_dict(self) -> dict[str, object]:
        return {"table": self.table, "rows": self.rows}


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
        "ORDER BY column_index",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def _has(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns(conn, table))


def _column_list(columns: list[str]) -> str:
    return ", ".join('"' + c + '"' for c in columns)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(
    conn: duckdb.DuckDBPyConnection, folder: Path, *, since: dt.date | None = None
) -> list[TableCount]:
    """Write the store's tables to `folder` as Parquet (replacing what a table had there).

    With `since`, releases are those pred on or after that day (or, never pred, first seen
    then), the tables keyed by release follow them, shipments from that day; the catalog and
    the accounts are written whole."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: list[TableCount] = []
    chosen = ""
    if since is not None:
        chosen = (
            "SELECT release_id FROM pre_reports WHERE pre_at >= $since "
            "UNION SELECT release_id FROM releases WHERE first_seen_at >= $since "
            "AND release_id NOT IN (SELECT release_id FROM pre_reports)"
        )
    for table, (time_column, key) in TABLES.items():
        if not _has(conn, table):
            continue
        columns = _column_list(_columns(conn, table))
        where = f"WHERE {key} IN ({chosen})" if chosen and key else ""
        if chosen and table == "sightings":  # unlinked sightings follow their own time
            where = f"WHERE release_id IN ({chosen}) OR (release_id IS NULL AND seen_at >= $since)"
        if chosen and table == "supply_shipments":
            where = "WHERE shipped_at >= CAST($since AS DATE)"
        params = {"since": dt.datetime.combine(since, dt.time(), dt.UTC)} if since else {}
        used = {k: v for k, v in params.items() if f"${k}" in where} or None
        found = conn.execute(f"SELECT count(*) FROM {table} {where}", used).fetchone()
        rows = int(found[0]) if found else 0
        # an empty table is one empty file (its schema), never zero files
        parts = _parts(table) if rows else []
        extra = ""
        if MONTH in parts:
            cut = time_column
            if table == "releases":  # a release's month is its first pre's, not its ingest's
                cut = (
                    "coalesce((SELECT min(p.pre_at) FROM pre_reports p "
                    "WHERE p.release_id = releases.release_id), first_seen_at)"
                )
            extra += f", coalesce(strftime({cut}, '%Y-%m'), 'none') AS {MONTH}"
        if CATEGORY in parts:
            extra += (
                ", coalesce(nullif(regexp_replace(upper(category), '[^A-Z0-9_-]+', '_', 'g'), ''),"
                f" 'none') AS {CATEGORY}"
            )
        _clear(folder / table)
        (folder / table).mkdir(parents=True)
        target = folder / table
        options = "FORMAT parquet, COMPRESSION zstd"
        if parts:
            options += f", PARTITION_BY ({', '.join(parts)}), OVERWRITE_OR_IGNORE true"
        else:
            target = target / "part-0.parquet"
        conn.execute(
            f"COPY (SELECT {columns}{extra} FROM {table} {where}) TO {_quote(target)} ({options})",
            used,
        )
        counts.append(TableCount(table, rows))
    manifest = {
        "format": "scenescope-parquet",
        "version": 1,
        "since": since.isoformat() if since else None,
        "tables": {c.table: {"rows": c.rows} for c in counts},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts


def _parts(table: str) -> list[str]:
    time_column, _ = TABLES[table]
    out = [MONTH] if time_column else []
    return [*out, CATEGORY] if table == "releases" else out


def _clear(path: Path) -> None:
    if not path.exists():
        return
    for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_dir():
            child.rmdir()
        elif child.suffix == ".parquet":
            child.unlink()
        else:
            raise ParquetError(f"{child}: not a Parquet file; refusing to clear {path}")
    path.rmdir()


def table_glob(folder: Path, table: str) -> str:
    """The files of one exported table (for read_parquet / spark.read)."""
    return str(folder / table / "**" / "*.parquet")


def dataset_tables(
    folder: Location, read_text: Callable[[str], str] | None = None
) -> dict[str, int]:
    """table -> rows, from the dataset's manifest (read with `read_text` for a URI)."""
    path = child(folder, MANIFEST)
    hint = f"{path}: no manifest; is {folder} a `scenescope export --parquet` dir?"
    if is_uri(folder):
        if read_text is None:
            raise ParquetError(
                f"{folder}: this engine reads local folders only; use --engine spark"
            )
        try:
            text = read_text(str(path))
        except FileNotFoundError:
            raise ParquetError(hint) from None
    else:
        if not Path(path).exists():
            raise ParquetError(hint)
        text = Path(path).read_text(encoding="utf-8")
    manifest = json.loads(text)
    return {name: int(info["rows"]) for name, info in manifest["tables"].items()}


def read_sql(folder: Path, table: str, columns: list[str]) -> str:
    """DuckDB SQL reading `columns` of one exported table (never its partition columns)."""
    source = f"read_parquet({_quote(Path(table_glob(folder, table)))}, hive_partitioning = false)"
    return f"SELECT {_column_list(columns)} FROM {source}"


def import_parquet(conn: duckdb.DuckDBPyConnection, folder: Path) -> list[TableCount]:
    """Replace the store's tables with the dataset's (one transaction): every exported table
    is emptied and filled from its files; tables the dataset lacks are left alone."""
    tables = dataset_tables(folder)
    counts: list[TableCount] = []
    conn.execute("BEGIN")
    try:
        for table in TABLES:
            if table not in tables:
                continue
            if not _has(conn, table):
                raise ParquetError(f"{folder / table}: the store has no table {table}")
            columns = _columns(conn, table)
            conn.execute(f"DELETE FROM {table}")
            conn.execute(
                f"INSERT INTO {table} ({_column_list(columns)}) {read_sql(folder, table, columns)}"
            )
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts.append(TableCount(table, int(rows[0]) if rows else 0))
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    if "releases" in tables:  # the name index search reads is derived: rebuild it
        from scenescope.store.tokens import reindex_words

        reindex_words(conn)
    return counts
