"""Writing seized media into the store: `add_media(store, case, sources, ...)` streams each
listing in Arrow batches (bounded memory), keeps provenance, and replaces a medium that is
added again under the same case and label (idempotent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from scenescope.evidence.records import ListingError, Problem
from scenescope.evidence.sources import open_listing
from scenescope.store import Store, StoreError


@dataclass(frozen=True, slots=True)
class AddedMedium:
    """What one `evidence add` of one source did."""

    case_id: str
    label: str
    source: str
    kind: str
    tool: str
    entries: int
    skipped_lines: int
    repaired_lines: int
    replaced: bool
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "label": self.label,
            "source": self.source,
            "kind": self.kind,
            "tool": self.tool,
            "entries": self.entries,
            "skipped_lines": self.skipped_lines,
            "repaired_lines": self.repaired_lines,
            "replaced": self.replaced,
            "problems": [p.to_dict() for p in self.problems[:20]],
        }


def default_label(path: Path) -> str:
    """A medium's label when none is given: the file name without its listing extensions."""
    name = path.name
    for suffix in (".gz", ".body", ".bodyfile", ".txt", ".csv", ".dd", ".img", ".raw", ".001"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def add_media(
    store: Store,
    case_id: str,
    sources: Sequence[Path],
    *,
    label: str | None = None,
    seized_at: dt.datetime | None = None,
    timezone: str | None = None,
    source_hash: str | None = None,
    kind: str | None = None,
) -> list[AddedMedium]:
    """Add each source as one medium of the case (created if new)."""
    if store.read_only:
        raise StoreError(f"the store {store.path} was opened read-only")
    if label is not None and len(sources) > 1:
        raise ListingError("--label names one medium: give one source with it")
    if timezone is not None:
        _check_zone(timezone)
    conn = store.connection
    now = dt.datetime.now(dt.UTC)
    conn.execute("INSERT INTO evidence_cases VALUES (?, ?) ON CONFLICT DO NOTHING", [case_id, now])
    conn.execute(
        "DELETE FROM evidence_entries WHERE medium_id NOT IN (SELECT medium_id FROM evidence_media)"
    )
    added = []
    for path in sources:
        path = Path(path)
        listing = open_listing(path, kind=kind, seized_at=seized_at, timezone=timezone)
        medium_label = label or default_label(path)
        medium_id = int(conn.execute("SELECT nextval('evidence_medium_id_seq')").fetchall()[0][0])
        # Entries go in under a new id that no medium row names yet, a transaction per
        # million or so (one that large writes whole row groups straight to the data file,
        # not through the WAL; committing each keeps memory bounded); the medium row then
        # replaces the old one in one transaction. A crash leaves only unnamed entries, which
        # the next add sweeps away.
        try:
            with bounded_memory(conn):
                count = _write_entries(conn, medium_id, listing.tables())
        except BaseException:
            conn.execute("DELETE FROM evidence_entries WHERE medium_id = ?", [medium_id])
            raise
        conn.execute("BEGIN TRANSACTION")
        try:
            old_rows = conn.execute(
                "SELECT medium_id FROM evidence_media WHERE case_id = ? AND label = ?",
                [case_id, medium_label],
            ).fetchall()
            old = old_rows[0] if old_rows else None
            if old:
                for table in ("evidence_entries", "evidence_problems", "evidence_media"):
                    conn.execute(f"DELETE FROM {table} WHERE medium_id = ?", [old[0]])
            problems = listing.problems
            conn.execute(
                "INSERT INTO evidence_media VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    medium_id,
                    case_id,
                    medium_label,
                    str(path.resolve()),
                    listing.kind,
                    listing.tool,
                    source_hash,
                    path.stat().st_size,
                    seized_at,
                    timezone,
                    count,
                    problems.skipped,
                    problems.repaired,
                    now,
                ],
            )
            if problems.items:
                conn.executemany(
                    "INSERT INTO evidence_problems VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        [medium_id, p.source, p.line, p.reason, p.kept, p.raw[:1000]]
                        for p in problems.items
                    ],
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        added.append(
            AddedMedium(
                case_id,
                medium_label,
                str(path),
                listing.kind,
                listing.tool,
                count,
                problems.skipped,
                problems.repaired,
                bool(old),
                tuple(problems.items),
            )
        )
    return added


def _check_zone(timezone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ListingError(
            f"--timezone {timezone!r} is not an IANA zone (e.g. Europe/Paris, UTC)"
        ) from None


COMMIT_ROWS = 1_000_000  # entries per transaction while a listing is added


def _write_entries(conn: Any, medium_id: int, tables: Iterable[pa.Table]) -> int:
    """Insert the listing's tables, committing every COMMIT_ROWS entries or so."""
    count = pending = 0
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in tables:
            if not len(table):
                continue
            table = table.add_column(0, "medium_id", pa.repeat(medium_id, len(table)))
            conn.register("_evidence_batch", table)
            try:
                conn.execute(
                    "INSERT INTO evidence_entries SELECT medium_id, path, size_bytes,"
                    " to_timestamp(mtime), to_timestamp(atime), to_timestamp(ctime),"
                    " to_timestamp(crtime), is_dir, deleted, inode, mode, md5, line"
                    " FROM _evidence_batch"
                )
            finally:
                conn.unregister("_evidence_batch")
            count += len(table)
            pending += len(table)
            if pending >= COMMIT_ROWS:
                conn.execute("COMMIT")
                conn.execute("BEGIN TRANSACTION")
                pending = 0
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return count


def list_media(store: Store, case_id: str) -> list[dict[str, Any]]:
    """The media of a case with their provenance, in label order."""
    cursor = store.connection.execute(
        "SELECT label, source_kind, tool, source_path, source_hash, seized_at, timezone, entries,"
        " skipped_lines, repaired_lines, added_at FROM evidence_media WHERE case_id = ?"
        " ORDER BY label",
        [case_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# What the evidence steps may hold in memory: DuckDB spills the rest to its temp folder, so a
# listing of any size stays within this (plus the Python process itself).
MEMORY_LIMIT = "512MB"


@contextmanager
def bounded_memory(conn: Any, limit: str = MEMORY_LIMIT) -> Iterator[None]:
    """Run a block with DuckDB's memory capped (and insertion order not kept, which lets big
    inserts and sorts stream); the connection's own settings come back afterwards."""
    saved = conn.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    conn.execute(f"SET memory_limit = '{limit}'")
    conn.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        conn.execute(f"SET memory_limit = '{saved[0]}'")
        conn.execute(f"SET preserve_insertion_order = {str(saved[1]).lower()}")
