"""Group profiles: what each release group puts out, when, how well, and whether it went dark.

Every group analysis (profiles, race, affiliation, successors) reads one materialized view of
the store, `group_releases`, built here in SQL: one row per release with its group key,
canonical pre time, state, normalized title key and race format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

GROUP_RELEASES = "group_releases"
GROUP_NAMES = "group_names"  # group_key -> display name (most used spelling)

# Source class per normalized source token (lowercase, non-alphanumerics removed); anything
# else is matched by the LIKE patterns in _SOURCE_CLASS_SQL, then "other".
_SOURCE_CLASS_SQL = """
CASE
  WHEN s IS NULL OR s = '' THEN 'other'
  WHEN s IN ('cam','hdcam','ts','hdts','telesync','tc','hdtc','telecine','pdvd','camrip','tsrip')
    THEN 'cam'
  WHEN s LIKE '%scr%' OR s LIKE 'screener%' THEN 'screener'
  WHEN s LIKE 'web%' OR s IN ('amzn','nf','dsnp','hmax','atvp','hulu','pcok','pmtp','itunes')
    THEN 'web'
  WHEN s LIKE '%bluray%' OR s LIKE '%bdrip%' OR s LIKE '%brrip%' OR s LIKE '%dvd%'
       OR s IN ('uhd','bd','bdremux','remux','bd25','bd50','hddvd') THEN 'retail-disc'
  WHEN s LIKE '%hdtv%' OR s IN ('pdtv','sdtv','dsr','dvb','satrip','tvrip','dtv') THEN 'hdtv'
  ELSE 'other'
END
"""

_CODEC_SQL = """
CASE
  WHEN c IS NULL OR c = '' THEN ''
  WHEN c IN ('x264','h264','avc') THEN 'h264'
  WHEN c IN ('x265','h265','hevc') THEN 'h265'
  ELSE c
