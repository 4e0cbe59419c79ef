"""The records every listing reader yields: one `Entry` per file or directory, and the
`Problem`s met on the way (file:line, what was wrong, whether the line was kept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

# Times before this are not file times (FAT starts in 1980; 0 is TSK's "unknown").
EARLIEST_TS = 315532800  # 1980-01-01T00:00:00Z
# A time further than this past the seizure (or the import) is a broken clock or field.
FUTURE_SLACK_S = 366 * 86400


class Entry(NamedTuple):
    """One listed file or directory. Times are unix seconds (UTC), None when unknown."""

    path: str  # "/"-separated, leading "/"
    size_bytes: int
    mtime: int | None
    atime: int | None
    ctime: int | None
    crtime: int | None
    is_dir: bool
    deleted: bool
    inode: str | None
    mode: str | None
    md5: str | None
    line: int


# An Entry as Arrow columns (times unix seconds): what the readers hand to the store.
ENTRY_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("size_bytes", pa.int64()),
        ("mtime", pa.int64()),
        ("atime", pa.int64()),
        ("ctime", pa.int64()),
        ("crtime", pa.int64()),
        ("is_dir", pa.bool_()),
        ("deleted", pa.bool_()),
        ("inode", pa.string()),
        ("mode", pa.string()),
        ("md5", pa.string()),
        ("line", pa.int64()),
    ]
)
_ROW = pa.struct(list(ENTRY_SCHEMA))


def entries_table(entries: list[Entry]) -> pa.Table:
    """Entries as one table of ENTRY_SCHEMA (converting plain tuples into one struct array
    is ~10x faster than a column per field, and far faster than named tuples)."""
    rows = pa.array(list(map(tuple, entries)), type=_ROW)
    return pa.Table.from_struct_array(rows)


@dataclass(frozen=True, slots=True)
class Problem:
    """A line that could not be read as listed. `kept` is True when the entry was kept with
    the broken part repaired or dropped (a `|` in a name rejoined, a bad time cleared)."""

    source: str
    line: int
    reason: str
    kept: bool
    raw: str = ""

    def where(self) -> str:
        return f"{self.source}:{self.line}"

    def to_dict(self) -> dict[str, object]:
        return {
            "where": self.where(),
            "reason": self.reason,
            "kept": self.kept,
            "raw": self.raw[:300],
        }


class ListingError(ValueError):
    """A listing that cannot be read at all (missing file, unknown format, TSK failed)."""


@dataclass(slots=True)
class Problems:
    """Collects problems while a listing streams: counts all of them, keeps the first
    `keep` for the report (a broken listing of millions of lines stays bounded)."""

    keep: int = 1000
    items: list[Problem] = field(default_factory=list)
    skipped: int = 0
    repaired: int = 0

    def add(self, problem: Problem) -> None:
        if problem.kept:
            self.repaired += 1
        else:
            self.skipped += 1
        if len(self.items) < self.keep:
            self.items.append(problem)

    @property
    def count(self) -> int:
        return self.skipped + self.repaired


def time_horizon(seized_at: dt.datetime | None) -> int:
    """The latest plausible file time: the seizure (or now) plus a year of clock drift."""
    anchor = seized_at or dt.datetime.now(dt.UTC)
    return int(anchor.timestamp()) + FUTURE_SLACK_S
