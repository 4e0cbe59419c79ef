"""The detail records behind the workbench's pages and API: a release, a title's timeline,
a group, an account's evidence sheet, feed health and alert history.

Plain functions of an `Engine` returning JSON-ready dicts; the API returns them as they are
and the pages render them, so both always say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from scenescope.engine import Engine

RELEASE_FIELDS = (
    "release_id, name, group_name, title, year, kind, season, episodes, date, episode_title, "
    "resolution, source, streaming_service, video_codec, audio_codec, hdr, languages, "
    "edition, flags, other, container, category, size_kb, files, first_seen_at"
)
TIMELINE_LIMIT = 2000


def jsonable(value: Any) -> Any:
    """Times as ISO-8601 text, tuples as lists, the rest as is (recursively)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _sightings(engine: Engine, release_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Lower-tier sightings of these releases, if the store records them (issue 10)."""
    if not release_ids or not engine.has_table("sightings"):
        return []
    columns = {
        row[0]
        for row in engine.rows(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'sightings'"
        )
    }
    if "release_id" not in columns or not {"tier", "seen_at"} <= columns:
        return []
    site = "site" if "site" in columns else "NULL"
    ids = ",".join(str(int(i)) for i in release_ids)
    return engine.records(
        f"SELECT release_id, tier, {site} AS site, seen_at FROM sightings "
        f"WHERE release_id IN ({ids}) ORDER BY seen_at LIMIT {TIMELINE_LIMIT}"
    )


def release_detail(engine: Engine, name: str) -> dict[str, Any] | None:
    """Everything about one release: parsed fields, every feed's report, nukes, state, the
    matched title and tier sightings. None when the store does not know the name."""
    rows = engine.records(f"SELECT {RELEASE_FIELDS} FROM releases WHERE name = ?", [name])
    if not rows:
        return None
    release = rows[0]
    release_id = release["release_id"]
    state = engine.records(
        "SELECT pre_at, status, nuke_reason, report_count, feed_count FROM release_state "
        "WHERE release_id = ?",
        [release_id],
    )
    reports = engine.records(
        "SELECT feed, pre_at, seen_at, trusted, flag_reason, category, size_kb, files, genre "
        "FROM pre_reports WHERE release_id = ? ORDER BY pre_at, feed",
        [release_id],
    )
    nukes = engine.records(
        "SELECT kind, reason, network, event_at, feed, seen_at FROM nuke_events "
        "WHERE release_id = ? ORDER BY event_at, kind",
        [release_id],
    )
    match: list[dict[str, Any]] = []
    if engine.has_table("release_matches"):
        match = engine.records(
            "SELECT m.title_id, t.title, t.year, t.studio, m.status, m.score, m.reason, "
            "m.season, m.episode FROM release_matches m LEFT JOIN catalog_titles t "
            "USING (title_id) WHERE m.release_id = ? ORDER BY m.status = 'matched' DESC, "
            "m.score DESC",
            [release_id],
        )
    return jsonable(
        {
            "release": release,
            "state": state[0] if state else None,
            "reports": reports,
            "nukes": nukes,
            "matches": match,
            "sightings": _sightings(engine, [release_id]),
        }
    )


def title_timeline(engine: Engine, title_id: str) -> dict[str, Any] | None:
    """A title, its official dates per territory and window, every matched pre (with its
    source class and lead), the nukes of those pres and their sightings."""
    if not engine.has_table("catalog_titles"):
        return None
    titles = engine.records(
        "SELECT title_id, kind, title, year, original_title, aliases, studio FROM catalog_titles "
        "WHERE title_id = ?",
        [title_id],
    )
    if not titles:
        return None
    dates = engine.records(
        "SELECT territory, release_window, date FROM catalog_release_dates WHERE title_id = ? "
        "ORDER BY date, territory, release_window",
        [title_id],
    )
    leads = engine.relation("release_leads")
    pres = engine.records(
        f"""
        SELECT r.release_id, r.name, r.group_name, s.pre_at, s.status,
               l.source_class, l.official_window, l.official_date, l.lead_days
        FROM release_matches m JOIN releases r USING (release_id)
        JOIN release_state s USING (release_id)
        LEFT JOIN {leads} l ON l.release_id = r.release_id
        WHERE m.title_id = ? AND m.status = 'matched'
        ORDER BY s.pre_at NULLS LAST, r.name LIMIT {TIMELINE_LIMIT}
        """,
        [title_id],
    )
    ids = [p["release_id"] for p in pres]
    nukes: list[dict[str, Any]] = []
    if ids:
        id_list = ",".join(str(int(i)) for i in ids)
        nukes = engine.records(
            f"SELECT r.name, n.kind, n.reason, n.network, n.event_at FROM nuke_events n "
            f"JOIN releases r USING (release_id) WHERE n.release_id IN ({id_list}) "
            f"ORDER BY n.event_at"
        )
    return jsonable(
        {
            "title": titles[0],
            "release_dates": dates,
            "pres": pres,
            "nukes": nukes,
            "sightings": _sightings(engine, ids),
        }
    )


def titles_table(engine: Engine) -> list[dict[str, Any]]:
    """Every catalog title with how many releases matched it and how many leaked."""
    if not engine.has_table("catalog_titles"):
        return []
    leads = engine.relation("release_leads")
    return jsonable(
        engine.records(
            f"""
            WITH matched AS (SELECT title_id, count(*) AS releases FROM release_matches
                             WHERE status = 'matched' GROUP BY title_id),
                 leaked AS (SELECT title_id, count(*) AS leaks, max(lead_days) AS max_lead_days
                            FROM {leads} WHERE lead_days > 0 GROUP BY title_id)
            SELECT t.title_id, t.title, t.year, t.kind, t.studio,
                   coalesce(m.releases, 0) AS releases, coalesce(l.leaks, 0) AS leaks,
                   round(l.max_lead_days, 2) AS max_lead_days
            FROM catalog_titles t LEFT JOIN matched m USING (title_id)
            LEFT JOIN leaked l USING (title_id)
            ORDER BY leaks DESC, releases DESC, t.title
            """
        )
    )


def group_detail(engine: Engine, name: str) -> dict[str, Any] | None:
    """A group's profile and its race record (family and successors are added by the caller
    from their cached analyses)."""
    from scenescope.analysis.groups import group_profile
    from scenescope.analysis.race import group_race_records, races_for_group

    try:
        profile = group_profile(engine, name)
    except LookupError:
        return None
    key = profile.summary.group_key
    record = next((r for r in group_race_records(engine) if r.group_key == key), None)
    races = races_for_group(engine, key)[:50]
    return jsonable(
        {
            "profile": profile.to_dict(),
            "race_record": record.to_dict() if record else None,
            "races": [r.to_dict() for r in races],
        }
    )


def feed_health(engine: Engine, live: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Per feed: reports, last event, lag (seen minus pre time, median of the last hour of
    reports), the longest silence in the last day, and the live connector's counters."""
    rows = engine.records(
        """
        WITH recent AS (
            SELECT feed, seen_at, pre_at,
                   seen_at - lag(seen_at) OVER (PARTITION BY feed ORDER BY seen_at) AS gap
            FROM pre_reports
            WHERE seen_at >= (SELECT max(seen_at) FROM pre_reports) - INTERVAL 1 DAY
        )
        SELECT p.feed, count(*) AS reports, count(DISTINCT p.release_id) AS releases,
               max(p.pre_at) AS last_pre_at, max(p.seen_at) AS last_seen_at,
               (SELECT epoch(max(gap)) FROM recent r WHERE r.feed = p.feed) AS longest_gap_s,
               (SELECT median(epoch(seen_at - pre_at)) FROM recent r WHERE r.feed = p.feed
                  AND seen_at >= (SELECT max(seen_at) FROM recent r2 WHERE r2.feed = p.feed)
                                 - INTERVAL 1 HOUR) AS median_lag_s
        FROM pre_reports p GROUP BY p.feed ORDER BY reports DESC
        """
    )
    by_name = {str(h.get("feed")): h for h in live}
    out = []
    for row in rows:
        connector = by_name.pop(row["feed"], None)
        out.append({**row, "live": connector})
    for name, connector in by_name.items():
        out.append({"feed": name, "reports": 0, "releases": 0, "live": connector})
    return jsonable(out)


