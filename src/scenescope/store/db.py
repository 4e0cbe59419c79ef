"""Opening a store file: the DuckDB connection, the single-writer lock, versioned migrations.

Migrations are the numbered SQL files in `store/migrations/NNNN_name.sql`, applied in numeric
order (each in its own transaction) and recorded in `schema_migrations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

MIGRATION_FILE = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


class StoreError(Exception):
    """A store problem the user can fix; the message is one clear line."""


class StoreLockedError(StoreError):
    """Another process holds the store open for writing."""


class StoreTooNewError(StoreError):
    """The file was written by a newer scenescope (a migration this code does not know)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def known_migrations() -> list[Migration]:
    """Every migration shipped in `store/migrations`, in the order they apply."""
    found: list[Migration] = []
    folder = resources.files("scenescope.store").joinpath("migrations")
    for entry in folder.iterdir():
        match = MIGRATION_FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number in store/migrations: {versions}")
    return found


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the store file, with DuckDB's lock error turned into one clear line."""
    if read_only and not path.exists():
        raise StoreError(f"no store at {path}: import something first (scenescope ingest)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        holder = _LOCK_HOLDER.search(text)
        if "lock" in text.lower():
            who = f" (process {holder[2]})" if holder else ""
            raise StoreLockedError(
                f"the store {path} is open for writing by another scenescope{who}; "
                "wait for it to finish or use another --db"
            ) from None
        raise StoreError(f"cannot open the store {path}: {text.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the store {path}: {str(exc).splitlines()[0]}") from None
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET enable_progress_bar = false")  # ours is the CLI's; DuckDB's would garble it
    return conn


def applied_versions(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Migration numbers already recorded in this store (empty for a new file)."""
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return []
    rows = conn.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    return [row[0] for row in rows]


def check_not_newer(conn: duckdb.DuckDBPyConnection, migrations: list[Migration]) -> None:
    applied = applied_versions(conn)
    newest_known = max((m.version for m in migrations), default=0)
    if applied and applied[-1] > newest_known:
        raise StoreTooNewError(
            f"this store was written by a newer scenescope (schema {applied[-1]} > "
            f"{newest_known}); upgrade scenescope"
        )


def pending_migrations(conn: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Migrations this code knows that the store has not applied yet (refuses newer stores)."""
    migrations = known_migrations()
    check_not_newer(conn, migrations)
    done = set(applied_versions(conn))
    return [m for m in migrations if m.version not in done]


def migrate(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration in order; returns the versions applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    applied: list[int] = []
    for migration in pending_migrations(conn):
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    ensure_views(conn)
    return applied


def ensure_views(conn: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the views whose SQL is generated from the domain rules (engine.rules), so a
    store always carries this code's definition; cheap, done on every writable open."""
    from scenescope.engine.rules import release_state_view_sql

    conn.execute(f"CREATE OR REPLACE VIEW release_state AS {release_state_view_sql()}")
