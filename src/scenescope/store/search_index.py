"""The search index beside the store: words, group, category and nuked, newest pre first,
answered from an inverted index instead of a scan of the store.

DuckDB answers `store.queries.search` by reading the pre time of every release that matches,
to put the newest first: a common word costs ~0.3 s at 10 million releases, so the workbench
could not hold a couple of hundred searches a second. This index (tantivy, in the directory
`<store file>.search`) keeps one document per release: its name tokens (the split
`release_tokens` uses), group key, category and status as terms, its pre time as a fast field,
and what a hit shows as stored fields, so a search reads only its page. The SQL stays the
reference: both answer alike (tests hold them equal), and a store without a current index is
searched with the SQL.

**Current.** The index records how far it has read `releases`, `pre_reports` and `nuke_events`
(their DuckDB rowids: the store only appends to them) and the store's migration level in
`scenescope.json`; `catch_up` re-reads the releases whose rows came after, so writes by any
process (ingest, a bulk fill) are picked up. A repeated report that only fills a missing
category is an UPDATE without a new row: the process that writes it with the index attached
(`Store.attach_search_index`) hands every batch's release ids to `update` after the commit.
A store rebuilt by a migration, or one whose tables shrank, is indexed again from scratch.

**Newest first without reading every match.** The index counts its releases per pre week. A
search for common terms looks first in the latest weeks that should hold the page (from how
many documents have each term), then in eight times as many, up to a quarter of the index,
then everywhere, and stops at the first window that holds a page: every release outside it is
older, so the page is the one the whole store gives. Ties on the pre time go to the higher
release id, as in SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import tantivy

from scenescope.store import search_query
from scenescope.store.queries import SearchHit, search_words
from scenescope.store.search_answers import Answers, Written
from scenescope.store.search_marks import (
    CHANGED_SQL,
    DOCUMENT_COLUMNS,
    DOCUMENTS_SQL,
    Marks,
    document_schema,
)
from scenescope.store.search_query import EPOCH, NO_PRE, WEEK_US

INDEX_FORMAT = 2
FOLLOW_SECONDS = 0.5  # a write is searchable within about this long
log = logging.getLogger(__name__)
CHUNK = 250_000  # releases read from the store and indexed per step


class SearchIndexError(RuntimeError):
    """The index directory cannot be opened or written (another process holds its writer)."""


def index_path(store_path: Path) -> Path:
    """Where the search index of the store file `store_path` lives."""
    return store_path.with_name(store_path.name + ".search")


def remove_index(store_path: Path) -> None:
    """Delete the search index of the store file `store_path` (the store is untouched)."""
    import shutil

    shutil.rmtree(index_path(Path(store_path)), ignore_errors=True)


def _micros(moment: dt.datetime) -> int:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class SearchIndex:
    """One store's search index. `open`, then `catch_up` before trusting `search`."""

    def __init__(self, path: Path, index: tantivy.Index, marks: Marks | None) -> None:
        self.path = path
        self._index = index
        self._schema = index.schema
        self.marks = marks
        self._lock = threading.Lock()  # one writer at a time (catch_up, update)
        self._writer: Any = None
        self._searcher = index.searcher()
        self._weeks = self._week_counts()  # pre week -> documents: where to look first
        self._weeks_newest = sorted(self._weeks.items(), reverse=True)  # as of the last commit
        self.generation = 0  # bumped on every commit: answers are cached per generation
        # `ready`: current and kept current by this process's writes (search may use it);
        # `following`: writes catch the index up themselves (set by `build`)
        self.ready = False
        self.following = False
        self.last_written = 0  # documents written by the last build
        self._pending: list[int] = []
        self._noted = False  # a write was noted since the last catch-up
        self._pending_lock = threading.Lock()
        self._follow_conn: duckdb.DuckDBPyConnection | None = None
        self._follower: threading.Thread | None = None
        self._wake = threading.Event()
        self._answers = Answers()  # pages kept until a write could change them
        self._written: list[Written] | None = []  # since the last commit (None: everything)
        self._stop = threading.Event()

    @classmethod
    def open(cls, store_path: Path) -> SearchIndex:
        """The index of the store at `store_path`, created empty if there is none."""
        path = index_path(Path(store_path))
        meta = path / "scenescope.json"
        marks = None
        try:
            if meta.exists():
                saved = json.loads(meta.read_text())
                if saved.get("format") == INDEX_FORMAT:
                    marks = Marks(**saved["marks"])
            if marks is None:  # new, or written by another format: start again
                for stale in path.glob("*") if path.exists() else ():
                    if stale.is_file():
                        stale.unlink()
                path.mkdir(parents=True, exist_ok=True)
                index = tantivy.Index(document_schema(), path=str(path))
            else:
                index = tantivy.Index.open(str(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SearchIndexError(f"the search index {path} cannot be opened: {exc}") from exc
        return cls(path, index, marks)

    # --- keeping it current -------------------------------------------------------------

    def catch_up(
        self,
        conn: duckdb.DuckDBPyConnection,
        *,
        extra: Sequence[int] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Index every release written since the index last read the store, and the releases
        `extra` (a write that only updated them); returns how many documents were written.
        `progress(done, total)` is called after each chunk."""
        cursor = conn.cursor()
        try:
            with self._lock:
                return self._catch_up(cursor, extra, progress)
        finally:
            cursor.close()

    def _catch_up(
        self,
        cursor: duckdb.DuckDBPyConnection,
        extra: Sequence[int],
        progress: Callable[[int, int], None] | None,
    ) -> int:
        older = self.marks
        now = (
            Marks.of(cursor) if older is None or not self.following else Marks.since(cursor, older)
        )
        if older is not None and now == older and not extra:
            return 0
        try:
            fresh = older is None or not now.follows(older)
            if fresh:
                self._written = None
                self._writer_().delete_all_documents()
                self._weeks = {}
                ids = cursor.sql(
                    "SELECT release_id FROM releases WHERE rowid < ? ORDER BY release_id",
                    params=[now.releases],
                ).to_arrow_table()
            else:
                assert older is not None
                cursor.register(
                    "index_extra", pa.table({"release_id": pa.array(extra, pa.int64())})
                )
                try:
                    ids = cursor.sql(CHANGED_SQL, params=older.until(now)).to_arrow_table()
                finally:
                    cursor.unregister("index_extra")
            column = ids.column("release_id")
            total = len(column)
            for start in range(0, total, CHUNK):
                self._write(cursor, column.slice(start, CHUNK), replace=not fresh)
                if progress is not None:
                    progress(min(total, start + CHUNK), total)
            self._commit(now)
        except BaseException:
            self._written = None  # what was kept may not hold: drop every page next time
            if self._writer is not None:
                self._writer.rollback()
            raise
        return total

    def follow(self, release_ids: Sequence[int]) -> None:
        """After a write by this process: note what it changed. Once `build` has finished,
        a thread indexes what was noted at most every FOLLOW_SECONDS (a live feed commits
        several small batches a second; one catch-up each would cost more than the writes)."""
        with self._pending_lock:
            self._pending.extend(release_ids)
            self._noted = True
            if not self.following:
                return  # the build picks them up
            if self._follower is None:
                self._follower = threading.Thread(
                    target=self._follow, name="scenescope search index", daemon=True
                )
                self._follower.start()
        self._wake.set()

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except Exception as exc:  # searches go back to the SQL; say why
                self.ready = False
                log.warning("the search index %s stopped following the store: %s", self.path, exc)
                return
            self._stop.wait(FOLLOW_SECONDS)

    def flush(self) -> None:
        """Index now what this process's writes changed and the follower has not yet."""
        if self._follow_conn is None:
            return
        with self._lock:
            with self._pending_lock:
                extra, self._pending = self._pending, []
                noted, self._noted = self._noted, False
            if noted:
                self._catch_up(self._follow_conn, extra, None)

    def build(
        self,
        conn: duckdb.DuckDBPyConnection,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Catch up with the store while it may be written (writes `follow`ed meanwhile are
        noted), then follow the writer and become `ready` to search. `conn` is the calling
        thread's: the index keeps a cursor of it for following."""
        written = self.catch_up(conn, progress=progress)
        cursor = conn.cursor()
        with self._lock:
            with self._pending_lock:
                extra, self._pending = self._pending, []
                self._noted = False
                self.following = True
                self._follow_conn = cursor
            written += self._catch_up(cursor, extra, None)
            self.ready = True
            self.last_written = written
        if self._noted:
            self._wake.set()
        return written

    def _writer_(self) -> Any:
        if self._writer is None:
            try:
                self._writer = self._index.writer(heap_size=64_000_000, num_threads=1)
            except ValueError as exc:
                raise SearchIndexError(
                    f"the search index {self.path} is being written by another process: {exc}"
                ) from exc
        return self._writer

    def _write(self, cursor: duckdb.DuckDBPyConnection, ids: pa.Array, *, replace: bool) -> int:
        """Write the documents of releases `ids` (sorted), replacing old ones if `replace`."""
        if not len(ids):
            return 0
        writer = self._writer_()
        cursor.register("index_ids", pa.table({"release_id": ids}))
        try:
            bounds = {"low": ids[0].as_py(), "high": ids[len(ids) - 1].as_py()}
            if bounds["low"] > bounds["high"]:
                bounds = {"low": bounds["high"], "high": bounds["low"]}
            rows = cursor.sql(DOCUMENTS_SQL, params=bounds).to_arrow_table()
        finally:
            cursor.unregister("index_ids")
        weeks = self._weeks
        written = 0
        for row in zip(*(rows.column(f).to_pylist() for f in DOCUMENT_COLUMNS), strict=True):
            fields = {f: v for f, v in zip(DOCUMENT_COLUMNS, row, strict=True) if v is not None}
            rid, pre_us = fields.pop("release_id"), fields.pop("pre_us", None)
            if replace:
                writer.delete_documents_by_term("release_id", rid)
            fields["release_id"] = rid
            fields["pre_at"] = NO_PRE if pre_us is None else pre_us
            fields["tokens"] = fields["tokens"].split(" ") if fields.get("tokens") else []
            if "category" in fields:
                fields["category_key"] = fields["category"].lower()
            if pre_us is not None:
                week = pre_us // WEEK_US
                weeks[week] = weeks.get(week, 0) + 1
            writer.add_document(tantivy.Document(**fields))
            if self._written is not None:
                self._written.append(Written.of(fields))
            written += 1
        return written

    def _commit(self, marks: Marks | None) -> None:
        self._writer_().commit()
        self._index.reload()
        searcher = self._index.searcher()
        written, self._written = self._written, []

        def swap() -> None:
            self._searcher = searcher

        self._weeks_newest = sorted(self._weeks.items(), reverse=True)
        self._answers.invalidate(written, swap)
        self.marks = marks
        if marks is not None:
            meta = self.path / "scenescope.json"
            partial = meta.with_suffix(".json.partial")
            partial.write_text(json.dumps({"format": INDEX_FORMAT, "marks": asdict(marks)}))
            os.replace(partial, meta)
        self.generation += 1

    @property
    def documents(self) -> int:
        """Releases in the index."""
        return int(self._searcher.num_docs)

    def is_current(self, conn: duckdb.DuckDBPyConnection) -> bool:
        """Whether every row in the store has been read (cheap: three max(rowid) lookups)."""
        return self.marks is not None and Marks.of(conn) == self.marks

    # --- searching ----------------------------------------------------------------------

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
        """What `store.queries.search` answers, from the index (see the module doc). A
        page is kept until a write could change it (a busy board, many analysts asking for
        the newest of the same words: `search_answers`)."""
        epoch, searcher = self._answers.read(lambda: self._searcher)
        terms = [("tokens", w) for w in dict.fromkeys(search_words(words))]
        if group:
            terms.append(("group_key", group.lower()))
        if category:
            terms.append(("category_key", category.lower()))
        if nuked:
            terms.append(("status", "nuked"))
        low = _micros(since) if since else None
        high = _micros(until) - 1 if until else None
        if limit <= 0:
            return []
        # what a written document must have to be selected: the terms, a pre time in range
        selects = NO_PRE if low is None and high is None else NO_PRE + 1 if low is None else low
        key = (tuple(terms), selects, high, limit)
        kept = self._answers.get(key)
        if kept is not None:
            return kept
        weeks = self._weeks_newest
        hits = search_query.page(searcher, self._schema, terms, low, high, limit, weeks)
        self._answers.put(key, epoch, hits)
        return hits

    def _week_counts(self) -> dict[int, int]:
        dated = search_query.pre_range(self._schema, NO_PRE + 1, None)
        counts = self._searcher.aggregate(
            dated,
            {"weeks": {"histogram": {"field": "pre_at", "interval": WEEK_US, "min_doc_count": 1}}},
        )
        return {
            int(bucket["key"]) // WEEK_US: int(bucket["doc_count"])
            for bucket in counts["weeks"]["buckets"]
        }

    def close(self) -> None:
        """Index what is still noted, stop following, let the writer go."""
        self._stop.set()
        self._wake.set()
        if self._follower is not None:
            self._follower.join(timeout=60)
        try:
            if self.ready:
                self.flush()
        finally:
            with self._lock:
                if self._follow_conn is not None:
                    self._follow_conn.close()
                    self._follow_conn = None
                if self._writer is not None:
                    self._writer.rollback()  # nothing uncommitted is kept: catch_up redoes it
                    self._writer = None
