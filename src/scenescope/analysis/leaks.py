"""Pre-release leak detection: each matched release's source measured against its window.

Source classes come from the parsed `source` (names.vocabulary): retail discs against the
physical street date, WEB against digital, cams against theatrical, HDTV against the air
date, screeners always. The official date is the earliest territory's; a date starts at
00:00 UTC. Severity levels are an ordered, configurable list: the first that applies wins.
Definitions where worlds may differ: a screener is measured against the earlier home window
(digital/physical), or the theatrical one when the title has neither; a release whose window
has no date in any territory is not measured (never a leak); an episode named by date is
measured against that episode's earliest airing anywhere, not the date in its name.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from scenescope.analysis.records import Leak

# parsed source -> (source class, window it is measured against; None = always pre-release)
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


@dataclass(frozen=True, slots=True)
class SeverityLevel:
    """A severity label and when it applies: every given condition must hold."""

    name: str
    windows: tuple[str, ...] = ()  # the window the leak was measured against; () = any
    source_classes: tuple[str, ...] = ()  # () = any
    min_lead_days: float = 0.0
    before_theatrical: bool = False  # pred before the theatrical opening (workprint level)


DEFAULT_LEVELS: tuple[SeverityLevel, ...] = (
    SeverityLevel("pre-theatrical", before_theatrical=True),
    SeverityLevel("screener", source_classes=("screener",), min_lead_days=float("-inf")),
    SeverityLevel("pre-digital", windows=("digital",)),
    SeverityLevel("pre-physical-7d", windows=("physical",), min_lead_days=7.0),
    SeverityLevel("pre-physical", windows=("physical",)),
    SeverityLevel("pre-broadcast", windows=("tv",)),
)


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    """Ordered severity levels; a leak takes the first level it satisfies."""

    levels: tuple[SeverityLevel, ...] = DEFAULT_LEVELS
    fallback: str = "leak"

    def classify(
        self, *, window: str | None, source_class: str, lead_days: float, before_theatrical: bool
    ) -> str:
        for level in self.levels:
            if level.windows and window not in level.windows:
                continue
            if level.source_classes and source_class not in level.source_classes:
                continue
            if lead_days < level.min_lead_days:
                continue
            if level.before_theatrical and not before_theatrical:
                continue
            return level.name
        return self.fallback

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)


class SeverityConfigError(ValueError):
    """A severity file the user can fix; the message names the file and the entry."""


def load_severity_policy(path: Path) -> SeverityPolicy:
    """Levels from a TOML file: `[[severity]]` tables with name, windows, source_classes,
    min_lead_days, before_theatrical (all but name optional), most severe first."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SeverityConfigError(f"{path}: cannot read severity levels: {exc}") from None
    entries = doc.get("severity")
    if not isinstance(entries, list) or not entries:
        raise SeverityConfigError(f"{path}: expected one or more [[severity]] tables")
    levels = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SeverityConfigError(f"{path}: [[severity]] #{number} needs a name")
        try:
            levels.append(
                SeverityLevel(
                    name=entry["name"],
                    windows=tuple(entry.get("windows", ())),
                    source_classes=tuple(entry.get("source_classes", ())),
                    min_lead_days=float(entry.get("min_lead_days", 0.0)),
                    before_theatrical=bool(entry.get("before_theatrical", False)),
                )
            )
        except (TypeError, ValueError) as exc:
            raise SeverityConfigError(f"{path}: [[severity]] #{number}: {exc}") from None
    return SeverityPolicy(tuple(levels))


