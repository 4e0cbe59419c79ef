"""The release store: one DuckDB file, versioned migrations, idempotent ingest, queries.

Tables (times are TIMESTAMPTZ, UTC; other areas may query them through `Store.connection`):

- `releases`: one row per distinct name. release_id BIGINT (unique), name (unique),
  name_hash (md5_number_upper(name): lookups scan this column), group_name (as written),
  group_key (lowercase), one column per ReleaseName field (tuples as VARCHAR[] / INTEGER[];
  `date` is the daily-show date), category, size_kb, files (each from the first report that
  had it), first_seen_at.
- `release_tokens`: token, release_ids BIGINT[]: the word index (one row per token per write
  batch); search joins it, `store.tokens.reindex_words` rebuilds it for hand-filled stores.
- `pre_reports`: release_id, feed, pre_at, seen_at, trusted, flag_reason, category, size_kb,
  files, genre; one per (release_id, feed, pre_at) — a repeat fills the fields it lacked. A
  report more than a day after it was seen, or before 1990, is kept with trusted = false and a
  flag_reason.
- `nuke_events`: release_id, kind (nuke/unnuke/modnuke/delpre/undelpre), reason, network,
  event_at (when the network acted), feed, seen_at; one per (release_id, kind, event_at, feed).
- `quarantine`: source, line, reason, raw, seen_at: input that could not be understood.
- `release_state` (view): release_id, name, group_key, pre_at (earliest trusted report),
  status (live/nuked/deleted, replayed from the event history in event-time order),
  nuke_reason, report_count, feed_count, event_count.
- `schema_migrations`: version, name, applied_at.

Beside the file, `<file>.search` may hold the search index (`store.search_index`): the same
answers as `search`'s SQL from an inverted index; `use_search_index` catches it up and
attaches it, after which every write through this store keeps it current.

Uniqueness is kept by the writer (the store has one, by DuckDB's file lock), not by indexes
(migration 0004): write to these tables through `Store.apply`, or call `reindex_words` after
inserting releases by hand. Migrations 0001–0099 are the core's; other areas add theirs
(0100+) to `store/migrations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from types import TracebackType

import duckdb

from scenescope.engine.core import Engine
from scenescope.feeds.events import FeedEvent
from scenescope.store.db import (
    StoreError,
    StoreLockedError,
    StoreTooNewError,
    connect,
    migrate,
    pending_migrations,
)
from scenescope.store.ingest import DEFAULT_BATCH_SIZE, BatchWriter, IngestSummary
from scenescope.store.queries import SearchHit, StoreStats, search, stats
from scenescope.store.search_index import SearchIndex, index_path, remove_index

__all__ = [
    "IngestSummary",
    "SearchHit",
    "Store",
    "StoreError",
    "StoreLockedError",
    "StoreStats",
    "StoreTooNewError",
]


class Store:
    """An open store file. Use `Store.open(path)` as a context manager."""

    def __init__(self, path: Path, conn: duckdb.DuckDBPyConnection, *, read_only: bool) -> None:
        self.path = path
        self.read_only = read_only
        self._conn: duckdb.DuckDBPyConnection | None = conn
        self._writer = BatchWriter(conn)
        self._engine: Engine | None = None
        self._search_index: SearchIndex | None = None

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Store:
        """Open (creating and migrating as needed) the store at `path`.

        Raises StoreLockedError if another process writes to it, StoreTooNewError if a newer
        scenescope wrote it. A read-only open of a store that needs migrating migrates it first.
        """
        path = Path(path).expanduser()
        if read_only:
            conn = connect(path, read_only=True)
            try:
                needs_migration = bool(pending_migrations(conn))
            except BaseException:
                conn.close()
                raise
            if not needs_migration:
                return cls(path, conn, read_only=True)
            conn.close()
            with cls.open(path):
                pass
            return cls(path, connect(path, read_only=True), read_only=True)
        conn = connect(path)
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, read_only=False)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for analyses that query the tables directly."""
        if self._conn is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._conn

    @property
    def engine(self) -> Engine:
        """How analyses read this store (derived relations cached per store version)."""
        if self._engine is None or self._engine.connection is not self.connection:
            self._engine = Engine(self.connection)
        return self._engine

    def apply(
        self,
        events: Iterable[FeedEvent],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestSummary], None] | None = None,
    ) -> IngestSummary:
        """Write feed events (idempotent; one transaction per batch of `batch_size` events)."""
        if self.read_only:
            raise StoreError(f"the store {self.path} was opened read-only")
        self.connection  # noqa: B018 - raises if closed
        return self._writer.apply(events, batch_size=batch_size, on_batch=on_batch)

    @property
    def search_index(self) -> SearchIndex | None:
        """The search index attached by `attach_search_index`, once it is ready."""
        index = self._search_index
        return index if index is not None and index.ready else None

    def attach_search_index(self, index: SearchIndex) -> None:
        """Keep `index` current with every write through this store (within FOLLOW_SECONDS;
        `search` here flushes first), and search with it once its `build` has finished (the
        caller runs the build, e.g. in a thread)."""
        self._search_index = index
        self._writer.on_commit = index.follow

    def use_search_index(
        self,
        *,
        create: bool = False,
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
        connection: duckdb.DuckDBPyConnection | None = None,
    ) -> SearchIndex | None:
        """Search with the index beside this store file: caught up, attached and returned;
        None when there is none and not `create` (searches then use the SQL). From another
        thread, pass a `connection` (a cursor of the store's) made in the calling one."""
        if rebuild:
            remove_index(self.path)
        if not (create or rebuild) and not index_path(self.path).exists():
            return None
        index = SearchIndex.open(self.path)
        self.attach_search_index(index)
        index.build(connection or self.connection, progress=progress)
        return index

    def search(
        self,
        words: str | Sequence[str] = (),
        *,
        group: str | None = None,
        category: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        nuked: bool = False,
        limit: int = 50,
    ) -> list[SearchHit]:
        """Releases matching every word (name tokens) and filter, newest pre first (from the
        attached search index when it is ready, else with the SQL: the same answer)."""
        index = self.search_index
        if index is not None:
            index.flush()  # what this process wrote a moment ago is found too
        return (index.search if index is not None else partial(search, self.connection))(
            words,
            group=group,
            category=category,
            since=since,
            until=until,
            nuked=nuked,
            limit=limit,
        )

    def stats(self, *, days: int = 14, top: int = 10) -> StoreStats:
        """Totals, statuses, feeds, and releases per day / category / group."""
        return stats(self.connection, days=days, top=top)

    def close(self) -> None:
        if self._conn is not None:
            self._writer.close()
            if self._search_index is not None:  # before the connection: it flushes
                self._search_index.close()
                self._search_index = None
            self._conn.close()
            self._conn = None
            self._engine = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
