"""Process settings for the length of a bulk import: fewer garbage-collector passes, one DuckDB
thread. Both are restored afterwards; small (live) applies never change them.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

import duckdb

# A batch at least this big (a file import, a backfill page run) switches to bulk settings.
BULK_MIN_EVENTS = 10_000
# Generation-0 threshold while bulk importing (CPython's default is 700).
_BULK_GC_THRESHOLD = 100_000

_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Raise the young-generation GC threshold while a bulk import runs.

    A batch in flight is hundreds of thousands of tracked (acyclic) objects — events, parsed
    names — and every collection that reaches the older generations walks all of them: with
    the default threshold that was a third of the importer's time.
    """
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(_BULK_GC_THRESHOLD, *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


@contextlib.contextmanager
def one_database_thread(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run DuckDB on one thread: the Python parser is the bottleneck of an import, and extra
    database threads would only take cores from it (the write of batch N overlaps the parse
    of batch N+1 anyway)."""
    row = conn.execute("SELECT current_setting('threads')").fetchall()
    threads = int(row[0][0])
    if threads <= 1:
        yield
        return
    conn.execute("SET threads = 1")
    try:
        yield
    finally:
        conn.execute(f"SET threads = {threads}")