# One row per matched release with a pre time, and every date it could be measured against:
# the earliest territory of each window, and the episode's earliest air date. A daily show's
# name carries one territory's date; once that date resolves to an episode, the episode's
# earliest airing anywhere is what it is measured against (the date in the name otherwise).
_CANDIDATES_SQL = """
WITH windows AS (
    SELECT title_id, release_window,
           min(date) AS date,
           arg_min(territory, (date, territory)) AS territory
    FROM catalog_release_dates GROUP BY title_id, release_window
),
episode_air AS (
    SELECT title_id, season, episode,
           min(air_date) AS air_date,
           arg_min(territory, (air_date, territory)) AS territory
    FROM catalog_episodes WHERE air_date IS NOT NULL
    GROUP BY title_id, season, episode
),
season_air AS (  -- a season pack is measured against the season's first airing
    SELECT title_id, season,
           min(air_date) AS air_date,
           arg_min(territory, (air_date, territory)) AS territory
    FROM catalog_episodes WHERE air_date IS NOT NULL
    GROUP BY title_id, season
)
SELECT
    r.release_id, r.name, r.group_name, r.source, r.streaming_service, r.date,
    s.pre_at, s.status,
    t.title_id, t.title, t.kind, t.studio,
    coalesce(e.air_date, m.air_date, r.date, CASE WHEN m.episode IS NULL THEN sa.air_date END)
        AS air_date,
    CASE
        WHEN e.air_date IS NOT NULL THEN e.territory
        WHEN m.air_date IS NOT NULL OR r.date IS NOT NULL THEN NULL
        ELSE sa.territory
    END AS air_territory,
    th.date AS theatrical_date, th.territory AS theatrical_territory,
    dg.date AS digital_date, dg.territory AS digital_territory,
    ph.date AS physical_date, ph.territory AS physical_territory,
    tv.date AS tv_date, tv.territory AS tv_territory
FROM release_matches m
JOIN releases r USING (release_id)
JOIN release_state s USING (release_id)
JOIN catalog_titles t ON t.title_id = m.title_id
LEFT JOIN episode_air e
    ON e.title_id = m.title_id AND e.season = m.season AND e.episode = m.episode
LEFT JOIN season_air sa ON sa.title_id = m.title_id AND sa.season = m.season
LEFT JOIN windows th ON th.title_id = m.title_id AND th.release_window = 'theatrical'
LEFT JOIN windows dg ON dg.title_id = m.title_id AND dg.release_window = 'digital'
LEFT JOIN windows ph ON ph.title_id = m.title_id AND ph.release_window = 'physical'
LEFT JOIN windows tv ON tv.title_id = m.title_id AND tv.release_window = 'tv'
"""


@dataclass(frozen=True, slots=True)
class OfficialDate:
    window: str
    date: dt.date
    territory: str | None


