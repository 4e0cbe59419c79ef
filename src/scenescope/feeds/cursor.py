"""Resumable predb.ovh backfill: the cursor kept in the store's `feed_cursors` table, and
the loop that fetches a page, applies its events, then commits the page number.

An interrupted run restarts at the page after the last committed one; a page whose events
were applied but whose cursor was not yet saved is fetched once more (the store ignores it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Protocol

import duckdb

from scenescope.feeds.events import FeedEvent
from scenescope.feeds.predb_rest import (
    BackfillPage,
    BackfillRange,
    PredbLimits,
    PredbRestClient,
    backfill_pages,
    http_base_url,
)


class EventSink(Protocol):
    """Anything that stores events: the store's `apply`."""

    def apply(self, events: Iterable[FeedEvent]) -> object: ...


class CursorStore(EventSink, Protocol):
    """A store that also keeps cursors: `scenescope.store.Store`."""

    @property
    def connection(self) -> duckdb.DuckDBPyConnection: ...


@dataclass(frozen=True, slots=True)
class BackfillCursor:
    """How far one backfill (source × query × range) has committed."""

    key: str
    source: str
    query: str
    since: dt.datetime | None
    until: dt.datetime | None
    last_page: int = 0
    rows_committed: int = 0
    done: bool = False


def cursor_key(source: str, wanted: BackfillRange) -> str:
    """One cursor per API root, query and date range (page size is not part of it)."""
    since = wanted.since.isoformat() if wanted.since else ""
    until = wanted.until.isoformat() if wanted.until else ""
    return f"{http_base_url(source)}|q={wanted.query}|since={since}|until={until}"


def load_cursor(
    conn: duckdb.DuckDBPyConnection, source: str, wanted: BackfillRange
) -> BackfillCursor:
    """The stored cursor for this backfill, or a fresh one at page 0."""
    key = cursor_key(source, wanted)
    # fetchall, not fetchone: an unfinished result would block the store's next write.
    rows = conn.execute(
        "SELECT last_page, rows_committed, done FROM feed_cursors WHERE cursor_key = ?", [key]
    ).fetchall()
    row = rows[0] if rows else None
    fresh = BackfillCursor(key, http_base_url(source), wanted.query, wanted.since, wanted.until)
    if row is None:
        return fresh
    return replace(fresh, last_page=int(row[0]), rows_committed=int(row[1]), done=bool(row[2]))


def save_cursor(conn: duckdb.DuckDBPyConnection, cursor: BackfillCursor) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO feed_cursors (cursor_key, source, query, since, until, last_page,"
        " rows_committed, done, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            cursor.key,
            cursor.source,
            cursor.query,
            cursor.since,
            cursor.until,
            cursor.last_page,
            cursor.rows_committed,
            cursor.done,
            dt.datetime.now(dt.UTC),
        ],
    )


def list_cursors(conn: duckdb.DuckDBPyConnection) -> list[BackfillCursor]:
    rows = conn.execute(
        "SELECT cursor_key, source, query, since, until, last_page, rows_committed, done"
        " FROM feed_cursors ORDER BY updated_at"
    ).fetchall()
    return [BackfillCursor(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class BackfillResult:
    cursor: BackfillCursor
    pages_fetched: int
    events_applied: int
    resumed_from_page: int


async def run_backfill(
    store: CursorStore,
    source: str,
    wanted: BackfillRange,
    *,
    limits: PredbLimits | None = None,
    restart: bool = False,
    on_page: Callable[[BackfillPage, BackfillCursor], None] | None = None,
) -> BackfillResult:
    """Backfill `wanted` from `source` into `sink`, resuming from the stored cursor.

    A finished cursor is not re-run unless `restart` (then it starts again at page 1).
    """
    conn = store.connection
    cursor = load_cursor(conn, source, wanted)
    if restart:
        cursor = replace(cursor, last_page=0, rows_committed=0, done=False)
    resumed_from = cursor.last_page + 1
    if cursor.done:
        return BackfillResult(cursor, 0, 0, resumed_from)
    client = PredbRestClient(source, limits=limits)
    pages = applied = 0
    try:
        async for page in backfill_pages(client, wanted, start_page=resumed_from):
            store.apply(page.events)
            pages += 1
            applied += len(page.events)
            cursor = replace(
                cursor,
                last_page=page.page,
                rows_committed=cursor.rows_committed + page.rows_fetched,
                done=page.last,
            )
            save_cursor(conn, cursor)
            if on_page is not None:
                on_page(page, cursor)
    finally:
        await client.aclose()
    return BackfillResult(cursor, pages, applied, resumed_from)
