"""Did an enforcement operation work, for how long, and who filled the gap.

`Impact().fit(engine, ImpactParams(event=date, groups=(...)))` models the daily pre series
before the event (analysis/counterfactual.py) and compares what followed with what would have
been: per week the observed count, the expected one and its 90% interval, the absolute and
relative effect; the cumulative missing pres; the largest drop; the days until the volume is
back to 50% and 90% of the counterfactual. The targeted groups' loss (the removal) and
everyone else's (the chill) are modelled as two series, each with its interval. Displacement,
the return of the targeted groups and the lower tiers come from `impact_effects` and
`propagation`. No other Scene category is used as a control series (a chill hits them all);
`controls` in the result says so.

Definitions: day 0 is the event's UTC day; week k ≥ 1 is days 7(k−1)+1 … 7k after it (the
event day itself is in neither the fit nor a week). Recovery to x: the first day d ≥ 7 after
the event whose trailing 7-day observed sum is at least x times the expected one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis.base import Estimator
from scenescope.analysis.counterfactual import Counterfactual, fit_counterfactual
from scenescope.analysis.impact_effects import (
    CategoryChange,
    Displacement,
    GroupReturn,
    category_changes,
    displacement,
    group_returns,
)
from scenescope.analysis.impact_series import (
    DEFAULT_HOLIDAY_COUNTRIES,
    DailySeries,
    holiday_flags,
    load_daily,
)
from scenescope.analysis.propagation import TierReach, tier_reach
from scenescope.engine import Engine

RECOVERY_WINDOW = 7


@dataclass(frozen=True, slots=True)
class ImpactParams:
    event: dt.date
    groups: tuple[str, ...] = ()  # the targeted groups (a family's members)
    name: str | None = None  # what the event is called in reports
    categories: tuple[str, ...] = ()  # restrict the series (prefixes: TV, X264 ...)
    baseline_weeks: int = 26
    # earlier events: their aftermath (`settle_weeks` from each) is left out of the fit, and the
    # baseline reaches further back to keep `baseline_weeks` of undisturbed days
    prior_events: tuple[dt.date, ...] = ()
    settle_weeks: int = 26
    horizon_weeks: int = 26
    holiday_countries: tuple[str, ...] = DEFAULT_HOLIDAY_COUNTRIES
    level: float = 0.9
    repetitions: int = 1000
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ImpactWeek:
    week: int
    week_start: dt.date
    observed: int
    expected: float
    lower: float
    upper: float
    targeted_observed: int
    others_observed: int

    @property
    def effect(self) -> float:
        return self.observed - self.expected

    @property
    def relative(self) -> float | None:
        return self.effect / self.expected if self.expected > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "week_start": self.week_start.isoformat(),
            "observed": self.observed,
            "expected": round(self.expected, 1),
            "lower": round(self.lower, 1),
            "upper": round(self.upper, 1),
            "effect": round(self.effect, 1),
            "relative_effect": None if self.relative is None else round(self.relative, 4),
            "targeted_observed": self.targeted_observed,
            "others_observed": self.others_observed,
        }


@dataclass(frozen=True, slots=True)
class Estimate:
    """A figure with its interval."""

    value: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, float]:
        return {
            "value": round(self.value, 1),
            "lower": round(self.lower, 1),
            "upper": round(self.upper, 1),
        }


@dataclass(frozen=True, slots=True)
class ImpactResult:
    params: ImpactParams
    baseline: tuple[dt.date, dt.date]
    weeks: tuple[ImpactWeek, ...]
    missing: Estimate  # cumulative missing pres over the reported weeks
    direct_lost: Estimate  # the targeted groups' missing pres (the removal)
    chill_lost: Estimate  # everyone else's missing pres (the chill)
    largest_drop_week: int | None
    largest_drop: float | None  # relative effect of that week (−0.71 = 71% below)
    recovery_50_days: int | None
    recovery_90_days: int | None
    displacement: Displacement
    returns: tuple[GroupReturn, ...]
    tiers: tuple[TierReach, ...]
    categories: tuple[CategoryChange, ...]  # per section: before vs the first week after
    daily_observed: tuple[int, ...]  # from the baseline start to the end of the last week
    daily_expected: tuple[float, ...]  # from the event day (index 0) on
    controls: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def direct_share(self) -> float | None:
        total = self.direct_lost.value + self.chill_lost.value
        return self.direct_lost.value / total if total > 0 else None

    def summary(self) -> dict[str, Any]:
        """The summary row (`--json` prints it after the weekly rows)."""
        share = self.direct_share
        return {
            "row": "summary",
            "event": self.params.event.isoformat(),
            "name": self.params.name,
            "targeted_groups": list(self.params.groups),
            "categories": list(self.params.categories) or None,
            "baseline_start": self.baseline[0].isoformat(),
            "baseline_end": self.baseline[1].isoformat(),
            "weeks": len(self.weeks),
            "missing": self.missing.to_dict(),
            "direct_lost": round(self.direct_lost.value, 1),
            "direct_lost_interval": [
                round(self.direct_lost.lower, 1),
                round(self.direct_lost.upper, 1),
            ],
            "chill_lost": round(self.chill_lost.value, 1),
            "chill_lost_interval": [
                round(self.chill_lost.lower, 1),
                round(self.chill_lost.upper, 1),
            ],
            "direct_share": None if share is None else round(share, 4),
            "largest_drop_week": self.largest_drop_week,
            "largest_drop": None if self.largest_drop is None else round(self.largest_drop, 4),
            "recovery_50_days": self.recovery_50_days,
            "recovery_90_days": self.recovery_90_days,
            "gainers": [g.to_dict() for g in self.displacement.gainers],
            "new_groups": list(self.displacement.new_groups),
            "hhi_before": round(self.displacement.hhi_before, 4),
            "hhi_after": round(self.displacement.hhi_after, 4),
            "returns": [r.to_dict() for r in self.returns],
            "tiers": [t.to_dict() for t in self.tiers],
            "categories_week1": [c.to_dict() for c in self.categories],
            "controls": list(self.controls),
            "method": (
                "local-level structural time series with a weekly pattern and holidays, fitted "
                f"on the {self.params.baseline_weeks} weeks before the event on log counts, "
                f"{self.params.repetitions} simulated paths, {self.params.level:.0%} intervals; "
                "no control series (a scene-wide chill leaves no clean control)"
            ),
            "notes": list(self.notes),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"weeks": [w.to_dict() for w in self.weeks], "summary": self.summary()}


class Impact(Estimator[ImpactParams, ImpactResult]):
    """The effect of one event on the pre volume, its split, its aftermath."""

    name: ClassVar[str] = "impact"

    def default_params(self) -> ImpactParams:
        raise ValueError("impact needs an event date (ImpactParams(event=...))")

    def fit(self, engine: Engine, params: ImpactParams | None = None) -> ImpactResult:
        if params is None:
            params = self.default_params()
        series = load_daily(engine, groups=params.groups, categories=params.categories)
        event = series.index(params.event)
        notes: list[str] = []
        if event <= 0 or event >= series.days:
            raise ValueError(
                f"event {params.event} is outside the store's pres "
                f"({series.start} … {series.date(series.days - 1)})"
            )
        disturbed = np.zeros(series.days, dtype=bool)
        for prior in params.prior_events:
            if prior >= params.event:
                raise ValueError(f"prior event {prior} is not before the event {params.event}")
            at = series.index(prior)
            disturbed[max(0, at) : max(0, min(event, at + 1 + 7 * params.settle_weeks))] = True
        clean_days = np.flatnonzero(~disturbed[:event])
        wanted = 7 * params.baseline_weeks
        first = int(clean_days[-wanted]) if len(clean_days) >= wanted else 0
        if len(clean_days) < wanted:
            notes.append(f"only {len(clean_days)} undisturbed days of baseline before the event")
        if disturbed[first:event].any():
            notes.append(
                f"{int(disturbed[first:event].sum())} baseline days after earlier events "
                "left out of the fit"
            )
        weeks_available = (series.days - event - 1) // 7
        n_weeks = max(0, min(params.horizon_weeks, weeks_available))
        stop = event + 1 + 7 * n_weeks  # one past the last day reported
        holidays = holiday_flags(series.start, stop, params.holiday_countries)

        def model(values: np.ndarray, seed_offset: int) -> Counterfactual:
            history = np.where(disturbed[first:event], np.nan, values[first:event])
            return fit_counterfactual(
                history,
                holidays[first:event],
                holidays[event:stop],
                level=params.level,
                repetitions=params.repetitions,
                seed=params.seed + seed_offset,
            )

        total = model(series.total, 0)
        weeks = _weeks(series, total, event, n_weeks)
        post = slice(1, 1 + 7 * n_weeks)  # counterfactual index: 0 = event day
        missing = Estimate(*total.missing(series.total[event:stop], post.start, post.stop))
        if params.groups and np.nansum(series.targeted[first:event]) > 0:
            direct = Estimate(
                *model(series.targeted, 1).missing(series.targeted[event:stop], 1, post.stop)
            )
            chill = Estimate(
                *model(series.others, 2).missing(series.others[event:stop], 1, post.stop)
            )
        else:
            if params.groups:
                notes.append("the targeted groups have no pres in the baseline")
            direct = Estimate(0.0, 0.0, 0.0)
            chill = missing
        drop = min(weeks, key=lambda w: w.relative or 0.0, default=None)
        expected_daily = np.median(total.paths, axis=1)
        displaced = displacement(engine, params.event, params.groups, weeks=min(n_weeks, 8))
        return ImpactResult(
            params=params,
            baseline=(series.date(first), series.date(event - 1)),
            weeks=tuple(weeks),
            missing=missing,
            direct_lost=direct,
            chill_lost=chill,
            largest_drop_week=drop.week if drop else None,
            largest_drop=drop.relative if drop else None,
            recovery_50_days=recovery_days(series.total[event:stop], expected_daily, 0.5),
            recovery_90_days=recovery_days(series.total[event:stop], expected_daily, 0.9),
            displacement=displaced,
            returns=tuple(group_returns(engine, params.event, params.groups)),
            tiers=tuple(tier_reach(engine, params.event)),
            categories=tuple(category_changes(engine, params.event)),
            daily_observed=tuple(int(v) for v in series.total[first:stop]),
            daily_expected=tuple(round(float(v), 2) for v in expected_daily),
            controls=(),
            notes=tuple(notes),
        )


def _weeks(series: DailySeries, cf: Counterfactual, event: int, n_weeks: int) -> list[ImpactWeek]:
    out = []
    for week in range(1, n_weeks + 1):
        start = 1 + 7 * (week - 1)  # offset from the event day
        stop = start + 7
        low, high = cf.interval(start, stop)
        days = slice(event + start, event + stop)
        out.append(
            ImpactWeek(
                week=week,
                week_start=series.date(event + start),
                observed=int(series.total[days].sum()),
                expected=cf.expected(start, stop),
                lower=low,
                upper=high,
                targeted_observed=int(series.targeted[days].sum()),
                others_observed=int(series.others[days].sum()),
            )
        )
    return out


def recovery_days(observed: np.ndarray, expected: np.ndarray, share: float) -> int | None:
    """Days after the event (index 0) until the trailing 7-day observed sum first reaches
    `share` of the expected one; None if it never does in the series given."""
    n = min(len(observed), len(expected))
    for day in range(RECOVERY_WINDOW, n):
        seen = float(np.sum(observed[day - RECOVERY_WINDOW + 1 : day + 1]))
        want = float(np.sum(expected[day - RECOVERY_WINDOW + 1 : day + 1]))
        if want > 0 and seen >= share * want:
            return day
    return None