def day_start(date: dt.date) -> dt.datetime:
    """When an official date begins: 00:00 UTC (the earliest any territory can start it)."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def lead_days(official: dt.date, pre_at: dt.datetime) -> float:
    """Days from the pre to the start of the official date; positive = pred before it."""
    return (day_start(official) - pre_at).total_seconds() / 86_400.0


def _window_dates(row: dict[str, Any]) -> dict[str, OfficialDate]:
    out = {}
    for window in ("theatrical", "digital", "physical", "tv"):
        date = row[f"{window}_date"]
        if date is not None:
            out[window] = OfficialDate(window, date, row[f"{window}_territory"])
    return out


def official_date_for(row: dict[str, Any], klass: str, window: str | None) -> OfficialDate | None:
    """The date a release of this class is measured against (None: nothing to measure).

    An episode (or season pack) of a series: its first airing, whatever the source. A film:
    the earliest territory's opening of the class's window; a screener: the first home
    window (digital or physical), else the theatrical one."""
    episode_air = row["air_date"]
    if row["kind"] == "series" and episode_air is not None:
        return OfficialDate("tv", episode_air, row["air_territory"] or None)
    dates = _window_dates(row)
    if window is not None:
        return dates.get(window)
    home = [d for w, d in dates.items() if w in ("digital", "physical")]
    if not home:
        return dates.get("theatrical")
    return min(home, key=lambda d: (d.date, d.window))


def leak_from_row(row: dict[str, Any], policy: SeverityPolicy) -> Leak | None:
    """The leak this candidate row is, or None if it was pred inside its window."""
    found = source_class(row["source"], row["streaming_service"])
    pre_at: dt.datetime | None = row["pre_at"]
    if found is None or pre_at is None:
        return None
    pre_at = pre_at.astimezone(dt.UTC)
    klass, window = found
    official = official_date_for(row, klass, window)
    if official is None:
        return None
    lead = lead_days(official.date, pre_at)
    if lead <= 0:  # a screener is pre-release by nature; pred after home release it is not new
        return None
    theatrical = row["theatrical_date"]
    before_theatrical = theatrical is not None and pre_at < day_start(theatrical)
    severity = policy.classify(
        window=official.window,
        source_class=klass,
        lead_days=lead,
        before_theatrical=before_theatrical and klass != "screener",
    )
    return Leak(
        release_name=row["name"],
        title_id=row["title_id"],
        title=row["title"],
        source_class=klass,
        pre_at=pre_at,
        lead_days=lead,
        severity=severity,
        group=row["group_name"],
        studio=row["studio"],
        official_date=official.date,
        territory=official.territory,
        window=official.window,
        nuke_status=row["status"] or "live",
    )


def _connection(store: Any) -> duckdb.DuckDBPyConnection:
    if isinstance(store, duckdb.DuckDBPyConnection):
        return store
    conn = getattr(store, "connection", None)
    if not isinstance(conn, duckdb.DuckDBPyConnection):
        raise TypeError(f"not a store or DuckDB connection: {type(store).__name__}")
    return conn


_LITERAL_ID_LIMIT = 5_000  # above this, ids go in as a registered Arrow table


def find_leaks(
    store: Any,
    *,
    since: dt.datetime | dt.date | None = None,
    title: str | None = None,
    group: str | None = None,
    studio: str | None = None,
    min_lead_days: float | None = None,
    release_ids: Iterable[int] | None = None,
    policy: SeverityPolicy | None = None,
) -> list[Leak]:
    """Every matched release pred before its window (screeners always), newest pre first.

    title: a title_id or words of the title; group: exact group (any case); studio: words of
    the studio; since: pres at or after; min_lead_days: leaks at least this early.
    """
    policy = policy or SeverityPolicy()
    conn = _connection(store)
    where = ["m.status = 'matched'", "s.pre_at IS NOT NULL"]
    params: list[Any] = []
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = day_start(since)
        where.append("s.pre_at >= ?")
        params.append(since if since.tzinfo else since.replace(tzinfo=dt.UTC))
    if title:
        where.append("(t.title_id = ? OR contains(lower(t.title), lower(?)))")
        params += [title, title]
    if group:
        where.append("r.group_key = lower(?)")
        params.append(group)
    if studio:
        where.append("contains(lower(t.studio), lower(?))")
        params.append(studio)
    sql = _CANDIDATES_SQL
    registered = False
    if release_ids is not None:
        wanted = sorted({int(i) for i in release_ids})
        if len(wanted) <= _LITERAL_ID_LIMIT:
            # A literal list of integers (never text) lets DuckDB push the filter below the
            # release_state aggregation: a watch batch then costs milliseconds, not a full scan.
            id_list = ",".join(map(str, wanted)) or "NULL"
            sql = sql.replace(
                "JOIN release_state s USING (release_id)",
                f"JOIN (SELECT * FROM release_state WHERE release_id IN ({id_list})) s "
                "USING (release_id)",
            )
            where.append(f"m.release_id IN ({id_list})")
        else:
            ids = pa.table({"release_id": pa.array(wanted, pa.int64())})
            conn.register("leak_ids", ids)
            registered = True
            where.append("m.release_id IN (SELECT release_id FROM leak_ids)")
    try:
        cursor = conn.execute(sql + " WHERE " + " AND ".join(where), params)
        columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchall()
    finally:
        if registered:
            conn.unregister("leak_ids")
    leaks = []
    for values in rows:
        leak = leak_from_row(dict(zip(columns, values, strict=True)), policy)
        if leak is None:
            continue
        if min_lead_days is not None and leak.lead_days < min_lead_days:
            continue
        leaks.append(leak)
    leaks.sort(key=lambda leak: (leak.pre_at, leak.release_name), reverse=True)
    return leaks
