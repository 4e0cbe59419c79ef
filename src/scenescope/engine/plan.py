"""The batch analyses as one plan for two engines: each step is the store's own relation SQL
(engine/relations.py, engine/series.py, built from engine/rules.py) or an aggregate written once
in DuckDB's dialect, made portable by a few rewrites and transpiled by sqlglot for Spark; the
catalog matcher's scoring is a Python batch step both engines map (engine/matching.py).

Portable rewrites (applied for both engines, so both run the same query): DuckDB's `hash(...)`
keys become readable string keys (the hash functions of the engines differ); `epoch(...)` is
microsecond-exact in both; `timezone('UTC', x)` is `x` (both sessions run in UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pyarrow as pa
import sqlglot
from sqlglot import exp

from scenescope.catalog.match_run import CANDIDATE_COLUMNS
from scenescope.engine.core import Engine, registered_relations

# the release columns the plan reads (the parser fills the parsed ones for names not yet parsed)
RELEASE_COLUMNS: tuple[str, ...] = (
    "release_id",
    "name",
    "group_name",
    "group_key",
    "title",
    "year",
    "kind",
    "season",
    "episodes",
    "date",
    "absolute_episode",
    "source",
    "streaming_service",
    "resolution",
    "video_codec",
    "languages",
    "flags",
    "category",
)
# what each input table contributes (only these columns are read from Parquet)
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "releases": RELEASE_COLUMNS,
    "pre_reports": ("release_id", "feed", "pre_at", "trusted"),
    "nuke_events": ("release_id", "kind", "reason", "event_at"),
    "sightings": ("release_id", "tier", "seen_at", "lag_ok"),
    "catalog_titles": ("title_id", "kind", "title", "year", "original_title", "aliases", "studio"),
    "catalog_release_dates": ("title_id", "territory", "release_window", "date"),
    "catalog_episodes": ("title_id", "season", "episode", "territory", "air_date"),
    "release_matches": ("release_id", *CANDIDATE_COLUMNS),
}
# input tables read in under another name (the plan builds its own `release_matches`: the
# exported matches, and the fresh ones of the releases it parsed)
INPUT_NAMES: dict[str, str] = {"release_matches": "stored_matches"}
_KEY_SEPARATOR = "|"
_NULL_MARK = "~"


@dataclass(frozen=True, slots=True)
class Step:
    """One relation of the plan: its name, what it reads, and its SQL (DuckDB dialect)."""

    name: str
    depends: tuple[str, ...]
    sql: str


@dataclass(frozen=True, slots=True)
class Analysis:
    """An analysis the CLI names: the steps it writes out, each with its sort key (results are
    compared and written in that order)."""

    name: str
    outputs: dict[str, tuple[str, ...]]
    doc: str


class _Names:
    """What a relation builder asks of an engine, answered for a plan: each relation is a view
    of its own name, and every input table exists (an export writes every table it has)."""

    def built(self, name: str) -> str:
        return name

    def has_table(self, name: str) -> bool:
        return True


BatchFunction = Callable[[Any, Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]
Query = Callable[[str], pa.Table]


@dataclass(frozen=True, slots=True)
class MapStep:
    """A step computed in Python: `function(payload, batches)` over the Arrow batches of
    `source`, yielding rows of `schema` (Spark maps it over partitions, DuckDB over one
    stream). `payload(query)` gathers what the function needs (small: e.g. the catalog)
    through the engine, once, on the driver."""

    name: str
    depends: tuple[str, ...]
    source: str
    schema: pa.Schema
    function: BatchFunction
    payload: Callable[[Query], Any]


# store tables that in the plan are steps of their own (a relation reading one depends on it)
_PLAN_BUILT = ("release_matches",)


def _store_step(name: str) -> Step:
    rel = registered_relations()[name]
    sql = rel.build(cast(Engine, _Names()))
    reads = {table.name for table in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Table)}
    built = tuple(t for t in _PLAN_BUILT if t in reads and t not in rel.depends)
    return Step(name, (*rel.depends, *built), sql)


# aggregates on top of the store's relations, each written once (DuckDB dialect)
AGGREGATES: tuple[Step, ...] = (
    Step(
        "tier_lags",
        ("sighting_lags",),
        """SELECT tier, count(*)::BIGINT AS releases, median(lag_hours) AS median_lag_hours,
       avg(lag_hours) AS mean_lag_hours, max(lag_hours) AS max_lag_hours
FROM sighting_lags GROUP BY tier""",
    ),
    Step(
        "daily_totals",
        ("daily_pres",),
        "SELECT day, category, sum(n)::BIGINT AS n FROM daily_pres GROUP BY day, category",
    ),
    Step(
        "group_profiles",
        ("group_releases", "race_entries"),
        """WITH releases AS (
  SELECT group_key, count(*)::BIGINT AS releases,
         count(*) FILTER (WHERE status = 'nuked')::BIGINT AS nuked,
         count(*) FILTER (WHERE is_proper)::BIGINT AS propers,
         min(pre_at) AS first_pre_at, max(pre_at) AS last_pre_at,
         count(DISTINCT source_class)::BIGINT AS source_classes
  FROM group_releases GROUP BY group_key
), races AS (
  SELECT group_key, count(*)::BIGINT AS races,
         count(*) FILTER (WHERE place = 1 AND entrants > 1)::BIGINT AS wins,
         count(*) FILTER (WHERE entrants > 1)::BIGINT AS contested,
         avg(behind_winner_s) FILTER (WHERE place > 1) AS mean_behind_winner_s
  FROM race_entries GROUP BY group_key
)
SELECT r.group_key, r.releases, r.nuked, r.propers, r.first_pre_at, r.last_pre_at,
       r.source_classes, coalesce(x.races, 0) AS races, coalesce(x.wins, 0) AS wins,
       coalesce(x.contested, 0) AS contested, x.mean_behind_winner_s
