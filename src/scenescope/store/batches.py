"""Turning feed events into Arrow tables for the store: screening, parsing new names, columns.

Pure Python and Arrow, no database: `store.ingest` decides which names are new and writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from scenescope.feeds.events import NUKE_KINDS, FeedEvent, NukeEvent, PreReport, Reject
from scenescope.names import ReleaseName, parse, parse_many

# Two DuckDB row groups: a batch this big is written straight to the file (optimistic write)
# instead of through the write-ahead log and a checkpoint, which halves the cost of a row.
DEFAULT_BATCH_SIZE = 2 * 122_880
MAX_NAME_CHARS = 512
_TRAILING_GROUP = re.compile(r"-([A-Za-z0-9_]+)$")
_NUKE_KINDS = frozenset(NUKE_KINDS)
_UTC_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())

# releases column → Arrow type; every ReleaseName field has a column (`group` → group_name).
RELEASE_FIELD_TYPES: dict[str, pa.DataType] = {
    "title": pa.string(),
    "year": pa.int32(),
    "kind": pa.string(),
    "season": pa.int32(),
    "episodes": pa.list_(pa.int32()),
    "absolute_episode": pa.bool_(),
    "season_pack": pa.bool_(),
    "date": pa.date32(),
    "episode_title": pa.string(),
    "resolution": pa.string(),
    "source": pa.string(),
    "streaming_service": pa.string(),
    "video_codec": pa.string(),
    "audio_codec": pa.string(),
    "audio_channels": pa.string(),
    "hdr": _STRINGS,
    "bit_depth": pa.int32(),
    "languages": _STRINGS,
    "subtitles": _STRINGS,
    "edition": _STRINGS,
    "flags": _STRINGS,
    "other": _STRINGS,
    "container": pa.string(),
    "website": pa.string(),
    "unparsed": _STRINGS,
}


def group_of(parsed: ReleaseName) -> str | None:
    """The group as written: the parser's, else the `-GROUP` suffix scene names end with."""
    if parsed.group:
        return parsed.group
    match = _TRAILING_GROUP.search(parsed.name)
    return match[1] if match else None


def _parse_safely(names: Sequence[str]) -> list[ReleaseName]:
    # A parser bug on one name must not lose the batch: fall back name by name.
    try:
        parsed = parse_many(names)
        if len(parsed) == len(names):
            return list(parsed)
    except Exception:
        pass
    out: list[ReleaseName] = []
    for name in names:
        try:
            out.append(parse(name))
        except Exception:
            out.append(ReleaseName(name=name))
    return out


