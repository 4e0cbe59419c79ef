"""`match_releases(store)`: match stored releases to catalog titles and record the matches.

Vectorized around the matcher: DuckDB reduces the releases to their distinct
(title, year, episode) groups, Python scores each group once, and one join writes every
release's rows into `release_matches` (replacing that release's previous matches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from scenescope.catalog.index import CatalogIndex
from scenescope.catalog.matcher import Candidate, Matcher, MatchPolicy, ReleaseQuery
from scenescope.catalog.tables import connection_of, load_episodes, load_titles
from scenescope.catalog.timing import decide_ties_by_timing
from scenescope.engine.core import Source

# what a release's match to a title holds (release_matches without its release_id)
CANDIDATE_COLUMNS = ("title_id", "status", "score", "reason", "season", "episode", "air_date")

ProgressCallback = Callable[[int, int], None]

# What the matcher needs from a release row; episode_like marks series-shaped names.
# Only video releases are matched: sections for music, books, games and software are left
# out (a game named like a film is a common false match), and so are names with no video
# marker at all (no source, resolution, codec, streaming tag, episode or air date).
NON_VIDEO_SECTIONS = (
    "MP3|FLAC|0DAY|EBOOK|GAME|PDA|APPS|MVID|MDVDR|MBLURAY|AUDIOBOOK|ABOOK|MUSIC|CONSOLE"
    "|PS[2-5]|PSP|PSV|XBOX|NSW|WII|NDS|3DS|DOX|LINUX|MACOS"
)
# the columns a group of releases shares: the matcher scores each distinct group once
GROUP_COLUMNS: tuple[str, ...] = (
    "title",
    "year",
    "episode_like",
    "season",
    "episode",
    "absolute",
    "date",
)


def match_input_sql(join: str = "") -> str:
    """The releases worth matching, one row each with what the matcher reads (a SELECT over
    `releases`; `join` restricts them, e.g. `JOIN chosen USING (release_id)`). Also the
    engine plan's definition (engine/matching.py), so it is written portably: no parameters,
    `array_length` for list lengths."""
    sections = "'" + NON_VIDEO_SECTIONS.replace("'", "''") + "'"
    return f"""
SELECT
    r.release_id,
    r.title,
    r.year,
    (r.kind = 'episode' OR r.season IS NOT NULL OR r.date IS NOT NULL
        OR coalesce(array_length(r.episodes), 0) > 0) AS episode_like,
    r.season,
    r.episodes[1] AS episode,
    coalesce(r.absolute_episode, false) AS absolute,
    r.date
FROM releases r {join}
WHERE NOT regexp_matches(upper(coalesce(r.category, '')), {sections})
  AND (r.source IS NOT NULL OR r.resolution IS NOT NULL OR r.video_codec IS NOT NULL
       OR r.streaming_service IS NOT NULL OR r.season IS NOT NULL OR r.date IS NOT NULL
       OR coalesce(array_length(r.episodes), 0) > 0)
