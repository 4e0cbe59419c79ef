"""Idempotent ingest: feed events applied to the store in batches, one transaction per batch.

Every batch's distinct names are parsed up front (no database round trip), then one writer
transaction inserts the releases, reports and nuke events the store lacks (anti-joins: the
store has a single writer, so no unique index is needed) and fills fields a repeated report
brings that the stored one lacked. The same input twice changes nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import operator
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb
import pyarrow as pa

from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport, Reject
from scenescope.store import writes
from scenescope.store.batches import (
    DEFAULT_BATCH_SIZE,
    nuke_table,
    reject_table,
    release_table,
    report_table,
    screen,
    split_batches,
)
from scenescope.store.bulk import BULK_MIN_EVENTS, fewer_gc_passes, one_database_thread

_NAME = operator.attrgetter("name")

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


@dataclasses.dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A batch ready to write: screened events as Arrow tables, every distinct name parsed."""

    events: int
    now: dt.datetime
    names: list[str]  # distinct names of the batch's reports and nuke events
    releases: pa.Table | None
    reports: pa.Table | None
    nukes: pa.Table | None
    rejects: pa.Table | None
    report_count: int
    nuke_count: int
    reject_count: int


class BatchWriter:
    """Writes batches of events through one connection (the store's single writer).

    Preparing a batch (parsing, Arrow conversion) is Python work; writing it is DuckDB work
    that releases the GIL. Batch N is written by a worker thread while batch N+1 is prepared,
    so the parser rarely waits for the database.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        # An own cursor, so a half-read result on the store's shared connection never blocks us.
        self.conn = conn.cursor()
        self.conn.execute("SET TimeZone = 'UTC'")
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        # told after each commit which known releases the batch touched (new ones are new
        # rows): the search index follows the store through it
        self.on_commit: Callable[[list[int]], None] | None = None

    def apply(
        self,
        events: Iterable[FeedEvent],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestSummary], None] | None = None,
    ) -> IngestSummary:
        """Write all events, `batch_size` per transaction; one apply at a time per store."""
        with self._lock, contextlib.ExitStack() as bulk:
            total = IngestSummary()
            in_flight: Future[IngestSummary] | None = None
            try:
                for pres, nukes, rejects in split_batches(events, batch_size):
                    first = in_flight is None
                    if first and len(pres) + len(nukes) + len(rejects) >= BULK_MIN_EVENTS:
                        bulk.enter_context(fewer_gc_passes())
                        bulk.enter_context(one_database_thread(self.conn))
                    prepared = self.prepare(pres, nukes, rejects)
                    if in_flight is not None:
                        done = in_flight.result()
                        total += done
                        if on_batch:
                            on_batch(done)
                    in_flight = self._writer_thread().submit(self.write, prepared)
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
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.conn.close()

    def _writer_thread(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        return self._executor

    def prepare(
        self, pres: list[PreReport], nukes: list[NukeEvent], rejects: list[Reject]
    ) -> PreparedBatch:
        """Screen the events and parse every distinct name (the writer skips known ones)."""
        now = dt.datetime.now(dt.UTC)
        events = len(pres) + len(nukes) + len(rejects)
        pres, nukes, rejects = screen(pres, nukes, rejects, now)
        names = list(dict.fromkeys(map(_NAME, pres)))
        if nukes:
            names = list(dict.fromkeys(names + list(map(_NAME, nukes))))
        return PreparedBatch(
            events=events,
            now=now,
            names=names,
            releases=release_table(names, now) if names else None,
            reports=report_table(pres) if pres else None,
            nukes=nuke_table(nukes) if nukes else None,
            rejects=reject_table(rejects) if rejects else None,
            report_count=len(pres),
            nuke_count=len(nukes),
            reject_count=len(rejects),
        )

    def write(self, batch: PreparedBatch) -> IngestSummary:
        """One transaction: new releases and their tokens, reports, nuke events, rejects."""
        conn = self.conn
        tables = {
            "batch_releases": batch.releases,
            "batch_reports": batch.reports,
            "batch_nukes": batch.nukes,
            "batch_rejects": batch.rejects,
        }
        # The others are registered once their ids are known (in the transaction).
        registered = [name for name, table in tables.items() if table is not None]
        if batch.rejects is not None:
            conn.register("batch_rejects", batch.rejects)
        releases_new = reports_new = nukes_new = 0
        touched: list[int] = []
        try:
            conn.execute("BEGIN TRANSACTION")
            try:
                if batch.releases is not None:
                    known, largest = writes.look_up(conn, batch.names, batch.releases)
                    releases = writes.with_ids(batch.releases, known, largest)
                    reports, nukes = batch.reports, batch.nukes
                    small = None
                    if len(batch.names) <= writes.SMALL_BATCH_MAX:
                        small = writes.resolve_small(releases, reports, nukes)
                    if small is not None:
                        releases, reports, nukes = small
                    for name, table in (
                        ("batch_releases", releases),
                        ("batch_reports", reports),
                        ("batch_nukes", nukes),
                    ):
                        if table is not None:
                            conn.register(name, table)
                    releases_new = len(batch.names) - len(known.ids)
                    touched = list(known.ids.values())
                    if releases_new:
                        writes.insert_releases(
                            conn, releases, releases_new, has_reports=reports is not None
                        )
                    resolved = small is not None
                    if reports is not None:
                        reports_new = writes.insert_reports(
                            conn, batch.now, known, resolved=resolved
                        )
                    if nukes is not None:
                        nukes_new = writes.insert_nukes(conn, batch.now, known, resolved=resolved)
                if batch.rejects is not None:
                    writes.insert_rejects(conn, batch.now)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            for name in registered:
                conn.unregister(name)
        if self.on_commit is not None:
            self.on_commit(touched)
        return IngestSummary(
            events=batch.events,
            releases_new=releases_new,
            reports_new=reports_new,
            nukes_new=nukes_new,
            rejects=batch.reject_count,
            duplicates=batch.report_count - reports_new + batch.nuke_count - nukes_new,
        )