def alert_history(engine: Engine, limit: int = 500) -> list[dict[str, Any]]:
    """Alerts recorded by rules, newest first, with their delivery state."""
    if not engine.has_table("alerts"):
        return []
    return jsonable(
        engine.records(
            """
            SELECT a.alert_id, a.rule, a.reason, a.suppressed, a.release_name, a.title_id,
                   a.title, a.source_class, a.group_name, a.severity, round(a.lead_days, 2)
                   AS lead_days, a.pre_at, a.created_at,
                   string_agg(d.sink || ':' || d.status, ' ') AS deliveries
            FROM alerts a LEFT JOIN alert_deliveries d USING (alert_id)
            GROUP BY ALL ORDER BY a.created_at DESC, a.alert_id DESC LIMIT ?
            """,
            [limit],
        )
    )


def headline(engine: Engine) -> dict[str, Any]:
    """The numbers at the top of the dashboard and the report."""
    figures: dict[str, Any] = {
        "releases": engine.scalar("SELECT count(*) FROM releases"),
        "pre_reports": engine.scalar("SELECT count(*) FROM pre_reports"),
        "nuked": engine.scalar("SELECT count(*) FROM release_state WHERE status = 'nuked'"),
        "groups": engine.scalar("SELECT count(DISTINCT group_key) FROM releases"),
        "first_pre_at": engine.scalar("SELECT min(pre_at) FROM pre_reports WHERE trusted"),
        "last_pre_at": engine.scalar("SELECT max(pre_at) FROM pre_reports WHERE trusted"),
    }
    if engine.has_table("catalog_titles"):
        figures["titles"] = engine.scalar("SELECT count(*) FROM catalog_titles")
        figures["matched"] = engine.scalar(
            "SELECT count(DISTINCT release_id) FROM release_matches WHERE status = 'matched'"
        )
    return jsonable(figures)
