"""The domain rules, once: source classes and their official windows, codec families, the
nuke-state replay and the lead of a pre against a date. Python reads the tables here; the SQL
every relation uses is generated from the same tables, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# parsed source (names.vocabulary) -> (source class, window it is measured against;
# None = always pre-release). A streaming-service tag with no source means WEB.
SOURCE_CLASSES: dict[str, tuple[str, str | None]] = {
    "uhd-bluray": ("retail-disc", "physical"),
    "bluray": ("retail-disc", "physical"),
    "hddvd": ("retail-disc", "physical"),
    "dvd": ("retail-disc", "physical"),
    "web": ("web", "digital"),
    "webrip": ("web", "digital"),
    "vod": ("web", "digital"),
    "cam": ("cam", "theatrical"),
    "telesync": ("cam", "theatrical"),
    "telecine": ("cam", "theatrical"),
    "workprint": ("cam", "theatrical"),
    "screener": ("screener", None),
    "hdtv": ("hdtv", "tv"),
    "ppv": ("hdtv", "tv"),
}
SOURCE_CLASS_NAMES: tuple[str, ...] = ("retail-disc", "web", "cam", "screener", "hdtv")
OTHER_CLASS = "other"  # a source not measured against any window (VHS, none)
WINDOW_NAMES: tuple[str, ...] = ("theatrical", "digital", "physical", "tv")
WINDOW_OF_CLASS: dict[str, str | None] = {
    klass: window for klass, window in SOURCE_CLASSES.values()
}
HOME_WINDOWS: tuple[str, ...] = ("digital", "physical")  # a screener's reference, first of them

# video codec as parsed -> the family a race is run in (x264 and h264 race each other)
CODEC_FAMILIES: dict[str, str] = {"x264": "h264", "avc": "h264", "x265": "h265", "hevc": "h265"}

# nuke-state replay: events in event-time order, ties broken in this order
NUKE_EVENT_ORDER: dict[str, int] = {
    "nuke": 1,
    "modnuke": 2,
    "unnuke": 3,
    "delpre": 4,
    "undelpre": 5,
}


def source_class(
    source: str | None, streaming_service: str | None = None
) -> tuple[str, str | None] | None:
    """(source class, window) for a parsed source; a streaming tag alone means WEB; None if
    the source is unknown or not measured (VHS, ...)."""
    if source:
        return SOURCE_CLASSES.get(source.lower())
    if streaming_service:
        return SOURCE_CLASSES["web"]
    return None


def source_class_name(source: str | None, streaming_service: str | None = None) -> str:
    """The class a release races and profiles in: its source class, or `other`."""
    found = source_class(source, streaming_service)
    return found[0] if found else OTHER_CLASS


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def source_class_sql(source: str, streaming_service: str) -> str:
    """SQL for `source_class_name` over two column expressions."""
    arms = "\n".join(
        f"    WHEN {_quoted(src)} THEN {_quoted(klass)}"
        for src, (klass, _) in SOURCE_CLASSES.items()
    )
    return (
        f"CASE lower({source})\n{arms}\n"
        f"    ELSE CASE WHEN coalesce({source}, '') = ''"
        f" AND coalesce({streaming_service}, '') <> ''"
        f" THEN 'web' ELSE {_quoted(OTHER_CLASS)} END\nEND"
    )


def window_of_class_sql(klass: str) -> str:
    """SQL: the window a source class (column expression) is measured against, NULL if none."""
    arms = " ".join(
        f"WHEN {_quoted(k)} THEN {_quoted(w)}" for k, w in WINDOW_OF_CLASS.items() if w is not None
    )
    return f"CASE {klass} {arms} END"


def codec_family(codec: str | None) -> str:
    value = (codec or "").lower().replace(".", "")
    return CODEC_FAMILIES.get(value, value)


def codec_family_sql(codec: str) -> str:
    arms = " ".join(f"WHEN {_quoted(k)} THEN {_quoted(v)}" for k, v in CODEC_FAMILIES.items())
    value = f"replace(lower(coalesce({codec}, '')), '.', '')"
    return f"CASE {value} {arms} ELSE {value} END"


def day_start(date: dt.date) -> dt.datetime:
    """When an official date begins: 00:00 UTC (the earliest any territory can start it)."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def lead_days(official: dt.date, pre_at: dt.datetime) -> float:
    """Days from the pre to the start of the official date; positive = pred before it."""
    return (day_start(official) - pre_at).total_seconds() / 86_400.0


def lead_days_sql(official_date: str, pre_at: str) -> str:
    """SQL for `lead_days` over a DATE and a TIMESTAMPTZ column expression."""
    return f"(epoch(CAST({official_date} AS TIMESTAMPTZ)) - epoch({pre_at})) / 86400.0"


@dataclass(frozen=True, slots=True)
class StateSQL:
    """Pieces of the release-state replay, for relations that restrict the releases first."""

    ctes: str  # `pre AS (...), history AS (...)`; join them on release_id
    status: str  # expression over `history` columns h.*
    nuke_reason: str


def release_state_sql(restrict: str = "") -> StateSQL:
    """The nuke-state replay: pre_at is the earliest trusted report; the status replays every
    nuke event in event-time order (ties in NUKE_EVENT_ORDER). `restrict` is a WHERE clause on
    release_id applied to both inputs (e.g. `WHERE release_id IN (SELECT ...)`)."""
    order = " ".join(f"WHEN {_quoted(k)} THEN {v}" for k, v in NUKE_EVENT_ORDER.items())
    ctes = f"""pre AS (
  SELECT release_id, min(pre_at) FILTER (WHERE trusted) AS pre_at,
         count(*) AS report_count, count(DISTINCT feed) AS feed_count
  FROM pre_reports {restrict} GROUP BY release_id
), history AS (
  SELECT release_id,
         arg_max(kind, o) FILTER (WHERE kind IN ('nuke', 'unnuke', 'modnuke')) AS nuke_kind,
         arg_max(reason, o) FILTER (WHERE kind IN ('nuke', 'modnuke')) AS nuke_reason,
         arg_max(kind, o) FILTER (WHERE kind IN ('delpre', 'undelpre')) AS delete_kind,
         count(*) AS event_count
  FROM (SELECT release_id, kind, reason, epoch_us(event_at) * 8 + CASE kind {order} END AS o
        FROM nuke_events {restrict})
  GROUP BY release_id
)"""
    return StateSQL(
        ctes=ctes,
        status=(
            "CASE WHEN h.delete_kind = 'delpre' THEN 'deleted' "
            "WHEN h.nuke_kind IN ('nuke', 'modnuke') THEN 'nuked' ELSE 'live' END"
        ),
        nuke_reason="CASE WHEN h.nuke_kind IN ('nuke', 'modnuke') THEN h.nuke_reason END",
    )


def release_state_view_sql() -> str:
    """The `release_state` view of the store (created by store.db from this definition)."""
    state = release_state_sql()
    return f"""WITH {state.ctes}
SELECT r.release_id, r.name, r.group_key, pre.pre_at,
       {state.status} AS status, {state.nuke_reason} AS nuke_reason,
       coalesce(pre.report_count, 0) AS report_count,
       coalesce(pre.feed_count, 0) AS feed_count,
       coalesce(h.event_count, 0) AS event_count
FROM releases r
LEFT JOIN pre USING (release_id)
LEFT JOIN history h USING (release_id)"""