FROM releases r LEFT JOIN races x USING (group_key)""",
    ),
    Step(
        "leak_summary",
        ("release_leads",),
        """SELECT source_class, official_window, count(*)::BIGINT AS releases,
       count(*) FILTER (WHERE lead_days > 0)::BIGINT AS leaked,
       median(lead_days) FILTER (WHERE lead_days > 0) AS median_lead_days,
       max(lead_days) AS max_lead_days
FROM release_leads WHERE official_window IS NOT NULL
GROUP BY source_class, official_window""",
    ),
)

ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis(
            "match",
            {"release_matches": ("release_id", "title_id")},
            "each release's catalog candidates (the exported ones, and the plan's own for the"
            " names it parsed)",
        ),
        Analysis(
            "impact",
            {
                "daily_pres": ("day", "category", "group_key", "source_class"),
                "daily_totals": ("day", "category"),
            },
            "pres per UTC day x category x group x source class (the impact series)",
        ),
        Analysis(
            "propagation",
            {"sighting_lags": ("release_id", "tier"), "tier_lags": ("tier",)},
            "first sighting per release and tier after its pre, and the lag per tier",
        ),
        Analysis(
            "race",
            {
                "race_entries": ("title_key", "format_key", "group_key"),
                "group_profiles": ("group_key",),
            },
            "race entries (place, margin) and each group's profile aggregates",
        ),
        Analysis(
            "leaks",
            {"release_leads": ("release_id",), "leak_summary": ("source_class", "official_window")},
            "every matched release's official date and lead, and leaks per source class",
        ),
    )
}


def steps() -> dict[str, Step | MapStep]:
    """Every step of the plan by name: matching, the store's relations, then the aggregates."""
    from scenescope.engine.matching import matching_steps

    out: dict[str, Step | MapStep] = {step.name: step for step in matching_steps()}
    out |= {
        name: _store_step(name)
        for name in (
            "group_releases",
            "race_entries",
            "release_leads",
            "daily_pres",
            "sighting_lags",
        )
    }
    out.update({step.name: step for step in AGGREGATES})
    return out


def order(names: list[str]) -> list[Step | MapStep]:
    """The steps the outputs `names` need, dependencies first."""
    every = steps()
    seen: dict[str, Step | MapStep] = {}

    def visit(name: str) -> None:
        if name in seen:
            return
        for dependency in every[name].depends:
            visit(dependency)
        seen[name] = every[name]

    for name in names:
        visit(name)
    return list(seen.values())


def outputs_of(analyses: list[str]) -> dict[str, tuple[str, ...]]:
    """Output relation -> sort key, for the named analyses (all when empty)."""
    unknown = [a for a in analyses if a not in ANALYSES]
    if unknown:
        raise KeyError(f"unknown analysis {unknown[0]!r}; known: {', '.join(ANALYSES)}")
    out: dict[str, tuple[str, ...]] = {}
    for name in analyses or list(ANALYSES):
        out.update(ANALYSES[name].outputs)
    return out


# --- portable rewrites ---------------------------------------------------------------------


def _as_text(node: exp.Expression) -> exp.Expression:
    text = exp.cast(node.copy(), exp.DataType.build("varchar"))
    return cast(exp.Expression, exp.func("coalesce", text, exp.Literal.string(_NULL_MARK)))


def _micros(node: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this="epoch_us", expressions=[node])


def _seconds(node: exp.Expression) -> exp.Expression:
    return exp.Div(
        this=exp.paren(_micros(node.copy())),
        expression=exp.Literal.number("1000000.0"),
    )


def _portable(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        parts = [_as_text(arg) for arg in node.expressions]
        return cast(
            exp.Expression, exp.func("concat_ws", exp.Literal.string(_KEY_SEPARATOR), *parts)
        )
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone":
        return node.expressions[1].copy()
    if isinstance(node, exp.TimeToUnix):
        inner = node.this
        if isinstance(inner, exp.Sub):  # epoch(a - b): the seconds between two timestamps
            return exp.paren(
                exp.Sub(this=_seconds(inner.this), expression=_seconds(inner.expression))
            )
        return _seconds(inner)
    return node


def _spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
        return exp.Anonymous(this="unix_micros", expressions=[e.copy() for e in node.expressions])
    if isinstance(node, exp.Literal) and not node.is_string and "." in node.this:
        # Spark reads 3600.0 as a DECIMAL; DuckDB's arithmetic on it is DOUBLE
        return exp.cast(node.copy(), exp.DataType.build("double"))
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        # `list[i]`: DuckDB gives NULL past the end, Spark's ANSI subscript fails; `get` is
        # Spark's NULL-past-the-end subscript (0-based, as sqlglot holds the index)
        return exp.Anonymous(this="get", expressions=[node.this.copy(), node.expressions[0].copy()])
    if isinstance(node, exp.Tuple) and isinstance(node.parent, exp.ArgMin | exp.ArgMax):
        return cast(exp.Expression, exp.func("struct", *[e.copy() for e in node.expressions]))
    return node


_DIALECT_REWRITES: dict[str, Callable[[exp.Expression], exp.Expression]] = {"spark": _spark}


def render(sql: str, dialect: str) -> str:
    """`sql` (DuckDB dialect) made portable and written for `dialect` ('duckdb' or 'spark')."""
    tree = sqlglot.parse_one(sql, read="duckdb").transform(_portable)
    rewrite = _DIALECT_REWRITES.get(dialect)
    if rewrite is not None:
        tree = tree.transform(rewrite)
    return tree.sql(dialect=dialect)
