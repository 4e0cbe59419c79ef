"""Read a sightings CSV (`name, tier, site, seen_at`) into the store.

A row that cannot be used — an unknown tier, a time that does not parse, an empty or
oversized name, invalid UTF-8, too many columns — is an `ImportProblem` naming file:line
[field], quarantined with its raw text; every good row imports. Rows are keyed by
(name, tier, site, seen_at), so importing a file twice changes nothing. Extra columns are
ignored. The file is streamed in batches: memory does not grow with its length.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from scenescope.catalog.records import ImportProblem
from scenescope.feeds.files import RowProblem, open_text, parse_time
from scenescope.feeds.predb_ovh_rows import MAX_NAME_CHARS
from scenescope.store import Store

TIERS: tuple[str, ...] = ("p2p", "usenet", "ddl", "streaming", "iptv")
REQUIRED: tuple[str, ...] = ("name", "tier", "seen_at")
BATCH_ROWS = 200_000
MAX_SITE_CHARS = 200
_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("tier", pa.string()),
        ("site", pa.string()),
        ("seen_at", pa.timestamp("us", tz="UTC")),
        ("line", pa.int64()),
    ]
)


class SightingsFormatError(ValueError):
    """The file as a whole cannot be read (missing required column, empty file)."""


@dataclass(slots=True)
class SightingsReport:
    """What one file gave: rows read, rows new to the store, and the problems."""

    file: str
    rows: int = 0
    added: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "kind": "sightings",
            "rows": self.rows,
            "events": self.rows,
            "added": self.added,
            "rejects": self.problem_count,
            "problems": [str(p) for p in self.problems],
        }


def import_sightings(
    store: Store,
    path: Path | str,
    *,
    keep_problems: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> SightingsReport:
    """Import one sightings file; `progress(rows_so_far)` is called after each batch."""
    path = Path(path)
    report = SightingsReport(str(path))
    conn = store.connection
    batch: list[tuple[str, str, str, dt.datetime, int]] = []
    rejects: list[tuple[int, str, str]] = []

    def problem(line: int, column: str | None, message: str, raw: list[str]) -> None:
        report.problem_count += 1
        if len(report.problems) < keep_problems:
            report.problems.append(ImportProblem(str(path), line, column, message))
        rejects.append((line, f"[{column}] {message}" if column else message, _raw(raw)))

    def flush() -> None:
        if batch:
            report.added += _insert(store, path, batch)
            batch.clear()
        if rejects:
            conn.executemany(
                "INSERT INTO quarantine SELECT ?, ?, ?, ?, now() WHERE NOT EXISTS "
                "(SELECT 1 FROM quarantine q WHERE q.source = ? AND q.line = ?)",
                [
                    (f"sightings:{path}", ln, why, raw, f"sightings:{path}", ln)
                    for ln, why, raw in rejects
                ],
            )
            rejects.clear()
        if progress is not None:
            progress(report.rows)

    with open(path, "rb") as raw_file, open_text(raw_file) as text:
        reader = csv.reader(text)
        try:
            header = [h.strip().lstrip("\ufeff").lower() for h in next(reader)]
        except StopIteration:
            raise SightingsFormatError(f"{path}: empty file, expected a sightings header") from None
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SightingsFormatError(
                f"{path}: line 1: missing required column {missing[0]!r} for a sightings file "
                f"(header: {', '.join(header)})"
            )
        at = {c: header.index(c) for c in (*REQUIRED, "site") if c in header}
        width = len(header)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.rows += 1
                problem(reader.line_num, None, f"unreadable CSV: {exc}", [])
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            report.rows += 1
            line = reader.line_num
            if len(row) > width:
                problem(line, None, f"{len(row)} columns, the header has {width}", row)
                continue
            row = row + [""] * (width - len(row))
            try:
                name = _text(row[at["name"]], "name", MAX_NAME_CHARS)
                tier = row[at["tier"]].strip().lower()
                if tier not in TIERS:
                    raise RowProblem(
                        f"column 'tier': unknown tier {tier[:40]!r} (one of {', '.join(TIERS)})"
                    )
                site = _text(row[at["site"]], "site", MAX_SITE_CHARS) if "site" in at else ""
                seen_at = parse_time(row[at["seen_at"]], "seen_at")
            except RowProblem as exc:
                message = str(exc)
                column = message.split("'")[1] if message.startswith("column '") else None
                problem(line, column, message, row)
                continue
            batch.append((name, tier, site, seen_at, line))
            if len(batch) >= BATCH_ROWS:
                flush()
    flush()
    return report


def _text(value: str, column: str, limit: int) -> str:
    text = value.strip()
    if column == "name" and not text:
        raise RowProblem("column 'name' is empty")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise RowProblem(f"column {column!r} is not valid UTF-8") from None
    if len(text) > limit:
        raise RowProblem(f"column {column!r} is {len(text)} characters (limit {limit})")
    return text


def _raw(row: list[str]) -> str:
    text = ",".join(row)[:4096]
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _insert(store: Store, path: Path, rows: list[tuple[str, str, str, dt.datetime, int]]) -> int:
    columns = list(zip(*rows, strict=True))
    table = pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, _SCHEMA, strict=True)], schema=_SCHEMA
    )
    conn = store.connection
    before = conn.execute("SELECT count(*) FROM sightings").fetchall()[0]
    conn.register("_sightings_batch", table)
    try:
        conn.execute(
            """
            INSERT INTO sightings
              (name, tier, site, seen_at, source, line, imported_at)
            SELECT DISTINCT ON (name, tier, site, seen_at) name, tier, site, seen_at, ?, line, now()
            FROM _sightings_batch
            ORDER BY name, tier, site, seen_at, line
            ON CONFLICT DO NOTHING
            """,
            [str(path)],
        )
    finally:
        conn.unregister("_sightings_batch")
    after = conn.execute("SELECT count(*) FROM sightings").fetchall()[0]
    return int(after[0] if after else 0) - int(before[0] if before else 0)
