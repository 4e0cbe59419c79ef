"""Read queries over the store: `search` (words, group, category, dates, nuked) and `stats`.

Filters on `releases` run first (group through its index, words as whole name tokens), and the
derived state (pre time, status) is computed only for the releases that matched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import duckdb

_WORD_SPLIT = re.compile(r"[\W_]+")
# A name's word tokens (what release_tokens indexes, migration 0004; `name_tokens` is the same
# split in Python, `search_words` for queries); may hold '' at the ends.
TOKENS_SQL = "string_split_regex(lower({name}), '[^\\p{{L}}\\p{{N}}]+')"
# releases.name_hash: md5-based, so it never changes with the DuckDB version.
NAME_HASH_SQL = "md5_number_upper({name})"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One release found by `search`, with its derived state."""

    release_id: int
    name: str
    group: str | None
    category: str | None
    pre_at: dt.datetime | None
    status: str  # live / nuked / deleted
    nuke_reason: str | None
    feeds: int

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies every value (~0.1 ms a hit, most of what a
        # page of search costs the workbench)
        out = {name: getattr(self, name) for name in _HIT_FIELDS}
        out["pre_at"] = self.pre_at.isoformat() if self.pre_at else None
        return out


_HIT_FIELDS = tuple(f.name for f in fields(SearchHit))


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts over the whole store, for `scenescope stats`."""

    releases: int
    pre_reports: int
    nuke_events: int
    quarantined: int
    last_pre_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    statuses: dict[str, int]
    feeds: list[dict[str, Any]] = field(default_factory=list)  # feed, reports, last_seen_at
    per_day: list[dict[str, Any]] = field(default_factory=list)  # day, releases (by pre_at)
    per_category: list[dict[str, Any]] = field(default_factory=list)
    per_group: list[dict[str, Any]] = field(default_factory=list)


def name_tokens(name: str) -> list[str]:
    """A name's distinct word tokens, as release_tokens indexes them (same split as TOKENS_SQL)."""
    return list(dict.fromkeys(t for t in _WORD_SPLIT.split(name.lower()) if t))


def search_words(text: str | Sequence[str]) -> list[str]:
    """Query words as name tokens: `Some.Movie 2020` → ['some', 'movie', '2020']."""
    parts = [text] if isinstance(text, str) else list(text)
    return [w for part in parts for w in _WORD_SPLIT.split(part.lower()) if w]


def search(
    conn: duckdb.DuckDBPyConnection,
    words: str | Sequence[str] = (),
    *,
    group: str | None = None,
    category: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    nuked: bool = False,
    limit: int = 50,
) -> list[SearchHit]:
    """Releases whose name holds every word (as a token), newest pre first."""
    # Word filters read the token index (release_tokens: one row per token per write batch).
    words_found = list(dict.fromkeys(search_words(words)))
    word_set = "SELECT unnest(release_ids) AS release_id FROM release_tokens WHERE token = ?"
    where: list[str] = []
    params: list[Any] = []
    if group:
        where.append("r.group_key = ?")
        params.append(group.lower())
    if category:
        where.append("lower(r.category) = ?")
        params.append(category.lower())
    if nuked:
        where.append("r.release_id IN (SELECT release_id FROM nuke_events)")
    if words_found and not where:
        # Words alone never touch the releases table until the page is known.
        matched_sql = (
            "SELECT DISTINCT release_id FROM ("
            + " INTERSECT ".join([word_set] * len(words_found))
            + ")"
        )
    else:
        where += [f"r.release_id IN ({word_set})"] * len(words_found)
        matched_sql = "SELECT r.release_id FROM releases r WHERE " + (
            " AND ".join(where) if where else "TRUE"
        )
    params += words_found
    state_where: list[str] = []
    if since:
        state_where.append("m.pre_at >= ?")
    if until:
        state_where.append("m.pre_at < ?")
    if nuked:
        state_where.append("m.status = 'nuked'")
    params += [d for d in (since, until) if d]
    sql = f"""
        WITH matched AS MATERIALIZED ({matched_sql}),
        firsts AS (
            SELECT release_id, min(pre_at) FILTER (WHERE trusted) AS pre_at
            FROM pre_reports WHERE release_id IN (SELECT release_id FROM matched)
            GROUP BY release_id
        ),
        history AS (
            SELECT release_id,
                   arg_max(kind, event_order) FILTER (WHERE kind IN ('nuke','unnuke','modnuke'))
                       AS nuke_kind,
                   arg_max(reason, event_order) FILTER (WHERE kind IN ('nuke','modnuke'))
                       AS nuke_reason,
                   arg_max(kind, event_order) FILTER (WHERE kind IN ('delpre','undelpre'))
                       AS delete_kind
            FROM (
                SELECT release_id, kind, reason,
                       epoch_us(event_at) * 8 + CASE kind WHEN 'nuke' THEN 1 WHEN 'modnuke' THEN 2
                           WHEN 'unnuke' THEN 3 WHEN 'delpre' THEN 4 ELSE 5 END AS event_order
                FROM nuke_events WHERE release_id IN (SELECT release_id FROM matched)
            )
            GROUP BY release_id
        ),
        m AS (
            SELECT matched.release_id, firsts.pre_at,
                   CASE WHEN history.delete_kind = 'delpre' THEN 'deleted'
                        WHEN history.nuke_kind IN ('nuke', 'modnuke') THEN 'nuked'
                        ELSE 'live' END AS status,
                   CASE WHEN history.nuke_kind IN ('nuke', 'modnuke') THEN history.nuke_reason
                   END AS nuke_reason
            FROM matched
            LEFT JOIN firsts USING (release_id)
            LEFT JOIN history USING (release_id)
        ),
        top AS MATERIALIZED (
            SELECT * FROM m WHERE {" AND ".join(state_where) if state_where else "TRUE"}
            ORDER BY pre_at DESC NULLS LAST, release_id DESC
            LIMIT {int(limit)}
        ),
        -- names and feed counts for the page only: reading them for every match is costly
        page AS MATERIALIZED (
            SELECT r.release_id, r.name, r.group_name, r.category FROM releases r
            WHERE r.release_id IN (SELECT release_id FROM top)
        ),
        feeds AS (
            SELECT release_id, count(DISTINCT feed) AS feeds FROM pre_reports
            WHERE release_id IN (SELECT release_id FROM top) GROUP BY release_id
        )
        SELECT top.release_id, page.name, page.group_name, page.category, top.pre_at,
               top.status, top.nuke_reason, coalesce(feeds.feeds, 0)
        FROM top JOIN page USING (release_id) LEFT JOIN feeds USING (release_id)
        ORDER BY top.pre_at DESC NULLS LAST, top.release_id DESC
    """
    return [SearchHit(*row) for row in conn.execute(sql, params).fetchall()]


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def _dicts(conn: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def stats(conn: duckdb.DuckDBPyConnection, *, days: int = 14, top: int = 10) -> StoreStats:
    """Totals, statuses, feeds, and releases per pre day (last `days`), category and group."""
    statuses = dict(
        conn.execute("SELECT status, count(*) FROM release_state GROUP BY 1 ORDER BY 1").fetchall()
    )
    return StoreStats(
        releases=_scalar(conn, "SELECT count(*) FROM releases"),
        pre_reports=_scalar(conn, "SELECT count(*) FROM pre_reports"),
        nuke_events=_scalar(conn, "SELECT count(*) FROM nuke_events"),
        quarantined=_scalar(conn, "SELECT count(*) FROM quarantine"),
        last_pre_at=_scalar(conn, "SELECT max(pre_at) FROM pre_reports WHERE trusted"),
        last_seen_at=_scalar(conn, "SELECT max(seen_at) FROM pre_reports"),
        statuses=statuses,
        feeds=_dicts(
            conn,
            "SELECT feed, count(*) AS reports, count(DISTINCT release_id) AS releases, "
            "max(pre_at) AS last_pre_at, max(seen_at) AS last_seen_at "
            "FROM pre_reports GROUP BY feed ORDER BY reports DESC",
        ),
        per_day=_dicts(
            conn,
            f"""
            WITH firsts AS (SELECT min(pre_at) AS pre_at FROM pre_reports WHERE trusted
                            GROUP BY release_id)
            SELECT CAST(pre_at AS DATE) AS day, count(*) AS releases FROM firsts
            WHERE pre_at >= (SELECT max(pre_at) FROM firsts) - INTERVAL {int(days)} DAY
            GROUP BY day ORDER BY day
            """,
        ),
        per_category=_dicts(
            conn,
            f"SELECT coalesce(category, '?') AS category, count(*) AS releases FROM releases "
            f"GROUP BY 1 ORDER BY releases DESC, category LIMIT {int(top)}",
        ),
        per_group=_dicts(
            conn,
            f"SELECT any_value(group_name) AS group, count(*) AS releases FROM releases "
            f"WHERE group_key IS NOT NULL GROUP BY group_key "
            f"ORDER BY releases DESC, group_key LIMIT {int(top)}",
        ),
    )
