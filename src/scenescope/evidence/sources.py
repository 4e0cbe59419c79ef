"""Which reader a listing needs (bodyfile, CSV or disk image), decided from its first bytes,
and one call that streams any of them: `open_listing(path, ...) -> Listing`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from scenescope.evidence.bodyfile import read_bodyfile, read_bodyfile_tables
from scenescope.evidence.csvlisting import read_csv_listing, sniff_csv
from scenescope.evidence.image import read_image, tsk_version
from scenescope.evidence.records import (
    Entry,
    ListingError,
    Problems,
    entries_table,
    time_horizon,
)

KINDS = ("bodyfile", "csv", "image")


def detect_kind(path: Path) -> str:
    """bodyfile / csv / image, from the content (extensions lie: .txt, .body, .dd, .001)."""
    if not path.is_file():
        raise ListingError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(65536)
    if b"\x00" in head[:4096] or not head:
        return "image" if head else "bodyfile"
    first = next((line for line in head.split(b"\n") if line.strip()), b"")
    if first.count(b"|") >= 10:
        return "bodyfile"
    if sniff_csv(head):
        return "csv"
    raise ListingError(
        f"{path}: not a TSK bodyfile (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime),"
        " a CSV listing (path,size,mtime,...) or a disk image"
    )


@dataclass
class Listing:
    """One source being read: its kind, the tool that listed it, its entries (a one-shot
    stream) and the problems met so far."""

    path: Path
    kind: str
    tool: str
    entries: Iterator[Entry]
    problems: Problems
    horizon: int  # the latest plausible file time (later ones are reported and cleared)

    def tables(self, rows: int = 100_000) -> Iterator[pa.Table]:
        """The entries as Arrow tables of ENTRY_SCHEMA (a bodyfile is read column-wise;
        the other kinds are batched from `entries`). One-shot, like `entries`."""
        if self.kind == "bodyfile":
            horizon, source = self.horizon, str(self.path)
            with self.path.open("rb") as handle:
                yield from read_bodyfile_tables(handle, source, self.problems, horizon)
            return
        batch: list[Entry] = []
        for entry in self.entries:
            batch.append(entry)
            if len(batch) >= rows:
                yield entries_table(batch)
                batch = []
        if batch:
            yield entries_table(batch)


def open_listing(
    path: Path,
    *,
    kind: str | None = None,
    seized_at: dt.datetime | None = None,
    timezone: str | None = None,
) -> Listing:
    kind = kind or detect_kind(path)
    if kind not in KINDS:
        raise ListingError(f"unknown listing kind {kind!r} (one of {', '.join(KINDS)})")
    problems = Problems()
    horizon = time_horizon(seized_at)
    source = str(path)
    if kind == "image":
        return Listing(
            path,
            kind,
            tsk_version(),
            read_image(path, source, problems, horizon, timezone),
            problems,
            horizon,
        )
    return Listing(
        path,
        kind,
        f"{kind} listing",
        _lines_of(path, kind, source, problems, horizon, timezone),
        problems,
        horizon,
    )


def _lines_of(
    path: Path, kind: str, source: str, problems: Problems, horizon: int, timezone: str | None
) -> Iterator[Entry]:
    with path.open("rb") as handle:
        if kind == "bodyfile":
            yield from read_bodyfile(handle, source, problems, horizon)
        else:
            yield from read_csv_listing(handle, source, problems, horizon, timezone)