END
"""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? AND table_schema = 'main'",
        [table],
    ).fetchall()
    return {name.lower(): dtype.upper() for name, dtype in rows}


def _list_expr(cols: dict[str, str], name: str) -> str:
    """A VARCHAR[] of lowercase tokens from a list column or a delimited string column."""
    if name not in cols:
        return "CAST([] AS VARCHAR[])"
    if cols[name].endswith("[]"):
        return f"list_transform(r.{name}, lambda x: lower(CAST(x AS VARCHAR)))"
    return (
        f"list_filter(string_split_regex(lower(coalesce(CAST(r.{name} AS VARCHAR), '')),"
        " '[^a-z0-9]+'), lambda x: x <> '')"
    )


def _col(cols: dict[str, str], name: str, cast: str = "VARCHAR") -> str:
    return f"CAST(r.{name} AS {cast})" if name in cols else f"CAST(NULL AS {cast})"


def _match_join(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """The title_id expression and join for the catalog's confirmed matches, when present."""
    cols = _columns(con, "release_matches")
    if not {"release_id", "title_id"} <= set(cols):
        return "CAST(NULL AS VARCHAR)", ""
    confirmed = "WHERE status = 'matched'" if "status" in cols else ""
    return (
        "m.title_id",
        "LEFT JOIN (SELECT release_id, any_value(CAST(title_id AS VARCHAR)) AS title_id "
        f"FROM release_matches {confirmed} GROUP BY release_id) m USING (release_id)",
    )


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Cheap counts that change whenever the store does (release_state is a view: skip it)."""
    parts = []
    for table in ("releases", "pre_reports", "nuke_events", "release_matches"):
        if _columns(con, table):
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            parts.append(f"{table}={row[0] if row else 0}")
    return ";".join(parts)


# Release state without the `release_state` view (which also counts reports and feeds and is
# the slowest part at scale): pre_at is the earliest trusted report; nuke status replays the
# events in event-time order exactly as the view does (tests hold the two equal).
_STATE_SQL = """
pre AS (
  SELECT release_id, min(pre_at) FILTER (WHERE trusted) AS pre_at
  FROM pre_reports GROUP BY release_id
), history AS (
  SELECT release_id,
         arg_max(kind, o) FILTER (WHERE kind IN ('nuke', 'unnuke', 'modnuke')) AS nuke_kind,
         arg_max(reason, o) FILTER (WHERE kind IN ('nuke', 'modnuke')) AS nuke_reason,
         arg_max(kind, o) FILTER (WHERE kind IN ('delpre', 'undelpre')) AS delete_kind
  FROM (SELECT release_id, kind, reason,
               epoch_us(event_at) * 8 + CASE kind WHEN 'nuke' THEN 1 WHEN 'modnuke' THEN 2
                 WHEN 'unnuke' THEN 3 WHEN 'delpre' THEN 4 WHEN 'undelpre' THEN 5 END AS o
        FROM nuke_events)
  GROUP BY release_id
), state AS (
  SELECT pre.release_id, pre.pre_at,
         CASE WHEN h.delete_kind = 'delpre' THEN 'deleted'
              WHEN h.nuke_kind IN ('nuke', 'modnuke') THEN 'nuked' ELSE 'live' END AS status,
         CASE WHEN h.nuke_kind IN ('nuke', 'modnuke') THEN h.nuke_reason END AS nuke_reason
  FROM pre LEFT JOIN history h USING (release_id)
)
"""


def build_group_releases(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> str:
    """Materialize `group_releases` (a TEMP table) unless it is current; return its name.

    Columns: release_id, group_name (as written), group_key (lowercase), pre_at (UTC), status,
    nuke_reason, category, title_id (matched, or NULL), title_key (hash of the matched title
    or the parsed title/year, with season and episodes; NULL without a title), work_key (the
    same at title level: a film or a show), source, source_class, resolution, codec,
    format_key, languages (VARCHAR[]), is_proper, is_repack. Also `group_names` (group_key,
    group_name: the spelling used most).
    """
    cols = _columns(con, "releases")
    if not cols:
        raise LookupError("the store has no `releases` table; is this a scenescope store?")
    fingerprint = _fingerprint(con)
    if not force:
        try:
            row = con.execute("SELECT fingerprint FROM temp.group_releases_meta").fetchone()
            if row and row[0] == fingerprint:
                return GROUP_RELEASES
        except duckdb.CatalogException:
            pass
    title_id_expr, match_join = _match_join(con)
    flags = _list_expr(cols, "flags")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {GROUP_RELEASES} AS
        WITH {_STATE_SQL}, base AS (
          SELECT r.release_id, r.group_name, r.group_key, st.pre_at, st.status,
                 st.nuke_reason, {_col(cols, "category")} AS category,
                 {title_id_expr} AS title_id,
                 nullif(regexp_replace(lower(coalesce(r.title, '')), '[^a-z0-9]+', '', 'g'), '')
                   AS title_norm,
                 r.year, r.season, coalesce(CAST(r.episodes AS VARCHAR), '') AS episodes_text,
                 r.source,
                 replace(replace(lower(coalesce(r.source, '')), '-', ''), '.', '') AS s,
                 lower(coalesce(r.resolution, '')) AS resolution,
                 replace(lower(coalesce(r.video_codec, '')), '.', '') AS c,
                 {_list_expr(cols, "languages")} AS languages,
                 coalesce(list_contains({flags}, 'proper'), false) AS is_proper,
                 coalesce(list_contains({flags}, 'repack') OR list_contains({flags}, 'rerip'),
                          false) AS is_repack
          FROM releases r JOIN state st USING (release_id) {match_join}
          WHERE r.group_key IS NOT NULL AND r.group_key <> '' AND st.pre_at IS NOT NULL
        ), classed AS (
          SELECT *,
                 CASE WHEN title_id IS NOT NULL THEN hash('t', title_id)
                      WHEN title_norm IS NOT NULL THEN hash('n', title_norm, year) END AS work_key,
                 {_SOURCE_CLASS_SQL} AS source_class, {_CODEC_SQL} AS codec
          FROM base
        )
        SELECT release_id, group_name, group_key, pre_at, status, nuke_reason, category,
               title_id,
               CASE WHEN work_key IS NOT NULL THEN hash(work_key, season, episodes_text) END
                 AS title_key,
               work_key, source, source_class, resolution, codec,
               source_class || '/' || resolution || '/' || codec AS format_key,
               languages, is_proper, is_repack
        FROM classed
        """
    )
    # the spelling a group uses most is how it is displayed
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {GROUP_NAMES} AS SELECT group_key, mode(group_name) "
        f"AS group_name FROM {GROUP_RELEASES} GROUP BY group_key"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE group_releases_meta AS SELECT ? AS fingerprint",
        [fingerprint],
    )
    return GROUP_RELEASES


