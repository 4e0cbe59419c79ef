"""Down the pyramid: how fast releases reach P2P, Usenet, DDL, streaming and IPTV.

- `Propagation().fit(engine, PropagationParams(...))`: per group (or all), tier and source
  class, over matched releases: how many, the share seen on the tier, the median and p90 lag
  from the pre to the first sighting (hours), the share never seen — and, for each event date
  given, the same before and after it. All aggregation runs in the database (`sighting_lags`).
- `tier_reach(engine, event)`: the "shortage of new titles" measured: for titles whose first
  pre falls in the weeks before vs after an event, the share reaching each tier within 1, 7
  and 30 days of that pre (Wilson 90% intervals) and the median lag from the pre and from the
  title's official date. Titles whose 30 days are not yet over at the end of the data are left
  out, so late titles do not look unreached.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from scenescope.analysis.base import Estimator
from scenescope.engine import Engine

TIERS: tuple[str, ...] = ("p2p", "usenet", "ddl", "streaming", "iptv")
REACH_DAYS: tuple[int, ...] = (1, 7, 30)
Z90 = 1.6448536269514722


def wilson(hits: int, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval for a share."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class PropagationParams:
    group: str | None = None
    tier: str | None = None
    source_class: str | None = None
    by_group: bool = False  # one row per group (else all groups together)
    by_source_class: bool = True  # one row per source class (else 'all')
    events: tuple[dt.date, ...] = ()
    window_weeks: int = 8  # before / after each event


@dataclass(frozen=True, slots=True)
class PropagationRow:
    tier: str
    source_class: str
    group: str | None
    period: str  # all, or before:DATE / after:DATE
    releases: int
    seen: int
    median_lag_hours: float | None
    p90_lag_hours: float | None

    @property
    def never_seen_share(self) -> float | None:
        return 1 - self.seen / self.releases if self.releases else None

    def to_dict(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 3)

        return {
            "tier": self.tier,
            "source_class": self.source_class,
            "group": self.group,
            "period": self.period,
            "releases": self.releases,
            "seen": self.seen,
            "never_seen_share": r(self.never_seen_share),
            "median_lag_hours": r(self.median_lag_hours),
            "p90_lag_hours": r(self.p90_lag_hours),
        }


@dataclass(frozen=True, slots=True)
class PropagationResult:
    params: PropagationParams
    rows: tuple[PropagationRow, ...]
    sightings_linked: int

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [r.to_dict() for r in self.rows], "sightings_linked": self.sightings_linked}


class Propagation(Estimator[PropagationParams, PropagationResult]):
    name: ClassVar[str] = "propagation"

    def default_params(self) -> PropagationParams:
        return PropagationParams()

    def fit(self, engine: Engine, params: PropagationParams | None = None) -> PropagationResult:
        params = params or self.default_params()
        lags = engine.relation("sighting_lags")
        releases = engine.relation("group_releases")
        names = engine.relation("group_names")
        periods: list[tuple[str, dt.datetime | None, dt.datetime | None]] = [("all", None, None)]
        for event in params.events:
            at = dt.datetime(event.year, event.month, event.day, tzinfo=dt.UTC)
            span = dt.timedelta(weeks=params.window_weeks)
            periods.append((f"before:{event.isoformat()}", at - span, at))
            periods.append(
                (
                    f"after:{event.isoformat()}",
                    at + dt.timedelta(days=1),
                    at + dt.timedelta(days=1) + span,
                )
            )
        group_col = "n.group_name" if params.by_group or params.group else "NULL"
        class_col = "p.source_class" if params.by_source_class else "'all'"
        rows: list[PropagationRow] = []
        tiers = [params.tier] if params.tier else list(TIERS)
        for label, start, stop in periods:
            found = engine.rows(
                f"""
                WITH population AS (
                  SELECT g.release_id, g.group_key, g.source_class FROM {releases} g
                  WHERE g.title_id IS NOT NULL
                    AND (?::VARCHAR IS NULL OR g.group_key = lower(?))
                    AND (?::VARCHAR IS NULL OR g.source_class = ?)
                    AND (?::TIMESTAMPTZ IS NULL OR g.pre_at >= ?)
                    AND (?::TIMESTAMPTZ IS NULL OR g.pre_at < ?)
                ), tiers AS (SELECT unnest(?::VARCHAR[]) AS tier)
                SELECT t.tier, {class_col} AS source_class, {group_col} AS grp,
                       count(*) AS releases,
                       count(l.lag_hours) AS seen,
                       quantile_cont(l.lag_hours, 0.5) AS median,
                       quantile_cont(l.lag_hours, 0.9) AS p90
                FROM population p CROSS JOIN tiers t
                LEFT JOIN {lags} l ON l.release_id = p.release_id AND l.tier = t.tier
                LEFT JOIN {names} n ON n.group_key = p.group_key
                GROUP BY ALL ORDER BY 1, 2, 3
                """,
                [
                    params.group,
                    params.group,
                    params.source_class,
                    params.source_class,
                    start,
                    start,
                    stop,
                    stop,
                    tiers,
                ],
            )
            rows.extend(
                PropagationRow(str(t), str(sc), g, label, int(n), int(seen), med, p90)
                for t, sc, g, n, seen, med, p90 in found
            )
        linked = engine.scalar(f"SELECT count(*) FROM {lags}") or 0
        return PropagationResult(params, tuple(rows), int(linked))


@dataclass(frozen=True, slots=True)
class TierReach:
    tier: str
    period: str  # before / after
    titles: int
    reached: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # days → share
    median_lag_hours: float | None = None
    median_days_from_official: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "period": self.period,
            "titles": self.titles,
            **{f"reach_{d}d": [round(v, 4) for v in self.reached[d]] for d in sorted(self.reached)},
            "median_lag_hours": None
            if self.median_lag_hours is None
            else round(self.median_lag_hours, 2),
            "median_days_from_official": None
            if self.median_days_from_official is None
            else round(self.median_days_from_official, 2),
        }


def tier_reach(engine: Engine, event: dt.date, *, weeks: int = 8) -> list[TierReach]:
    """New titles before vs after `event`: reach per tier within 1 / 7 / 30 days of the pre."""
    if not engine.has_table("sightings") or not engine.scalar("SELECT count(*) FROM sightings"):
        return []
    releases = engine.relation("group_releases")
    at = dt.datetime(event.year, event.month, event.day, tzinfo=dt.UTC)
    span = dt.timedelta(weeks=weeks)
    horizon = dt.timedelta(days=max(REACH_DAYS))
    reach_cols = ", ".join(
        f"count(*) FILTER (WHERE s.first_seen <= t.first_pre + INTERVAL {d} DAY) AS r{d}"
        for d in REACH_DAYS
    )
    rows = engine.rows(
        f"""
        WITH titles AS (
          SELECT title_id, min(pre_at) AS first_pre FROM {releases}
          WHERE title_id IS NOT NULL GROUP BY title_id
        ), last_data AS (SELECT max(pre_at) AS at FROM {releases}),
        chosen AS (
          SELECT t.*, CASE WHEN t.first_pre < ? THEN 'before' ELSE 'after' END AS period
          FROM titles t, last_data
          WHERE t.first_pre >= ? AND t.first_pre < ?
            AND (t.first_pre < ? OR t.first_pre >= ?)
            AND t.first_pre + ? <= last_data.at
        ), matched AS (
          SELECT release_id, any_value(title_id) AS title_id FROM release_matches
          WHERE status = 'matched' GROUP BY release_id
        ), seen AS (  -- a sighting's own title link, else its release's match
          SELECT coalesce(s.title_id, m.title_id) AS title_id, s.tier,
                 min(s.seen_at) AS first_seen
          FROM sightings s LEFT JOIN matched m USING (release_id)
          WHERE coalesce(s.lag_ok, true) AND coalesce(s.title_id, m.title_id) IS NOT NULL
          GROUP BY 1, 2
        ), official AS (
          SELECT title_id, min(date) AS official FROM catalog_release_dates GROUP BY 1
        ), tiers AS (SELECT unnest(?::VARCHAR[]) AS tier)
        SELECT t.period, tr.tier, count(*) AS titles, {reach_cols},
               quantile_cont(epoch(s.first_seen - t.first_pre) / 3600.0, 0.5)
                 FILTER (WHERE s.first_seen >= t.first_pre) AS median_lag,
               quantile_cont(epoch(s.first_seen - CAST(o.official AS TIMESTAMPTZ)) / 86400.0, 0.5)
                 AS from_official
        FROM chosen t CROSS JOIN tiers tr
        LEFT JOIN seen s ON s.title_id = t.title_id AND s.tier = tr.tier
        LEFT JOIN official o ON o.title_id = t.title_id
        GROUP BY ALL ORDER BY tr.tier, t.period DESC
        """,
        [
            at,
            at - span,
            at + dt.timedelta(days=1) + span,
            at,
            at + dt.timedelta(days=1),
            horizon,
            list(TIERS),
        ],
    )
    out = []
    for period, tier, titles, *rest in rows:
        counts, median_lag, from_official = rest[: len(REACH_DAYS)], rest[-2], rest[-1]
        reached = {
            d: (c / titles, *wilson(int(c), int(titles)))
            for d, c in zip(REACH_DAYS, counts, strict=True)
        }
        out.append(
            TierReach(str(tier), str(period), int(titles), reached, median_lag, from_official)
        )
    return out
