"""The engine: how analyses read the store. One definition per derived relation, built on
demand and cached per store version in an in-memory catalog every cursor shares; per-call
scratch tables get unique names, so concurrent calls (web requests) never collide.
"""

from __future__ import annotations

import itertools
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

import duckdb
import pyarrow as pa

DERIVED = "derived"  # the attached in-memory catalog that holds materialized relations


class HasConnection(Protocol):
    @property
    def connection(self) -> duckdb.DuckDBPyConnection: ...


@dataclass(frozen=True, slots=True)
class Relation:
    """A derived relation: its name, what it reads, and the SQL that builds it (given the
    engine, so it can name the relations it depends on)."""

    name: str
    build: Callable[[Engine], str]
    depends: tuple[str, ...] = ()
    doc: str = ""


_REGISTRY: dict[str, Relation] = {}
# per connection, what has been built in its derived catalog (weak: a dropped connection frees
# its entry; _Shared holds no reference back to the connection)
_SHARED: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, _Shared] = weakref.WeakKeyDictionary()
_counter = itertools.count()


def relation(
    name: str, *, depends: Sequence[str] = ()
) -> Callable[[Callable[[Engine], str]], Relation]:
    """Register a derived relation under `name` (decorates its SQL builder)."""

    def register(build: Callable[[Engine], str]) -> Relation:
        rel = Relation(name, build, tuple(depends), (build.__doc__ or "").strip())
        _REGISTRY[name] = rel
        return rel

    return register


def registered_relations() -> dict[str, Relation]:
    from scenescope.engine import relations, series  # noqa: F401  (register the definitions)

    return dict(_REGISTRY)


class _Shared:
    """State shared by an engine and its cursors: the built relations per store version."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.built: dict[str, tuple[str, str]] = {}  # relation -> (version, table name)


class Engine:
    """The store as analyses see it: queries return Arrow tables; derived relations by name."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, *, _shared: _Shared | None = None):
        self.connection = connection
        if _shared is None:
            _shared = _SHARED.get(connection)
            if _shared is None:
                attached = {row[0] for row in connection.execute("SHOW DATABASES").fetchall()}
                if DERIVED not in attached:
                    # READ_WRITE: a read-only store can still hold derived tables in memory
                    connection.execute(f"ATTACH ':memory:' AS {DERIVED} (READ_WRITE)")
                _shared = _SHARED[connection] = _Shared()
        self._shared = _shared

    @classmethod
    def of(cls, source: Engine | HasConnection | duckdb.DuckDBPyConnection) -> Engine:
        """The engine for a store, a connection, or itself. Engines on the same connection share
        its derived relations, so repeated calls reuse them."""
        if isinstance(source, Engine):
            return source
        if isinstance(source, duckdb.DuckDBPyConnection):
            return cls(source)
        engine = getattr(source, "engine", None)
        if isinstance(engine, Engine):
            return engine
        connection = getattr(source, "connection", None)
        if not isinstance(connection, duckdb.DuckDBPyConnection):
            raise TypeError(f"not a store, engine or DuckDB connection: {type(source).__name__}")
        return cls.of(connection)

    def cursor(self) -> Engine:
        """An engine on a new cursor of the same database, sharing the derived relations: for
        another thread (each request of the web app takes one)."""
        return Engine(self.connection.cursor(), _shared=self._shared)

    # --- reading -------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        """Run `sql` and return the result as an Arrow table."""
        return self.connection.sql(sql, params=params or None).to_arrow_table()

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params or []).fetchall()

    def records(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name (for small results)."""
        cursor = self.connection.execute(sql, params or [])
        columns = [d[0] for d in cursor.description or ()]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        # fetchall, not fetchone: a half-read result blocks the next query on the connection
        rows = self.connection.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def has_table(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name <> ?",
                [name, DERIVED],
            )
        )

    # --- derived relations ----------------------------------------------------------------

    def version(self) -> str:
        """Cheap counts that change whenever the store does."""
        parts = []
        for table in ("releases", "pre_reports", "nuke_events", "release_matches"):
            if self.has_table(table):
                parts.append(f"{table}={self.scalar(f'SELECT count(*) FROM {table}')}")
        for table in ("catalog_release_dates", "catalog_episodes"):
            if self.has_table(table):
                parts.append(f"{table}={self.scalar(f'SELECT count(*) FROM {table}')}")
        if self.has_table("sightings"):  # links change without the count: count them too
            linked = self.scalar("SELECT count(*) || '/' || count(release_id) FROM sightings")
            parts.append(f"sightings={linked}")
        return ";".join(parts)

    def relation(self, name: str, *, force: bool = False) -> str:
        """The qualified table name of derived relation `name`, built for the store's current
        version unless a build for that version exists. Built tables are never modified, only
        replaced by a new name, so a cursor reading an older build is never disturbed."""
        definitions = registered_relations()
        if name not in definitions:
            raise KeyError(f"no derived relation {name!r}; known: {sorted(definitions)}")
        version = self.version()
        with self._shared.lock:
            return self._build(definitions, name, version, force)

    def _build(self, definitions: dict[str, Relation], name: str, version: str, force: bool) -> str:
        built = self._shared.built.get(name)
        rel = definitions[name]
        for dependency in rel.depends:
            self._build(definitions, dependency, version, False)
        if built and built[0] == version and not force and self._exists(built[1]):
            return built[1]
        table = f"{DERIVED}.{name}_{next(_counter)}"
        self.connection.execute(f"CREATE TABLE {table} AS {rel.build(self)}")
        self._shared.built[name] = (version, table)
        if built:
            self.connection.execute(f"DROP TABLE IF EXISTS {built[1]}")
        return table

    def built(self, name: str) -> str:
        """The current build of a relation a builder depends on (call `relation` first)."""
        return self._shared.built[name][1]

    def _exists(self, qualified: str) -> bool:
        _, table = qualified.split(".", 1)
        return bool(
            self.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                [DERIVED, table],
            )
        )

    # --- per-call scratch -----------------------------------------------------------------

    @contextmanager
    def scratch(self) -> Iterator[Scratch]:
        """Temporary tables private to this call: unique names, dropped on exit."""
        pad = Scratch(self)
        try:
            yield pad
        finally:
            pad.drop()


class Scratch:
    """Names for one call's temporary tables (`pad.table('pairs')` -> a unique name)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.prefix = f"s{uuid.uuid4().hex[:10]}"
        self.names: list[str] = []
        self.registered: list[str] = []

    def table(self, name: str) -> str:
        qualified = f"temp.{self.prefix}_{name}"
        self.names.append(qualified)
        return qualified

    def create(self, name: str, sql: str, params: Sequence[Any] | None = None) -> str:
        qualified = self.table(name)
        self.engine.connection.execute(f"CREATE TEMP TABLE {qualified} AS {sql}", params or [])
        return qualified

    def register(self, name: str, table: pa.Table) -> str:
        """An Arrow table visible to this call's SQL under a unique name."""
        view = f"{self.prefix}_{name}"
        self.engine.connection.register(view, table)
        self.registered.append(view)
        return view

    def drop(self) -> None:
        for name in reversed(self.names):
            self.engine.connection.execute(f"DROP TABLE IF EXISTS {name}")
        for view in self.registered:
            self.engine.connection.unregister(view)


# what analyses accept: an engine, an open store (anything with .connection), a connection
Source: TypeAlias = Engine | HasConnection | duckdb.DuckDBPyConnection
