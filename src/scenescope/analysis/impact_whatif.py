"""What removing a family would do, estimated before the operation from data up to `as_of`.

From the `weeks` weeks before `as_of` only: the targeted groups' share of all pres, of race
wins (first in a title x format race) and of retail-disc leaks (pred before the physical
street date); the formats nobody else released in that time (the gap others would have to
fill), and the share of lower-tier sightings that copy their releases, per tier. Each share
carries a 90% interval from a bootstrap over the weeks (a week is the unit that varies).
`predicted_direct_share` is the share of pres: what the removal alone would take away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis.base import Estimator
from scenescope.engine import Engine

BOOTSTRAP = 2000


@dataclass(frozen=True, slots=True)
class WhatIfParams:
    groups: tuple[str, ...]
    as_of: dt.date
    weeks: int = 8
    horizon_weeks: int = 8  # how far ahead the prediction is meant (for scoring)
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Share:
    value: float | None
    lower: float | None
    upper: float | None
    hits: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "value": r(self.value),
            "lower": r(self.lower),
            "upper": r(self.upper),
            "targeted": self.hits,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class WhatIfResult:
    params: WhatIfParams
    pres: Share
    race_wins: Share
    retail_leaks: Share
    gap_formats: tuple[tuple[str, int], ...]  # formats only the targeted groups released
    tiers: tuple[tuple[str, Share], ...]

    @property
    def predicted_direct_share(self) -> float | None:
        return self.pres.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": "what-if",
            "groups": list(self.params.groups),
            "as_of": self.params.as_of.isoformat(),
            "weeks": self.params.weeks,
            "predicted_direct_share": None
            if self.pres.value is None
            else round(self.pres.value, 4),
            "pres": self.pres.to_dict(),
            "race_wins": self.race_wins.to_dict(),
            "retail_leaks": self.retail_leaks.to_dict(),
            "gap_formats": [{"format": f, "releases": n} for f, n in self.gap_formats],
            "tiers": {t: s.to_dict() for t, s in self.tiers},
        }


def weekly_share(weeks: list[tuple[int, int]], seed: int) -> Share:
    """Pooled share of (hits, total) over weeks, with a bootstrap-over-weeks 90% interval."""
    hits = sum(h for h, _ in weeks)
    total = sum(t for _, t in weeks)
    if total == 0:
        return Share(None, None, None, 0, 0)
    arr = np.array(weeks, dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(arr), size=(BOOTSTRAP, len(arr)))
    sums = arr[picks].sum(axis=1)
    valid = sums[:, 1] > 0
    ratios = sums[valid, 0] / sums[valid, 1]
    low, high = np.percentile(ratios, [5, 95]) if len(ratios) else (None, None)
    return Share(
        hits / total,
        float(low) if low is not None else None,
        float(high) if high is not None else None,
        hits,
        total,
    )


class WhatIf(Estimator[WhatIfParams, WhatIfResult]):
    name: ClassVar[str] = "impact-what-if"

    def default_params(self) -> WhatIfParams:
        raise ValueError("what-if needs the groups and an as-of date")

    def fit(self, engine: Engine, params: WhatIfParams | None = None) -> WhatIfResult:
        if params is None:
            params = self.default_params()
        keys = sorted({g.lower() for g in params.groups})
        if not keys:
            raise ValueError("what-if needs the groups to remove (--groups or --family)")
        stop = dt.datetime(params.as_of.year, params.as_of.month, params.as_of.day, tzinfo=dt.UTC)
        start = stop - dt.timedelta(weeks=params.weeks)
        week_of = "CAST(floor(epoch(pre_at - ?::TIMESTAMPTZ) / 604800) AS INTEGER)"

        def weekly(sql: str, extra: list[Any] | None = None) -> list[tuple[int, int]]:
            rows = dict(
                (int(w), (int(h), int(t)))
                for w, h, t in engine.rows(sql, [start, keys, start, stop, *(extra or [])])
            )
            return [rows.get(w, (0, 0)) for w in range(params.weeks)]

        daily = engine.relation("daily_pres")
        pres = weekly(
            f"""SELECT CAST(floor(epoch(CAST(day AS TIMESTAMPTZ) - ?::TIMESTAMPTZ) / 604800)
                       AS INTEGER) AS w,
                   sum(n) FILTER (WHERE list_contains(?::VARCHAR[], group_key)), sum(n)
            FROM {daily} WHERE day >= CAST(? AS DATE) AND day < CAST(? AS DATE) GROUP BY 1"""
        )
        races = engine.relation("race_entries")
        wins = weekly(
            f"""SELECT {week_of} AS w,
                   count(*) FILTER (WHERE list_contains(?::VARCHAR[], group_key)), count(*)
            FROM {races} WHERE place = 1 AND pre_at >= ? AND pre_at < ? GROUP BY 1"""
        )
        leads = engine.relation("release_leads")
        leaks = weekly(
            f"""SELECT {week_of} AS w,
                   count(*) FILTER (WHERE list_contains(?::VARCHAR[], group_key)), count(*)
            FROM {leads} WHERE source_class = 'retail-disc' AND lead_days > 0
              AND pre_at >= ? AND pre_at < ? GROUP BY 1"""
        )
        grouped = engine.relation("group_releases")
        gap = engine.rows(
            f"""SELECT format_key, count(*) FROM {grouped}
            WHERE pre_at >= ? AND pre_at < ? GROUP BY format_key
            HAVING bool_and(list_contains(?::VARCHAR[], group_key)) ORDER BY 2 DESC, 1""",
            [start, stop, keys],
        )
        tiers: list[tuple[str, Share]] = []
        lags = engine.relation("sighting_lags")
        for tier in engine.rows(f"SELECT DISTINCT tier FROM {lags} ORDER BY 1"):
            per = weekly(
                f"""SELECT {week_of} AS w,
                       count(*) FILTER (WHERE list_contains(?::VARCHAR[], group_key)), count(*)
                FROM {lags} WHERE pre_at >= ? AND pre_at < ? AND tier = ? GROUP BY 1""",
                [tier[0]],
            )
            tiers.append((str(tier[0]), weekly_share(per, params.seed)))
        return WhatIfResult(
            params=params,
            pres=weekly_share(pres, params.seed),
            race_wins=weekly_share(wins, params.seed),
            retail_leaks=weekly_share(leaks, params.seed),
            gap_formats=tuple((str(f), int(n)) for f, n in gap),
            tiers=tuple(tiers),
        )
