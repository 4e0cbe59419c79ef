"""Catalog matching as steps of the plan (engine/plan.py): the releases the plan parsed are
matched with the library's own definitions — `catalog.match_run`'s input and groups in SQL, its
matcher scoring each distinct group in Python (an Arrow batch function, mapped over Spark's
partitions like the parser), `catalog.timing`'s tie decisions in SQL. Releases that arrived
parsed keep the matches they were exported with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from scenescope.catalog.match_run import (
    GROUP_COLUMNS,
    group_join_sql,
    match_input_sql,
    score_groups,
)
from scenescope.catalog.tables import EPISODES_SQL, TITLES_SQL
from scenescope.catalog.timing import DECIDED_REASON_SQL, TIMING_SCORE, timing_decisions_sql
from scenescope.engine import rules
from scenescope.engine.plan import MapStep, Step

# the releases the plan parsed (a relation each runner creates beside `releases`), and the
# name the exported matches are read in as (`release_matches` is the plan's own, below)
UNPARSED = "unparsed_releases"
STORED_MATCHES = "stored_matches"

# one row per candidate of a group: the group's columns, then the candidate
SCORED_SCHEMA = pa.schema(
    [
        ("title", pa.string()),
        ("year", pa.int32()),
        ("episode_like", pa.bool_()),
        ("season", pa.int32()),
        ("episode", pa.int32()),
        ("absolute", pa.bool_()),
        ("date", pa.date32()),
        ("title_id", pa.string()),
        ("status", pa.string()),
        ("score", pa.float64()),
        ("reason", pa.string()),
        ("match_season", pa.int32()),
        ("match_episode", pa.int32()),
        ("air_date", pa.date32()),
    ]
)
_CANDIDATE = ("title_id", "status", "score", "reason")
_MATCH_COLUMNS = "release_id, title_id, status, score, reason, season, episode, air_date"

# the catalog as the matcher's index reads it: title rows and episode rows, in index order
Catalog = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def read_catalog(query: Callable[[str], pa.Table]) -> Catalog:
    """The catalog rows the index is built from, through the engine's `query` (SQL in DuckDB's
    dialect, rendered for the engine)."""
    return _rows(query(TITLES_SQL)), _rows(query(EPISODES_SQL))


def score_batches(catalog: Catalog, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Score each group (a row of GROUP_COLUMNS) with the library's matcher: one output row per
    candidate (SCORED_SCHEMA). The index is built once per call (per Spark partition)."""
    from scenescope.catalog.index import CatalogIndex
    from scenescope.catalog.matcher import Matcher
    from scenescope.catalog.tables import episodes_from_rows, titles_from_rows

    titles, episodes = catalog
    matcher = Matcher(CatalogIndex.build(titles_from_rows(titles), episodes_from_rows(episodes)))
    for batch in batches:
        groups = pa.Table.from_batches([batch]).select(list(GROUP_COLUMNS))
        groups = groups.cast(pa.schema([SCORED_SCHEMA.field(c) for c in GROUP_COLUMNS]))
        numbered = pa.table(
            {
                "group_id": pa.array(range(groups.num_rows), pa.int64()),
                **{c: groups.column(c) for c in GROUP_COLUMNS},
            }
        )
        scored = score_groups(matcher, numbered)
        if not scored.num_rows:
            continue
        of_group = scored.column("group_id")
        columns = [groups.column(c).take(of_group) for c in GROUP_COLUMNS]
        columns += [scored.column(c) for c in _CANDIDATE]
        columns += [scored.column("season"), scored.column("episode"), scored.column("air_date")]
        yield from pa.Table.from_arrays(columns, schema=SCORED_SCHEMA).to_batches()


def matching_steps() -> tuple[Step | MapStep, ...]:
    """match_input -> match_groups -> scored_groups (Python) -> fresh_matches -> timing_ties
    -> release_matches (the stored matches of releases that came parsed, plus the fresh)."""
    decided = f"""
SELECT f.release_id, f.title_id,
       CASE WHEN t.release_id IS NULL THEN f.status ELSE 'matched' END AS status,
       CASE WHEN t.release_id IS NULL THEN f.score ELSE {TIMING_SCORE!r} END AS score,
       CASE WHEN t.release_id IS NULL THEN f.reason ELSE {DECIDED_REASON_SQL} END AS reason,
       f.season, f.episode, f.air_date
FROM fresh_matches f
LEFT JOIN (SELECT DISTINCT release_id FROM timing_ties) d ON d.release_id = f.release_id
LEFT JOIN timing_ties t ON t.release_id = f.release_id AND t.title_id = f.title_id
WHERE d.release_id IS NULL OR t.release_id IS NOT NULL"""
    kept = f"""
SELECT {", ".join(f"m.{c.strip()}" for c in _MATCH_COLUMNS.split(","))}
FROM {STORED_MATCHES} m LEFT JOIN {UNPARSED} u ON u.release_id = m.release_id
WHERE u.release_id IS NULL"""
    return (
        Step("match_input", (), match_input_sql(f"JOIN {UNPARSED} USING (release_id)")),
        Step(
            "match_groups",
            ("match_input",),
            f"SELECT DISTINCT {', '.join(GROUP_COLUMNS)} FROM match_input",
        ),
        MapStep(
            "scored_groups",
            ("match_groups",),
            "match_groups",
            SCORED_SCHEMA,
            score_batches,
            read_catalog,
        ),
        Step(
            "fresh_matches",
            ("match_input", "scored_groups"),
            f"""SELECT i.release_id, s.title_id, s.status, s.score, s.reason,
       s.match_season AS season, s.match_episode AS episode, s.air_date
FROM match_input i JOIN scored_groups s ON {group_join_sql("i", "s")}""",
        ),
        Step("release_state", (), rules.release_state_view_sql()),
        Step(
            "timing_ties",
            ("fresh_matches", "match_input", "release_state"),
            timing_decisions_sql("fresh_matches", "match_input", "release_state"),
        ),
        Step("release_matches", ("fresh_matches", "timing_ties"), f"{kept}\nUNION ALL{decided}"),
    )
