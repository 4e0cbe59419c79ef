"""Read queries over the catalog: the title listing, one title's detail, unmatched releases.
The CLI, the web API and the report call these (no SQL of their own)."""

from __future__ import annotations

from typing import Any

from scenescope.catalog.tables import load_release_dates
from scenescope.engine import Engine, Source

_LIST_SQL = """
SELECT t.title_id, t.kind, t.title, t.year, t.studio,
       (SELECT min(date) FROM catalog_release_dates d
         WHERE d.title_id = t.title_id AND d.release_window = 'theatrical') AS theatrical,
       (SELECT min(date) FROM catalog_release_dates d
         WHERE d.title_id = t.title_id AND d.release_window = 'digital') AS digital,
       (SELECT min(date) FROM catalog_release_dates d
         WHERE d.title_id = t.title_id AND d.release_window = 'physical') AS physical,
       (SELECT count(*) FROM catalog_episodes e WHERE e.title_id = t.title_id) AS episodes,
       (SELECT count(*) FROM release_matches m
         WHERE m.title_id = t.title_id AND m.status = 'matched') AS releases
FROM catalog_titles t
"""

TITLE_KINDS = ("movie", "series")


def list_titles(
    source: Source, *, kind: str | None = None, search: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Titles with their earliest window dates, episode count and matched releases, by title.
    Raises ValueError for a kind that is not movie or series."""
    where: list[str] = []
    params: list[Any] = []
    if kind:
        if kind not in TITLE_KINDS:
            raise ValueError(f"{kind!r} is not movie or series")
        where.append("t.kind = ?")
        params.append(kind)
    if search:
        where.append("contains(lower(t.title), lower(?))")
        params.append(search)
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY t.title, t.year, t.title_id LIMIT ?"
    return Engine.of(source).records(sql, [*params, limit])


def title_detail(source: Source, title_id: str, *, releases: int = 20) -> dict[str, Any] | None:
    """One title: names, dates per territory and window, episodes, matched releases (at most
    `releases`, matched before possible, earliest pre first); None if the title is unknown."""
    engine = Engine.of(source)
    found = engine.records(
        "SELECT title_id, kind, title, year, original_title, aliases, studio "
        "FROM catalog_titles WHERE title_id = ?",
        [title_id],
    )
    if not found:
        return None
    doc = found[0]
    doc["release_dates"] = [
        {"territory": d.territory, "window": d.window, "date": d.date}
        for d in load_release_dates(engine.connection, title_id)
    ]
    count, first_air, last_air = engine.rows(
        "SELECT count(*), min(air_date), max(air_date) FROM catalog_episodes WHERE title_id = ?",
        [title_id],
    )[0]
    doc["episodes"] = {"count": count, "first_air": first_air, "last_air": last_air}
    doc["releases"] = engine.records(
        "SELECT r.name, m.status, m.score, m.reason, s.pre_at FROM release_matches m "
        "JOIN releases r USING (release_id) JOIN release_state s USING (release_id) "
        "WHERE m.title_id = ? ORDER BY m.status, s.pre_at NULLS LAST LIMIT ?",
        [title_id, releases],
    )
    return doc


def unmatched_release_ids(source: Source) -> list[int]:
    """Releases with no match row yet (what `match --new` rematches)."""
    return [
        int(row[0])
        for row in Engine.of(source).rows(
            "SELECT release_id FROM releases WHERE release_id NOT IN "
            "(SELECT release_id FROM release_matches)"
        )
    ]
