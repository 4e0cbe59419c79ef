"""The files feed: pres CSV, nukes CSV, predb.ovh JSON responses and websocket-frame logs.

`FileFeed(path)` detects the kind from the content (gzip by magic bytes), streams the file and
yields feed events; a row that does not parse becomes a Reject naming file, line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from scenescope.feeds.events import NUKE_KINDS, FeedEvent, NukeEvent, PreReport, Reject
from scenescope.feeds.predb_ovh_rows import (
    MAX_NAME_CHARS,
    RowError,
    frame_events,
    release_events_or_reject,
    response_rows,
)

FILE_KINDS: tuple[str, ...] = ("pres", "nukes", "predb-json", "predb-ws")
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "pres": ("name", "pre_at"),
    "nukes": ("name", "kind", "at"),
}
PREDB_FEED = "predb.ovh"
_PRES_OPTIONAL = ("category", "size_kb", "files")
_GZIP_MAGIC = b"\x1f\x8b"
_NUKE_KINDS = frozenset(NUKE_KINDS)
_SNIFF_BYTES = 64 * 1024

# 100 kB names are rejected as rows, not fatal to the csv module.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


MAX_FEED_CHARS = 200  # a feed column longer than this is not a feed name


class FeedFormatError(ValueError):
    """The file as a whole cannot be read (unknown kind, missing required column)."""


class RowProblem(ValueError):
    """One row cannot be used; the message names the column."""


def parse_time(text: str, column: str) -> dt.datetime:
    """ISO-8601 (naive means UTC) or unix seconds, as a timezone-aware UTC datetime."""
    value = text.strip()
    if not value:
        raise RowProblem(f"column {column!r} is empty")
    try:
        if value[0].isdigit() and value.replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        raise RowProblem(f"column {column!r}: not a time: {value[:40]!r}") from None
    if parsed.tzinfo is dt.UTC:  # `...Z`: already what we want
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _check_text(value: str, column: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RowProblem(f"column {column!r} is not valid UTF-8") from None
    return value


def _name(value: str | None) -> str:
    name = _check_text((value or "").strip(), "name")
    if not name:
        raise RowProblem("column 'name' is empty")
    if len(name) > MAX_NAME_CHARS:
        raise RowProblem(f"column 'name' is {len(name)} characters (limit {MAX_NAME_CHARS})")
    return name


def _optional(value: str | None, column: str) -> str | None:
    if value is None:
        return None
    value = _check_text(value.strip(), column)
    return value or None


def _number(value: str | None, column: str, convert: Callable[[str], Any]) -> Any:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return convert(text)
    except ValueError:
        raise RowProblem(f"column {column!r}: not a number: {text[:40]!r}") from None


def _raw_line(row: list[str]) -> str:
    # Undecodable input bytes were kept as surrogate escapes: show them as \xNN in quarantine.
    text = ",".join(row)[:4096]
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class FileFeed:
    """One input file as a stream of feed events; `bytes_read` / `bytes_total` for progress."""

    def __init__(self, path: Path | str, *, kind: str | None = None, feed: str | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise FeedFormatError(f"{self.path}: no such file")
        if kind is not None and kind not in FILE_KINDS:
            raise FeedFormatError(f"unknown kind {kind!r}; use one of {', '.join(FILE_KINDS)}")
        self.kind = kind or detect_kind(self.path)
        # A pres file may say which feed reported each row (a `feed` column); --feed overrides.
        self.feed_forced = feed is not None
        self.feed = feed or (
            PREDB_FEED
            if self.kind.startswith("predb")
            else f"file:{self.path.name.removesuffix('.gz')}"
        )
        self.bytes_total = os.path.getsize(self.path)
        self._raw: IO[bytes] | None = None

    @property
    def bytes_read(self) -> int:
        raw = self._raw
        if raw is None or raw.closed:
            return 0
        return raw.tell()

    def __iter__(self) -> Iterator[FeedEvent]:
        readers = {
            "pres": self._pres,
            "nukes": self._nukes,
            "predb-json": self._predb_json,
            "predb-ws": self._predb_ws,
        }
        with open(self.path, "rb") as raw:
            self._raw = raw
            with open_text(raw) as text:
                try:
                    yield from readers[self.kind](text)
                except (EOFError, OSError) as exc:
                    # A truncated gzip ends the file; the rows read so far still count.
                    yield Reject(str(self.path), f"file is truncated or corrupt: {exc}")

    def _csv_rows(self, text: IO[str]) -> Iterator[tuple[int, bool, list[str]]]:
        """(line, usable, row) per data row, after (1, True, columns) for the header.

        A usable row is padded to the header's width; a row too wide or unreadable is not.
        Column names are the header's, stripped and lowercased.
        """
        kind = self.kind
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise FeedFormatError(f"{self.path}: empty file, expected a {kind} header") from None
        columns = [c.strip().lstrip("\ufeff").lower() for c in header]
        missing = [c for c in REQUIRED_COLUMNS[kind] if c not in columns]
        if missing:
            raise FeedFormatError(
                f"{self.path}: line 1: missing required column {missing[0]!r} for a {kind} file "
                f"(header: {', '.join(columns)})"
            )
        yield 1, True, columns
        width = len(columns)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, False, [f"<unreadable CSV: {exc}>"]
                continue
            if len(row) == width:
                yield reader.line_num, True, row
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) > width:
                yield reader.line_num, False, row
                continue
            # trailing optional columns left out
            yield reader.line_num, True, row + [""] * (width - len(row))

    def _reject(self, line: int, reason: str, row: list[str]) -> Reject:
        return Reject(source=str(self.path), reason=reason, raw=_raw_line(row), line=line)

    def _pres(self, text: IO[str]) -> Iterator[FeedEvent]:
        # The hot loop of a big import: columns by position, checks inline (a dict per row and
        # a helper call per field cost as much as the rest of the row).
        feed = self.feed
        rows = self._csv_rows(text)
        columns = next(rows)[2]
        at_name, at_pre = columns.index("name"), columns.index("pre_at")
        optional = [columns.index(c) if c in columns else -1 for c in _PRES_OPTIONAL]
        at_category, at_size, at_files = optional
        at_feed = columns.index("feed") if "feed" in columns and not self.feed_forced else -1
        for line, usable, row in rows:
            if not usable:
                yield self._reject(line, _width_reason(row, "pres"), row)
                continue
            try:
                name = row[at_name].strip()
                if not name or len(name) > MAX_NAME_CHARS or not name.isascii():
                    name = _name(name)
                category = row[at_category].strip() if at_category >= 0 else ""
                if not category.isascii():
                    category = _check_text(category, "category")
                size_text = row[at_size].strip() if at_size >= 0 else ""
                files_text = row[at_files].strip() if at_files >= 0 else ""
                row_feed = row[at_feed].strip() if at_feed >= 0 else ""
                if row_feed and (len(row_feed) > MAX_FEED_CHARS or not row_feed.isprintable()):
                    raise RowProblem(f"column 'feed' is not a feed name: {row_feed[:40]!r}")
                yield PreReport(
                    name,
                    parse_time(row[at_pre], "pre_at"),
                    row_feed or feed,
                    category or None,
                    _number(size_text, "size_kb", float) if size_text else None,
                    _number(files_text, "files", int) if files_text else None,
                )
            except RowProblem as exc:
                yield self._reject(line, str(exc), row)

    def _nukes(self, text: IO[str]) -> Iterator[FeedEvent]:
        feed = self.feed
        rows = self._csv_rows(text)
        columns = next(rows)[2]
        for line, usable, row in rows:
            if not usable:
                yield self._reject(line, _width_reason(row, "nukes"), row)
                continue
            fields = dict(zip(columns, row, strict=True))
            try:
                kind = fields["kind"].strip().lower()
                if kind not in _NUKE_KINDS:
                    raise RowProblem(
                        f"column 'kind': {kind[:40]!r} is not one of {', '.join(NUKE_KINDS)}"
                    )
                yield NukeEvent(
                    name=_name(fields["name"]),
                    kind=kind,
                    at=parse_time(fields["at"], "at"),
                    feed=feed,
                    reason=_optional(fields.get("reason"), "reason"),
                    network=_optional(fields.get("network"), "network"),
                )
            except RowProblem as exc:
                yield self._reject(line, str(exc), row)

    def _predb_json(self, text: IO[str]) -> Iterator[FeedEvent]:
        content = text.read()
        try:
            documents: list[tuple[int | None, Any]] = [(None, json.loads(content))]
        except ValueError:
            # Several responses, one per line (JSON Lines).
            documents = []
            for number, text_line in enumerate(content.splitlines(), start=1):
                if text_line.strip():
                    try:
                        documents.append((number, json.loads(text_line)))
                    except ValueError as exc:
                        yield Reject(
                            str(self.path), f"malformed JSON: {exc}", text_line[:4096], number
                        )
        for line_number, document in documents:
            try:
                rows = response_rows(document)
            except RowError as exc:
                yield Reject(str(self.path), str(exc), json.dumps(document)[:4096], line_number)
                continue
            for row in rows:
                yield from release_events_or_reject(
                    row, feed=self.feed, source=str(self.path), line=line_number
                )

    def _predb_ws(self, text: IO[str]) -> Iterator[FeedEvent]:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            if not line.isascii():
                try:
                    line.encode("utf-8")
                except UnicodeEncodeError:
                    raw = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    yield Reject(str(self.path), "frame is not valid UTF-8", raw[:4096], number)
                    continue
            seen_at = _logged_seen_at(line)
            yield from frame_events(
                line, feed=self.feed, seen_at=seen_at, source=str(self.path), line=number
            )


def _width_reason(row: list[str], kind: str) -> str:
    if len(row) == 1 and row[0].startswith("<unreadable CSV"):
        return row[0].strip("<>")
    return f"{len(row)} fields, more than the {kind} header has"


def _logged_seen_at(line: str) -> dt.datetime | None:
    # A frame log may record when each frame arrived as `seen_at` (ISO-8601 or unix seconds).
    if '"seen_at"' not in line:
        return None
    try:
        value = json.loads(line).get("seen_at")
        return parse_time(str(value), "seen_at") if value is not None else None
    except (ValueError, AttributeError):
        return None


def open_text(raw: IO[bytes]) -> io.TextIOWrapper:
    magic = raw.read(2)
    raw.seek(0)
    binary = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if magic == _GZIP_MAGIC else raw
    # Undecodable bytes survive as surrogate escapes so the row can be rejected, not the file.
    return io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline="")


def detect_kind(path: Path) -> str:
    """pres / nukes / sightings (CSV header), predb-ws (JSON lines with `action`) or predb-json."""
    with open(path, "rb") as raw, open_text(raw) as text:
        try:
            head = text.read(_SNIFF_BYTES)
        except (OSError, EOFError) as exc:
            raise FeedFormatError(f"{path}: cannot read: {exc}") from None
    stripped = head.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise FeedFormatError(f"{path}: empty file")
    if stripped[0] in "{[":
        first_line = stripped.splitlines()[0]
        try:
            first = json.loads(first_line)
        except ValueError:
            return "predb-json"
        return "predb-ws" if isinstance(first, dict) and "action" in first else "predb-json"
    header = next(csv.reader([stripped.splitlines()[0]]))
    columns = {c.strip().lower() for c in header}
    if "pre_at" in columns:
        return "pres"
    if {"kind", "at"} <= columns:
        return "nukes"
    if {"tier", "seen_at"} <= columns:
        return "sightings"  # read by scenescope.sightings, not by FileFeed
    raise FeedFormatError(
        f"{path}: cannot tell the kind of file from its header ({', '.join(sorted(columns))}); "
        "pres need name,pre_at and nukes need name,kind,at — or pass --kind"
    )
