"""Pure conversion of predb.ovh API v1 data into feed events (no I/O).

A release row (`{id, name, team, cat, genre, url, size, files, preAt, nuke}`), a nuke object
(`{id, typeId, type, preId, reason, net, nukeAt}`) and a websocket frame (`{action, row}`)
become PreReport / NukeEvent records; anything malformed becomes a Reject saying which field.

The public server's source spells the nuke keys `typeId` / `preId`; its documentation (and
older scenescope worlds) `typeID` / `preID`: both are read. `size` is kB, fractional (the
server divides its stored size by 1000: `211.9`), kept as a float — the store's column is a DOUBLE.
`preId` only repeats the row's `id`, so it is not needed to place the nuke.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport, Reject

DEFAULT_FEED = "predb.ovh"
MAX_NAME_CHARS = 512  # scene rules cap names far below this; longer is garbage, not a release
NUKE_TYPE_IDS: dict[int, str] = {1: "nuke", 2: "unnuke", 3: "modnuke", 4: "delpre", 5: "undelpre"}
NUKE_ACTIONS: frozenset[str] = frozenset(NUKE_TYPE_IDS.values())
RELEASE_ACTIONS: frozenset[str] = frozenset({"insert", "update"})
WS_ACTIONS: frozenset[str] = RELEASE_ACTIONS | NUKE_ACTIONS | {"delete"}
# predb.ovh removing a row is recorded as a delpre with this reason, so the history keeps it.
DELETE_REASON = "deleted from predb.ovh"


class RowError(ValueError):
    """A field of a predb.ovh object is missing or has the wrong type."""


def _raw(obj: Any) -> str:
    try:
        return json.dumps(obj, ensure_ascii=False, default=str)[:4096]
    except (TypeError, ValueError):
        return repr(obj)[:4096]


def _unix_time(value: Any, field: str) -> dt.datetime:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RowError(f"field {field!r}: expected unix seconds, got {type(value).__name__}")
    try:
        seconds = float(value)
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise RowError(f"field {field!r}: not a unix time: {str(value)[:40]!r}") from exc


def _name(row: Mapping[str, Any]) -> str:
    name = row.get("name")
    if name is None:
        raise RowError("missing field 'name'")
    if not isinstance(name, str):
        raise RowError(f"field 'name': expected a string, got {type(name).__name__}")
    name = name.strip()
    if not name:
        raise RowError("field 'name' is empty")
    if len(name) > MAX_NAME_CHARS:
        raise RowError(f"field 'name' is {len(name)} characters (limit {MAX_NAME_CHARS})")
    if any(ch.isspace() and ch != " " for ch in name) or "\x00" in name:
        raise RowError("field 'name' contains control characters")
    return name


def _opt_str(row: Mapping[str, Any], field: str) -> str | None:
    value = row.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RowError(f"field {field!r}: expected a string, got {type(value).__name__}")
    return value


def _opt_number(row: Mapping[str, Any], field: str) -> float | None:
    value = row.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"field {field!r}: expected a number, got {type(value).__name__}")
    return float(value)


def nuke_kind(nuke: Mapping[str, Any]) -> str:
    """The nuke kind from `typeId` (1..5; the public server's spelling, `typeID` read too),
    falling back to the `type` text."""
    type_id = nuke.get("typeId", nuke.get("typeID"))
    if isinstance(type_id, int) and not isinstance(type_id, bool) and type_id in NUKE_TYPE_IDS:
        return NUKE_TYPE_IDS[type_id]
    kind = nuke.get("type")
    if isinstance(kind, str) and kind.lower() in NUKE_ACTIONS:
        return kind.lower()
    raise RowError(f"nuke: unknown typeId/type {type_id!r}/{kind!r}")


def nuke_event(
    name: str,
    nuke: Mapping[str, Any],
    *,
    feed: str = DEFAULT_FEED,
    seen_at: dt.datetime | None = None,
    kind: str | None = None,
) -> NukeEvent:
    """A predb.ovh nuke object about release `name`; `kind` overrides typeId (ws action)."""
    if not isinstance(nuke, Mapping):
        raise RowError(f"field 'nuke': expected an object, got {type(nuke).__name__}")
    if "nukeAt" not in nuke or nuke["nukeAt"] is None:
        raise RowError("nuke: missing field 'nukeAt'")
    return NukeEvent(
        name=name,
        kind=kind or nuke_kind(nuke),
        at=_unix_time(nuke["nukeAt"], "nukeAt"),
        feed=feed,
        reason=_opt_str(nuke, "reason"),
        network=_opt_str(nuke, "net"),
        seen_at=seen_at,
    )


def release_events(
    row: Any, *, feed: str = DEFAULT_FEED, seen_at: dt.datetime | None = None
) -> list[FeedEvent]:
    """A release row: its pre report, plus its current nuke if the row carries one.

    Raises RowError on a malformed row; `release_events_or_reject` returns a Reject instead.
    """
    if not isinstance(row, Mapping):
        raise RowError(f"release row: expected an object, got {type(row).__name__}")
    name = _name(row)
    if row.get("preAt") is None:
        raise RowError("missing field 'preAt'")
    files = _opt_number(row, "files")
    events: list[FeedEvent] = [
        PreReport(
            name=name,
            pre_at=_unix_time(row["preAt"], "preAt"),
            feed=feed,
            category=_opt_str(row, "cat"),
            size_kb=_opt_number(row, "size"),
            files=int(files) if files is not None else None,
            genre=_opt_str(row, "genre"),
            seen_at=seen_at,
        )
    ]
    nuke = row.get("nuke")
    if nuke:
        events.append(nuke_event(name, nuke, feed=feed, seen_at=seen_at))
    return events


def release_events_or_reject(
    row: Any,
    *,
    feed: str = DEFAULT_FEED,
    seen_at: dt.datetime | None = None,
    source: str | None = None,
    line: int | None = None,
) -> list[FeedEvent]:
    """Like `release_events`, but a malformed row becomes one Reject (never raises)."""
    try:
        return release_events(row, feed=feed, seen_at=seen_at)
    except RowError as exc:
        return [
            Reject(
                source=source or feed, reason=str(exc), raw=_raw(row), line=line, seen_at=seen_at
            )
        ]


def frame_events(
    frame: Any,
    *,
    feed: str = DEFAULT_FEED,
    seen_at: dt.datetime | None = None,
    source: str | None = None,
    line: int | None = None,
) -> list[FeedEvent]:
    """One websocket frame `{action, row}` (a dict or its JSON text) as events; never raises.

    insert/update → the row's pre report (and its nuke, if any); nuke/unnuke/modnuke/delpre/
    undelpre → a NukeEvent of that kind from `row.nuke` (time `nukeAt`, else `seen_at`);
    delete → a delpre with reason DELETE_REASON at `seen_at`. Anything else → a Reject.
    """
    seen = seen_at or dt.datetime.now(dt.UTC)
    where = source or feed
    raw_text = frame if isinstance(frame, str) else None
    if isinstance(frame, bytes | bytearray):
        try:
            raw_text = frame.decode("utf-8")
        except UnicodeDecodeError:
            return [
                Reject(
                    source=where,
                    reason="frame is not valid UTF-8",
                    raw=frame[:4096].decode("utf-8", "backslashreplace"),
                    line=line,
                    seen_at=seen,
                )
            ]
    if raw_text is not None:
        try:
            frame = json.loads(raw_text)
        except ValueError as exc:
            return [
                Reject(
                    source=where,
                    reason=f"malformed JSON frame: {exc}",
                    raw=raw_text[:4096],
                    line=line,
                    seen_at=seen,
                )
            ]
    try:
        return _frame_events(frame, feed=feed, seen_at=seen)
    except RowError as exc:
        return [
            Reject(
                source=where,
                reason=str(exc),
                raw=raw_text[:4096] if raw_text else _raw(frame),
                line=line,
                seen_at=seen,
            )
        ]


def _frame_events(frame: Any, *, feed: str, seen_at: dt.datetime) -> list[FeedEvent]:
    if not isinstance(frame, Mapping):
        raise RowError(f"frame: expected an object, got {type(frame).__name__}")
    action = frame.get("action")
    if not isinstance(action, str):
        raise RowError("frame: missing field 'action'")
    action = action.lower()
    if action not in WS_ACTIONS:
        raise RowError(f"frame: unknown action {action!r}")
    row = frame.get("row")
    if not isinstance(row, Mapping):
        raise RowError(f"frame: field 'row': expected an object, got {type(row).__name__}")
    if action in RELEASE_ACTIONS:
        return release_events(row, feed=feed, seen_at=seen_at)
    name = _name(row)
    if action == "delete":
        return [
            NukeEvent(
                name=name,
                kind="delpre",
                at=seen_at,
                feed=feed,
                reason=DELETE_REASON,
                seen_at=seen_at,
            )
        ]
    # The row of a nuke frame is the whole release: keep its pre report too when it is sound.
    pre: list[FeedEvent] = []
    if row.get("preAt") is not None:
        try:
            pre = [e for e in release_events({**row, "nuke": None}, feed=feed, seen_at=seen_at)]
        except RowError:
            pre = []
    nuke = row.get("nuke")
    if isinstance(nuke, Mapping) and nuke.get("nukeAt") is not None:
        return [*pre, nuke_event(name, nuke, feed=feed, seen_at=seen_at, kind=action)]
    if nuke is not None and not isinstance(nuke, Mapping):
        raise RowError(f"field 'nuke': expected an object, got {type(nuke).__name__}")
    nuke = nuke or {}
    return [
        *pre,
        NukeEvent(
            name=name,
            kind=action,
            at=seen_at,
            feed=feed,
            reason=_opt_str(nuke, "reason"),
            network=_opt_str(nuke, "net"),
            seen_at=seen_at,
        ),
    ]


def response_rows(document: Any) -> list[Any]:
    """The release rows of a predb.ovh response `{status, data: {rows}}` (or a bare list)."""
    if isinstance(document, list):
        return document
    if not isinstance(document, Mapping):
        raise RowError(f"response: expected an object, got {type(document).__name__}")
    data = document.get("data")
    if not isinstance(data, Mapping):
        status = document.get("status")
        raise RowError(f"response: missing field 'data' (status {status!r})")
    rows = data.get("rows")
    if not isinstance(rows, list):
        raise RowError("response: field 'data.rows' is not a list")
    return rows