def _bad_name(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "empty release name"
    if len(name) > MAX_NAME_CHARS:
        return f"release name is {len(name)} characters (limit {MAX_NAME_CHARS})"
    if not name.isascii():
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            return "release name is not valid UTF-8"
    return None


_FIELD_GETTERS = {field: operator.attrgetter(field) for field in RELEASE_FIELD_TYPES}
_REPORT_COLUMNS: dict[str, pa.DataType] = {
    "name": pa.string(),
    "feed": pa.string(),
    "pre_at": _UTC_TS,
    "seen_at": _UTC_TS,
    "category": pa.string(),
    "size_kb": pa.float64(),
    "files": pa.int32(),
    "genre": pa.string(),
}
_NUKE_COLUMNS: dict[str, pa.DataType] = {
    "name": pa.string(),
    "kind": pa.string(),
    "reason": pa.string(),
    "network": pa.string(),
    "at": _UTC_TS,
    "feed": pa.string(),
    "seen_at": _UTC_TS,
}
_REJECT_COLUMNS: dict[str, pa.DataType] = {
    "source": pa.string(),
    "line": pa.int64(),
    "reason": pa.string(),
    "raw": pa.string(),
    "seen_at": _UTC_TS,
}


def columns_of(records: Sequence[Any], types: dict[str, pa.DataType]) -> pa.Table:
    """Records (dataclasses) as an Arrow table with the given column names and types."""
    return pa.table(
        {n: _column(list(map(operator.attrgetter(n), records)), t) for n, t in types.items()}
    )


def _column(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    # A column holding one value throughout (a file's feed, seen_at None) is built in one step.
    count = len(values)
    first = values[0] if count else None
    # The two spot checks keep the full count off columns that vary (almost all of them).
    constant = count and values[-1] == first and values[count // 2] == first
    if constant and values.count(first) == count:
        return pa.repeat(pa.scalar(first, arrow_type), count)
    return pa.array(values, arrow_type)


def release_table(names: list[str], now: dt.datetime) -> pa.Table:
    """Parse the names; one row per name with every ReleaseName field as a column.

    category, size_kb and files are added by the writer, from the batch's first report.
    """
    parsed = _parse_safely(names)
    groups = [group_of(p) for p in parsed]
    columns: dict[str, pa.Array] = {
        "name": pa.array(names, pa.string()),
        "group_name": pa.array(groups, pa.string()),
        "group_key": pa.array([g.lower() if g else None for g in groups], pa.string()),
    }
    # One attrgetter pass per field: transposing records into tuples costs several times more.
    for field, arrow_type in RELEASE_FIELD_TYPES.items():
        columns[field] = pa.array(list(map(_FIELD_GETTERS[field], parsed)), arrow_type)
    columns["first_seen_at"] = pa.repeat(pa.scalar(now, _UTC_TS), len(names))
    return pa.table(columns)


def report_table(pres: Sequence[PreReport]) -> pa.Table:
    return columns_of(pres, _REPORT_COLUMNS)


def nuke_table(nukes: Sequence[NukeEvent]) -> pa.Table:
    return columns_of(nukes, _NUKE_COLUMNS)


def reject_table(rejects: Sequence[Reject]) -> pa.Table:
    clean = [dataclasses.replace(r, raw=_valid_text(r.raw)) for r in rejects]
    return columns_of(clean, _REJECT_COLUMNS)


def _valid_text(text: str) -> str:
    # Raw input may carry undecodable bytes (surrogate escapes): keep them visible, not fatal.
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def split_batches(
    events: Iterable[FeedEvent], batch_size: int
) -> Iterator[tuple[list[PreReport], list[NukeEvent], list[Reject]]]:
    """Events grouped by type, `batch_size` events at a time."""
    pres: list[PreReport] = []
    nukes: list[NukeEvent] = []
    rejects: list[Reject] = []
    count = 0
    for event in events:
        if isinstance(event, PreReport):
            pres.append(event)
        elif isinstance(event, NukeEvent):
            nukes.append(event)
        elif isinstance(event, Reject):
            rejects.append(event)
        else:
            raise TypeError(f"not a feed event: {type(event).__name__}")
        count += 1
        if count >= batch_size:
            yield pres, nukes, rejects
            pres, nukes, rejects, count = [], [], [], 0
    if count:
        yield pres, nukes, rejects


def screen(
    pres: list[PreReport], nukes: list[NukeEvent], rejects: list[Reject], now: dt.datetime
) -> tuple[list[PreReport], list[NukeEvent], list[Reject]]:
    """Connectors validate, but the store guards its own invariants too: bad events → Reject."""
    rejects = list(rejects)
    good_pres: list[PreReport] = []
    datetime = dt.datetime
    for report in pres:
        name = report.name
        # The common case in one test: a plain ASCII name of sane length and a datetime.
        if (
            type(name) is str
            and 0 < len(name) <= MAX_NAME_CHARS
            and name.isascii()
            and not name.isspace()
            and isinstance(report.pre_at, datetime)
        ):
            good_pres.append(report)
            continue
        problem = _bad_name(name)
        if problem is None and not isinstance(report.pre_at, datetime):
            problem = "pre time is not a datetime"
        if problem:
            rejects.append(Reject(report.feed, problem, raw=str(report)[:4096], seen_at=now))
        else:
            good_pres.append(report)
    good_nukes: list[NukeEvent] = []
    for nuke in nukes:
        problem = _bad_name(nuke.name)
        if problem is None and nuke.kind not in _NUKE_KINDS:
            problem = f"unknown nuke kind {nuke.kind!r}"
        if problem is None and not isinstance(nuke.at, dt.datetime):
            problem = "nuke time is not a datetime"
        if problem:
            rejects.append(Reject(nuke.feed, problem, raw=str(nuke)[:4096], seen_at=now))
        else:
            good_nukes.append(nuke)
    return good_pres, good_nukes, rejects