"""


def group_join_sql(left: str, right: str) -> str:
    """The condition joining rows of `left` to their group in `right` (NULLs equal)."""
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in GROUP_COLUMNS)


_GROUPS_SQL = f"""
CREATE OR REPLACE TEMP TABLE match_groups AS
SELECT row_number() OVER () - 1 AS group_id, *
FROM (SELECT DISTINCT {", ".join(GROUP_COLUMNS)} FROM match_input)
"""

_GROUP_JOIN = f"JOIN match_groups g ON {group_join_sql('i', 'g')}"


@dataclass(frozen=True, slots=True)
class MatchSummary:
    """How many releases were looked at, asserted, left as possible only, or not matched."""

    releases: int
    matched: int
    possible: int
    unmatched: int
    groups: int
    titles: int

    def to_dict(self) -> dict[str, int]:
        return {
            "releases": self.releases,
            "matched": self.matched,
            "possible": self.possible,
            "unmatched": self.unmatched,
            "groups": self.groups,
            "titles": self.titles,
        }


def load_index(conn: duckdb.DuckDBPyConnection) -> CatalogIndex:
    """The matcher's index over everything in the store's catalog tables."""
    return CatalogIndex.build(load_titles(conn), load_episodes(conn))


def match_releases(
    store: Source,
    release_ids: Iterable[int] | None = None,
    *,
    policy: MatchPolicy | None = None,
    index: CatalogIndex | None = None,
    on_progress: ProgressCallback | None = None,
) -> MatchSummary:
    """(Re)match releases (all, or just `release_ids`) and store the result in `release_matches`.

    Pass a prebuilt `index` when matching a stream of small batches (watch) to skip reloading it.
    """
    conn = connection_of(store)
    index = index if index is not None else load_index(conn)
    matcher = Matcher(index, policy)
    _select_input(conn, release_ids)
    try:
        conn.execute(_GROUPS_SQL)
        groups = conn.sql(
            "SELECT group_id, title, year, episode_like, season, episode, absolute, date"
            " FROM match_groups"
        ).to_arrow_table()
        results = score_groups(matcher, groups, on_progress)
        conn.register("match_results", results)
        conn.execute("BEGIN TRANSACTION")
        try:
            if release_ids is None:
                conn.execute("DELETE FROM release_matches")  # a full rematch starts clean
            else:
                conn.execute(
                    "DELETE FROM release_matches"
                    " WHERE release_id IN (SELECT release_id FROM match_input)"
                )
            conn.execute(
                f"""
                INSERT INTO release_matches
                SELECT i.release_id, m.title_id, m.status, m.score, m.reason,
                       m.season, m.episode, m.air_date, ?
                FROM match_input i {_GROUP_JOIN}
                JOIN match_results m ON m.group_id = g.group_id
                """,
                [dt.datetime.now(dt.UTC)],
            )
            decide_ties_by_timing(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return _summary(conn, groups.num_rows, index.title_count)
    finally:
        conn.execute("DROP TABLE IF EXISTS match_groups")
        conn.execute("DROP TABLE IF EXISTS match_input")
        try:
            conn.unregister("match_results")
        except duckdb.Error:
            pass


def _select_input(conn: duckdb.DuckDBPyConnection, release_ids: Iterable[int] | None) -> None:
    create = "CREATE OR REPLACE TEMP TABLE match_input AS "
    if release_ids is None:
        conn.execute(create + match_input_sql())
        return
    ids = pa.table({"release_id": pa.array(sorted(set(release_ids)), pa.int64())})
    conn.register("match_ids", ids)
    try:
        conn.execute(create + match_input_sql("JOIN match_ids USING (release_id)"))
    finally:
        conn.unregister("match_ids")


def score_groups(
    matcher: Matcher, groups: pa.Table, on_progress: ProgressCallback | None = None
) -> pa.Table:
    """Every candidate of each group (group_id + GROUP_COLUMNS), one row per candidate keyed
    by group_id: title_id, status, score, reason, season, episode, air_date."""
    columns: dict[str, list[Any]] = {name: [] for name in ("group_id", *CANDIDATE_COLUMNS)}
    total = groups.num_rows
    rows = zip(*(groups.column(name).to_pylist() for name in groups.column_names), strict=True)
    for done, (group_id, title, year, episode_like, season, episode, absolute, date) in enumerate(
        rows, start=1
    ):
        query = ReleaseQuery(title, year, bool(episode_like), season, episode, date, absolute)
        for candidate in matcher.match(query):
            _append(columns, group_id, candidate)
        if on_progress is not None and (done % 10_000 == 0 or done == total):
            on_progress(done, total)
    return pa.table(
        {
            "group_id": pa.array(columns["group_id"], pa.int64()),
            "title_id": pa.array(columns["title_id"], pa.string()),
            "status": pa.array(columns["status"], pa.string()),
            "score": pa.array(columns["score"], pa.float64()),
            "reason": pa.array(columns["reason"], pa.string()),
            "season": pa.array(columns["season"], pa.int32()),
            "episode": pa.array(columns["episode"], pa.int32()),
            "air_date": pa.array(columns["air_date"], pa.date32()),
        }
    )


def _append(columns: dict[str, list[Any]], group_id: int, candidate: Candidate) -> None:
    columns["group_id"].append(group_id)
    columns["title_id"].append(candidate.title_id)
    columns["status"].append(candidate.status)
    columns["score"].append(candidate.score)
    columns["reason"].append(candidate.reason)
    columns["season"].append(candidate.season)
    columns["episode"].append(candidate.episode)
    columns["air_date"].append(candidate.air_date)


def _summary(conn: duckdb.DuckDBPyConnection, groups: int, titles: int) -> MatchSummary:
    row = conn.execute(
        """
        WITH per_release AS (
            SELECT i.release_id,
                   bool_or(m.status = 'matched') AS matched,
                   count(m.title_id) AS candidates
            FROM match_input i LEFT JOIN release_matches m USING (release_id)
            GROUP BY i.release_id
        )
        SELECT count(*),
               count(*) FILTER (WHERE matched),
               count(*) FILTER (WHERE NOT coalesce(matched, false) AND candidates > 0),
               count(*) FILTER (WHERE candidates = 0)
        FROM per_release
        """
    ).fetchone()
    assert row is not None
    releases, matched, possible, unmatched = (int(v) for v in row)
    return MatchSummary(releases, matched, possible, unmatched, groups, titles)


def catalog_version(conn: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Changes whenever titles or episodes are (re)imported: counts and latest update times."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM catalog_titles),"
        " (SELECT max(updated_at) FROM catalog_titles),"
        " (SELECT count(*) FROM catalog_episodes),"
        " (SELECT max(updated_at) FROM catalog_episodes)"
    ).fetchone()
    return tuple(row or ())


class LiveMatcher:
    """Matches small batches of new releases (watch) without reloading the catalog each time:
    the index is rebuilt only when `catalog_version` changes."""

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        self.policy = policy
        self._index: CatalogIndex | None = None
        self._version: tuple[Any, ...] | None = None

    def match(self, store: Source, release_ids: Iterable[int]) -> MatchSummary:
        conn = connection_of(store)
        version = catalog_version(conn)
        if self._index is None or version != self._version:
            self._index, self._version = load_index(conn), version
        return match_releases(store, release_ids, policy=self.policy, index=self._index)