def derived_is_current(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a temp table derived from `group_releases` was built from its current state."""
    try:
        row = con.execute(
            f"SELECT (SELECT fingerprint FROM temp.{table}_meta) = "
            "(SELECT fingerprint FROM temp.group_releases_meta)"
        ).fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


def mark_derived(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Record that `table` was just derived from the current `group_releases`."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_meta AS "
        "SELECT fingerprint FROM temp.group_releases_meta"
    )


def data_end(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The latest pre time in the store: "now" for dormancy, so old archives read sensibly."""
    build_group_releases(con)
    row = con.execute(f"SELECT max(pre_at) FROM {GROUP_RELEASES}").fetchone()
    return _utc(row[0]) if row and row[0] is not None else None


def _utc(value: Any) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Dormancy:
    """A group that went quiet: silent since its last pre, against its usual weekly volume."""

    silent_since: dt.datetime
    silent_days: float
    usual_pres_per_week: float

    def describe(self) -> str:
        return (
            f"silent since {self.silent_since.date().isoformat()}, "
            f"usually {self.usual_pres_per_week:.1f} pres a week"
        )


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One row of the group listing."""

    group: str  # as written most often
    group_key: str
    releases: int
    first_pre_at: dt.datetime
    last_pre_at: dt.datetime
    pres_per_week: float  # over the active span
    top_category: str | None
    top_source_class: str | None
    nuke_rate: float
    dormancy: Dormancy | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "releases": self.releases,
            "first_pre_at": self.first_pre_at.isoformat(),
            "last_pre_at": self.last_pre_at.isoformat(),
            "pres_per_week": round(self.pres_per_week, 2),
            "top_category": self.top_category,
            "top_source_class": self.top_source_class,
            "nuke_rate": round(self.nuke_rate, 4),
            "dormant": self.dormancy.describe() if self.dormancy else None,
        }


@dataclass(frozen=True, slots=True)
class TitleLead:
    """A title the group released, and how early against its official date."""

    title_id: str
    releases: int
    first_pre_at: dt.datetime
    lead_days: float | None  # official date minus first pre, days (positive = before)


@dataclass(frozen=True, slots=True)
class GroupProfile:
    """Everything the store says about one group."""

    summary: GroupSummary
    spellings: dict[str, int]
    weekly_volume: list[tuple[dt.date, int]]
    categories: dict[str, int]
    source_classes: dict[str, int]
    sources: dict[str, int]
    resolutions: dict[str, int]
    codecs: dict[str, int]
    languages: dict[str, int]
    titles: list[TitleLead]
    lead_days_median: float | None
    lead_days_spread: float | None  # interquartile range
    nukes: int
    top_nuke_reasons: dict[str, int]
    propers_by: int
    propers_against: int
    propers_against_by_group: dict[str, int]
    feeds: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = self.summary.to_dict()
        out.update(
            spellings=self.spellings,
            weekly_volume=[{"week": w.isoformat(), "pres": n} for w, n in self.weekly_volume],
            categories=self.categories,
            source_classes=self.source_classes,
            sources=self.sources,
            resolutions=self.resolutions,
            codecs=self.codecs,
            languages=self.languages,
            titles=[
                {
                    "title_id": t.title_id,
                    "releases": t.releases,
                    "first_pre_at": t.first_pre_at.isoformat(),
                    "lead_days": None if t.lead_days is None else round(t.lead_days, 2),
                }
                for t in self.titles
            ],
            lead_days_median=_round(self.lead_days_median),
            lead_days_spread=_round(self.lead_days_spread),
            nukes=self.nukes,
            top_nuke_reasons=self.top_nuke_reasons,
            propers_by=self.propers_by,
            propers_against=self.propers_against,
            propers_against_by_group=self.propers_against_by_group,
            feeds=self.feeds,
        )
        return out


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# A group is dark when its silence is long against its own rhythm: several typical gaps,
# and never less than two weeks (weekly-ish groups pause around holidays).
DORMANT_MIN_DAYS = 14.0
DORMANT_GAP_MULTIPLE = 6.0
DORMANT_MIN_RELEASES = 5


def _filters(since: dt.datetime | dt.date | None, category: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = ["TRUE"]
    params: list[Any] = []
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        clauses.append("pre_at >= ?")
        params.append(since)
    if category is not None:
        clauses.append("lower(category) = lower(?)")
        params.append(category)
    return " AND ".join(clauses), params


_SUMMARY_SQL = """
WITH g AS (
  SELECT group_key, count(*) AS releases,
         min(pre_at) AS first_pre, max(pre_at) AS last_pre,
         avg(CASE WHEN status = 'nuked' THEN 1.0 ELSE 0.0 END) AS nuke_rate,
         mode(category) AS top_category, mode(source_class) AS top_source_class
  FROM {table} WHERE {where} GROUP BY group_key
)
SELECT group_key, n.group_name, releases, first_pre, last_pre, nuke_rate, top_category,
       top_source_class,
       releases / greatest(epoch(last_pre - first_pre) / 604800.0, 1.0) AS per_week,
       epoch(last_pre - first_pre) / 86400.0 / greatest(releases - 1, 1) AS mean_gap_days
FROM g JOIN {names} n USING (group_key)
"""


def group_summaries(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.datetime | dt.date | None = None,
    category: str | None = None,
    now: dt.datetime | None = None,
) -> list[GroupSummary]:
    """Every group with releases matching the filters, most prolific first."""
    table = build_group_releases(con)
    where, params = _filters(since, category)
    reference = now or data_end(con)
    rows = con.execute(
        _SUMMARY_SQL.format(table=table, names=GROUP_NAMES, where=where)
        + " ORDER BY releases DESC, group_key",
        params,
    ).fetchall()
    return [_summary(row, reference) for row in rows]


def _summary(row: tuple[Any, ...], now: dt.datetime | None) -> GroupSummary:
    key, name, releases, first, last, nuke_rate, category, source_class, per_week, gap = row
    first, last = _utc(first), _utc(last)
    dormancy = None
    if now is not None and releases >= DORMANT_MIN_RELEASES:
        silent_days = (now - last).total_seconds() / 86400.0
        if silent_days > max(DORMANT_MIN_DAYS, DORMANT_GAP_MULTIPLE * float(gap)):
            dormancy = Dormancy(last, silent_days, float(per_week))
    return GroupSummary(
        group=name,
        group_key=key,
        releases=int(releases),
        first_pre_at=first,
        last_pre_at=last,
        pres_per_week=float(per_week),
        top_category=category,
        top_source_class=source_class,
        nuke_rate=float(nuke_rate),
        dormancy=dormancy,
    )


def dormant_groups(
    con: duckdb.DuckDBPyConnection, *, now: dt.datetime | None = None
) -> list[GroupSummary]:
    """Groups that went dark, most recently silent first."""
    dark = [s for s in group_summaries(con, now=now) if s.dormancy is not None]
    return sorted(dark, key=lambda s: s.last_pre_at, reverse=True)


def _counts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, int]:
    return {str(k): int(n) for k, n in con.execute(sql, params).fetchall() if k not in (None, "")}


def group_profile(
    con: duckdb.DuckDBPyConnection, name: str, *, now: dt.datetime | None = None
) -> GroupProfile:
    """The full profile of one group (name compared case-insensitively)."""
    table = build_group_releases(con)
    key = name.strip().lower()
    rows = con.execute(
        _SUMMARY_SQL.format(table=table, names=GROUP_NAMES, where="group_key = ?"), [key]
    ).fetchall()
    if not rows:
        raise LookupError(f"no releases by group {name!r} in the store")
    summary = _summary(rows[0], now or data_end(con))
    where = f"FROM {table} WHERE group_key = ?"

    def mix(column: str) -> dict[str, int]:
        return _counts(
            con, f"SELECT {column}, count(*) AS n {where} GROUP BY 1 ORDER BY n DESC, 1", [key]
        )

    weekly = con.execute(
        f"SELECT CAST(date_trunc('week', pre_at AT TIME ZONE 'UTC') AS DATE) AS w, count(*) "
        f"{where} GROUP BY w ORDER BY w",
        [key],
    ).fetchall()
    languages = _counts(
        con,
        f"SELECT lang, count(*) AS n FROM (SELECT unnest(languages) AS lang {where}) "
        "GROUP BY 1 ORDER BY n DESC, 1",
        [key],
    )
    titles, lead_median, lead_spread = _title_leads(con, key)
    nukes = con.execute(f"SELECT count(*) {where} AND status = 'nuked'", [key]).fetchone()
    reasons = _counts(
        con,
        f"SELECT lower(nuke_reason), count(*) AS n {where} AND status = 'nuked' "
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 5",
        [key],
    )
    propers_by = con.execute(f"SELECT count(*) {where} AND is_proper", [key]).fetchone()
    against = proper_targets(con, key)
    return GroupProfile(
        summary=summary,
        spellings=mix("group_name"),
        weekly_volume=[(w, int(n)) for w, n in weekly],
        categories=mix("category"),
        source_classes=mix("source_class"),
        sources=mix("source"),
        resolutions=mix("resolution"),
        codecs=mix("codec"),
        languages=languages,
        titles=titles,
        lead_days_median=lead_median,
        lead_days_spread=lead_spread,
        nukes=int(nukes[0]) if nukes else 0,
        top_nuke_reasons=reasons,
        propers_by=int(propers_by[0]) if propers_by else 0,
        propers_against=sum(against.values()),
        propers_against_by_group=against,
        feeds=_feeds(con, key),
    )


def proper_targets(con: duckdb.DuckDBPyConnection, group_key: str) -> dict[str, int]:
    """PROPERs by other groups fixing this group's releases: {proper group: count}.

    A PROPER targets the latest earlier non-PROPER release of the same title and format by
    another group.
    """
    table = build_group_releases(con)
    rows = con.execute(
        f"""
        WITH propers AS (
          SELECT release_id, group_key, title_key, format_key, pre_at FROM {table}
          WHERE is_proper AND title_key IS NOT NULL
        ), targets AS (
          SELECT p.release_id, p.group_key AS by_key,
                 arg_max(o.group_key, o.pre_at) AS target_key
          FROM propers p JOIN {table} o
            ON o.title_key = p.title_key AND o.format_key = p.format_key
           AND o.pre_at <= p.pre_at AND o.group_key <> p.group_key AND NOT o.is_proper
          GROUP BY p.release_id, p.group_key
        )
        SELECT any_value(n.group_name), count(*) AS n
        FROM targets JOIN {GROUP_NAMES} n ON n.group_key = targets.by_key
        WHERE target_key = ? GROUP BY by_key ORDER BY n DESC
        """,
        [group_key],
    ).fetchall()
    return {str(k): int(n) for k, n in rows}


def _feeds(con: duckdb.DuckDBPyConnection, group_key: str) -> dict[str, int]:
    if "feed" not in _columns(con, "pre_reports"):
        return {}
    return _counts(
        con,
        f"SELECT p.feed, count(DISTINCT p.release_id) AS n FROM pre_reports p "
        f"JOIN {GROUP_RELEASES} g USING (release_id) WHERE g.group_key = ? "
        "GROUP BY 1 ORDER BY n DESC, 1",
        [group_key],
    )


def _title_leads(
    con: duckdb.DuckDBPyConnection, group_key: str
) -> tuple[list[TitleLead], float | None, float | None]:
    """Matched titles and their lead against the official window of each release's source."""
    official = official_dates_sql(con)
    lead = "CAST(NULL AS DOUBLE)"
    join = ""
    if official:
        join = (
            f"LEFT JOIN ({official}) od ON od.title_id = g.title_id AND od.official_window = "
            + (
                "CASE g.source_class WHEN 'cam' THEN 'theatrical' WHEN 'web' THEN 'digital' "
                "WHEN 'retail-disc' THEN 'physical' WHEN 'hdtv' THEN 'tv' END"
            )
        )
        lead = "min(epoch(CAST(od.official_date AS TIMESTAMPTZ) - g.pre_at)) / 86400.0"
    rows = con.execute(
        f"""
        SELECT g.title_id, count(DISTINCT g.release_id), min(g.pre_at), {lead} AS lead_days
        FROM {GROUP_RELEASES} g {join}
        WHERE g.group_key = ? AND g.title_id IS NOT NULL
        GROUP BY g.title_id ORDER BY min(g.pre_at)
        """,
        [group_key],
    ).fetchall()
    titles = [
        TitleLead(str(t), int(n), _utc(first), None if lead_days is None else float(lead_days))
        for t, n, first, lead_days in rows
    ]
    leads = sorted(t.lead_days for t in titles if t.lead_days is not None)
    if not leads:
        return titles, None, None
    import numpy as np

    q1, median, q3 = np.percentile(leads, [25, 50, 75])
    return titles, float(median), float(q3 - q1)


def official_dates_sql(con: duckdb.DuckDBPyConnection) -> str | None:
    """SQL giving (title_id, official_window, official_date): earliest date in any territory."""
    cols = _columns(con, "catalog_release_dates")
    if not {"title_id", "release_window", "date"} <= set(cols):
        return None
    return (
        "SELECT title_id, lower(release_window) AS official_window, "
        'min("date") AS official_date FROM catalog_release_dates GROUP BY 1, 2'
    )
