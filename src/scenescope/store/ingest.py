"""Idempotent ingest: feed events applied to the store in batches, one transaction per batch.

Each batch's names are looked up; only names never seen before are parsed (`parse_many`) and
inserted. Reports and nuke events go in with INSERT … SELECT from Arrow tables, skipping what
the store already holds, so the same input twice (or a re-run after a crash) changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import duckdb
import pyarrow as pa

from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport, Reject
from scenescope.store.batches import (
    DEFAULT_BATCH_SIZE,
    nuke_table,
    reject_table,
    release_table,
    report_table,
    screen,
    split_batches,
)
from scenescope.store.queries import NAME_KEY_SQL

# Up to this many names are looked up through the name index; more go through one hash join.
INDEX_LOOKUP_MAX = 2048

__all__ = ["DEFAULT_BATCH_SIZE", "BatchWriter", "IngestSummary", "PreparedBatch"]


@dataclasses.dataclass(frozen=True, slots=True)
class IngestSummary:
    """What an `apply` did; `duplicates` are events the store already held (or repeated)."""

    events: int = 0
    releases_new: int = 0
    reports_new: int = 0
    nukes_new: int = 0
    rejects: int = 0
    duplicates: int = 0

    def __add__(self, other: IngestSummary) -> IngestSummary:
        return IngestSummary(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(slots=True)
class PreparedBatch:
    """A batch ready to write: screened events as Arrow tables, new releases already parsed."""

    events: int
    now: dt.datetime
    new_names: set[str]
    known_ids: dict[str, int]  # names the store already had, with their release_id
    unresolved: list[str]  # names new in the batch still being written: resolved at write time
    releases: pa.Table | None
    reports: pa.Table | None
    nukes: pa.Table | None
    rejects: pa.Table | None
    report_count: int
    nuke_count: int
    reject_count: int


class BatchWriter:
    """Writes batches of events through one connection (the store's single writer).

    Preparing a batch (name lookup, parsing, Arrow conversion) is Python work; writing it is
    DuckDB work that releases the GIL. Batch N is written by a worker thread while batch N+1
    is prepared, so the parser rarely waits for the database.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        # Own cursors, so a half-read result on the store's shared connection never blocks us.
        self.conn = conn.cursor()
        self.conn.execute("SET TimeZone = 'UTC'")
        self._reader: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def apply(
        self,
        events: Iterable[FeedEvent],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestSummary], None] | None = None,
    ) -> IngestSummary:
        """Write all events, `batch_size` per transaction; one apply at a time per store."""
        with self._lock, ThreadPoolExecutor(1, thread_name_prefix="store-writer") as executor:
            total = IngestSummary()
            in_flight: Future[IngestSummary] | None = None
            # Names of the batch being written: not committed yet, but not new for the next one.
            pending_names: set[str] = set()
            try:
                for pres, nukes, rejects in split_batches(events, batch_size):
                    prepared = self.prepare(pres, nukes, rejects, exclude=pending_names)
                    if in_flight is not None:
                        done = in_flight.result()
                        total += done
                        if on_batch:
                            on_batch(done)
                    in_flight = executor.submit(self.write, prepared)
                    pending_names = prepared.new_names
                if in_flight is not None:
                    done, in_flight = in_flight.result(), None
                    total += done
                    if on_batch:
                        on_batch(done)
            finally:
                if in_flight is not None:
                    in_flight.exception()  # let a handed-over batch finish before leaving
            return total

    def close(self) -> None:
        for cursor in (self._reader, self.conn):
            if cursor is not None:
                cursor.close()
        self._reader = None

    def prepare(
        self,
        pres: list[PreReport],
        nukes: list[NukeEvent],
        rejects: list[Reject],
        *,
        exclude: set[str] | frozenset[str] = frozenset(),
    ) -> PreparedBatch:
        """Screen the events, find names the store lacks (minus `exclude`), parse them."""
        now = dt.datetime.now(dt.UTC)
        events = len(pres) + len(nukes) + len(rejects)
        pres, nukes, rejects = screen(pres, nukes, rejects, now)
        names = list(dict.fromkeys([p.name for p in pres] + [n.name for n in nukes]))
        known_ids = self._release_ids(self._reader_cursor(), names)
        new_names = [n for n in names if n not in known_ids and n not in exclude]
        unresolved = [n for n in names if n not in known_ids and n in exclude]
        releases = None
        if new_names:
            wanted = set(new_names)
            info: dict[str, tuple[Any, Any, Any]] = {}
            for report in pres:
                if report.name in wanted and report.name not in info:
                    info[report.name] = (report.category, report.size_kb, report.files)
            releases = release_table(new_names, info, now)
        return PreparedBatch(
            events=events,
            now=now,
            new_names=set(new_names),
            known_ids=known_ids,
            unresolved=unresolved,
            releases=releases,
            reports=report_table(pres) if pres else None,
            nukes=nuke_table(nukes) if nukes else None,
            rejects=reject_table(rejects) if rejects else None,
            report_count=len(pres),
            nuke_count=len(nukes),
            reject_count=len(rejects),
        )

    def write(self, batch: PreparedBatch) -> IngestSummary:
        """One transaction: new releases, then reports, nuke events and rejects."""
        conn = self.conn
        tables = {
            "batch_releases": batch.releases,
            "batch_reports": batch.reports,
            "batch_nukes": batch.nukes,
            "batch_rejects": batch.rejects,
        }
        registered = [name for name, table in tables.items() if table is not None]
        for name in registered:
            conn.register(name, tables[name])
        try:
            conn.execute("BEGIN TRANSACTION")
            try:
                ids = dict(batch.known_ids)
                ids.update(self._release_ids(conn, batch.unresolved))
                releases_new = self._insert_releases(batch.releases, ids)
                conn.register(
                    "batch_ids",
                    pa.table(
                        {
                            "name": pa.array(list(ids), pa.string()),
                            "release_id": pa.array(list(ids.values()), pa.int64()),
                        }
                    ),
                )
                registered.append("batch_ids")
                reports_new = self._insert_reports(batch.reports, batch.now)
                nukes_new = self._insert_nukes(batch.nukes, batch.now)
                self._insert_rejects(batch.rejects, batch.now)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            for name in registered:
                conn.unregister(name)
        return IngestSummary(
            events=batch.events,
            releases_new=releases_new,
            reports_new=reports_new,
            nukes_new=nukes_new,
            rejects=batch.reject_count,
            duplicates=batch.report_count - reports_new + batch.nuke_count - nukes_new,
        )

    def _reader_cursor(self) -> duckdb.DuckDBPyConnection:
        if self._reader is None:
            # Its own cursor: lookups run while the writer thread holds a transaction.
            self._reader = self.conn.cursor()
        return self._reader

    @staticmethod
    def _release_ids(cursor: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, int]:
        """release_id of each name the store knows: the name index for few, a join for many."""
        if not names:
            return {}
        if len(names) <= INDEX_LOOKUP_MAX:
            placeholders = ", ".join("?" * len(names))
            rows = cursor.execute(
                f"SELECT name, release_id FROM releases WHERE name IN ({placeholders})", names
            ).fetchall()
            return dict(rows)
        cursor.register("batch_names", pa.table({"name": pa.array(names, pa.string())}))
        try:
            rows = cursor.execute(
                "SELECT name, release_id FROM batch_names JOIN releases USING (name)"
            ).fetchall()
        finally:
            cursor.unregister("batch_names")
        return dict(rows)

    def _insert_releases(self, table: pa.Table | None, ids: dict[str, int]) -> int:
        """Insert new releases; their ids are added to `ids`."""
        if table is None:
            return 0
        columns = ", ".join(table.column_names)
        rows = self.conn.execute(
            f"INSERT INTO releases (release_id, name_key, {columns}) "
            f"SELECT nextval('release_id_seq'), {NAME_KEY_SQL.format(name='name')}, {columns} "
            f"FROM batch_releases RETURNING name, release_id"
        ).fetchall()
        ids.update(rows)
        return len(rows)

    def _insert_reports(self, table: pa.Table | None, now: dt.datetime) -> int:
        if table is None:
            return 0
        row = self.conn.execute(
            """
            INSERT INTO pre_reports
            SELECT r.release_id, b.feed, b.pre_at, b.seen_at,
                   NOT (b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00'
                        OR b.pre_at > b.seen_at + INTERVAL 1 DAY) AS trusted,
                   CASE
                     WHEN b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00'
                       THEN 'pre time before 1990'
                     WHEN b.pre_at > b.seen_at + INTERVAL 1 DAY
                       THEN 'pre time more than a day after it was seen'
                   END AS flag_reason,
                   b.category, b.size_kb, b.files, b.genre
            FROM (SELECT DISTINCT ON (name, feed, pre_at)
                         * REPLACE (coalesce(seen_at, $now) AS seen_at)
                  FROM batch_reports) b
            JOIN batch_ids r USING (name)
            ON CONFLICT DO NOTHING
            """,
            {"now": now},
        ).fetchone()
        return int(row[0]) if row else 0

    def _insert_nukes(self, table: pa.Table | None, now: dt.datetime) -> int:
        if table is None:
            return 0
        row = self.conn.execute(
            """
            INSERT INTO nuke_events
            SELECT r.release_id, b.kind, b.reason, b.network, b."at", b.feed,
                   coalesce(b.seen_at, $now)
            FROM (SELECT DISTINCT ON (name, kind, "at", feed) * FROM batch_nukes) b
            JOIN batch_ids r USING (name)
            ON CONFLICT DO NOTHING
            """,
            {"now": now},
        ).fetchone()
        return int(row[0]) if row else 0

    def _insert_rejects(self, table: pa.Table | None, now: dt.datetime) -> None:
        if table is None:
            return
        # The same bad line seen again (a re-run) is kept once.
        self.conn.execute(
            """
            INSERT INTO quarantine
            SELECT b.source, b.line, b.reason, b.raw, coalesce(b.seen_at, $now)
            FROM (SELECT DISTINCT ON (source, line, reason, raw) * FROM batch_rejects) b
            WHERE NOT EXISTS (
                SELECT 1 FROM quarantine q
                WHERE q.source = b.source AND q.line IS NOT DISTINCT FROM b.line
                  AND q.reason = b.reason AND q.raw IS NOT DISTINCT FROM b.raw)
            """,
            {"now": now},
        )
