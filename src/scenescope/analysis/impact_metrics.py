"""Impact, break detection, what-if and propagation scored against a world's truth.

The simulator knows, per week around its event, the pre counts of the same world without the
event (the counterfactual) and the actual ones, overall and per group; per day, both totals;
and the tier model's lag medians and reach probabilities.

- `ImpactMetric`: coverage (share of post-event weeks whose true counterfactual lies in the
  reported interval), median interval width relative to the expected count, the error of the
  direct (removal) share of the lost pres in points, whether the top displacement gainer is
  the true one (the most pres beyond its chilled counterfactual: `true_gainer`), recovery
  days.
- `DetectMetric`: the distance in days from the true event to the nearest detected break,
  and whether a world without an event reported none.
- `WhatIfMetric`: the predicted direct share vs the true share of the targeted groups in the
  counterfactual pres after the event.
- `PropagationMetric`: per tier, the measured median lag and seen share vs the tier model's.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from scenescope.analysis.base import Metric, Score
from scenescope.analysis.impact import ImpactResult, recovery_days
from scenescope.analysis.propagation import PropagationResult
from scenescope.world.truth_records import TrueEvent, WorldTruth

if TYPE_CHECKING:
    from scenescope.analysis.impact_detect import BreakResult
    from scenescope.analysis.impact_whatif import WhatIfResult

DISPLACEMENT_WEEKS = 8


def _event(truth: WorldTruth) -> TrueEvent | None:
    return next((e for e in truth.events if e.kind == "operation"), None)


def true_split(event: TrueEvent, weeks: int) -> tuple[float, float]:
    """(direct lost, chill lost) over post-event weeks 1..weeks."""
    removed = set(event.removed_groups)
    direct = total = 0.0
    for week in event.weeks:
        if 1 <= week.week <= weeks:
            total += week.counterfactual - week.actual
            direct += sum(cf - act for g, (cf, act) in week.groups.items() if g in removed)
    return direct, total - direct


def true_gainer(event: TrueEvent, weeks: int = DISPLACEMENT_WEEKS) -> str | None:
    """The group (not removed) with the most pres beyond its chilled counterfactual over the
    first `weeks` weeks: actual − r·counterfactual, r the week's actual/counterfactual ratio
    among the groups not removed (the chill every group shares)."""
    removed = set(event.removed_groups)
    excess: dict[str, float] = {}
    for week in event.weeks:
        if not 1 <= week.week <= weeks:
            continue
        rest = [(g, c, a) for g, (c, a) in week.groups.items() if g not in removed]
        total_cf = sum(c for _, c, _ in rest)
        if not total_cf:
            continue
        ratio = sum(a for _, _, a in rest) / total_cf
        for group, c, a in rest:
            excess[group] = excess.get(group, 0.0) + a - ratio * c
    return max(excess, key=lambda g: (excess[g], g)) if excess else None


def true_recovery(truth: WorldTruth, event: TrueEvent, share: float) -> int | None:
    days = [d for d in truth.daily_volume if d.date >= event.date]
    observed = np.array([d.actual for d in days], dtype=float)
    expected = np.array([d.counterfactual for d in days], dtype=float)
    return recovery_days(observed, expected, share)


class ImpactMetric(Metric[ImpactResult]):
    name: ClassVar[str] = "impact"

    def score(self, result: ImpactResult, truth: WorldTruth) -> Score:
        event = _event(truth)
        if event is None:
            return Score(self.name, {"coverage": None}, {"note": "the world has no event"})
        true_weeks = {w.week: w for w in event.weeks}
        covered, widths = [], []
        for week in result.weeks:
            known = true_weeks.get(week.week)
            if known is None:
                continue
            covered.append(week.lower <= known.counterfactual <= week.upper)
            if week.expected > 0:
                widths.append((week.upper - week.lower) / week.expected)
        n_weeks = len(result.weeks)
        direct, chill = true_split(event, n_weeks)
        share_true = direct / (direct + chill) if direct + chill > 0 else None
        share = result.direct_share
        gainer = true_gainer(event)
        top = [g.group for g in result.displacement.gainers]
        found = top[0] if top else None
        figures: dict[str, float | None] = {
            "coverage": sum(covered) / len(covered) if covered else None,
            "median_width": statistics.median(widths) if widths else None,
            "direct_share": share,
            "true_direct_share": share_true,
            "direct_share_error": abs(share - share_true)
            if share is not None and share_true is not None
            else None,
            "top_gainer_right": None if gainer is None else float(found == gainer),
            "true_gainer_in_top3": None if gainer is None else float(gainer in top[:3]),
        }
        details: dict[str, Any] = {"weeks": len(covered), "true_gainer": gainer, "gainer": found}
        for level, found_days in ((50, result.recovery_50_days), (90, result.recovery_90_days)):
            true_days = true_recovery(truth, event, level / 100)
            details[f"recovery_{level}_days"] = found_days
            details[f"true_recovery_{level}_days"] = true_days
        return Score(self.name, figures, details)


class DetectMetric(Metric["BreakResult"]):
    name: ClassVar[str] = "detect"

    def score(self, result: BreakResult, truth: WorldTruth) -> Score:
        event = _event(truth)
        dates = [b.date for b in result.breaks if b.size < 0]
        if event is None:
            return Score(self.name, {"false_breaks": float(len(dates)), "days_off": None})
        off = min((abs((d - event.date).days) for d in dates), default=None)
        return Score(
            self.name,
            {"days_off": None if off is None else float(off), "false_breaks": None},
            {"breaks": [d.isoformat() for d in dates], "event": event.date.isoformat()},
        )


class WhatIfMetric(Metric["WhatIfResult"]):
    name: ClassVar[str] = "what-if"

    def score(self, result: WhatIfResult, truth: WorldTruth) -> Score:
        event = _event(truth)
        if event is None:
            return Score(self.name, {"share_error": None})
        removed = set(event.removed_groups)
        cf = targeted = 0
        for week in event.weeks:
            if 1 <= week.week <= result.params.horizon_weeks:
                cf += week.counterfactual
                targeted += sum(c for g, (c, _) in week.groups.items() if g in removed)
        true_share = targeted / cf if cf else None
        predicted = result.predicted_direct_share
        return Score(
            self.name,
            {
                "predicted_direct_share": predicted,
                "true_direct_share": true_share,
                "share_error": abs(predicted - true_share)
                if predicted is not None and true_share is not None
                else None,
            },
        )


class PropagationMetric(Metric[PropagationResult]):
    """Per tier over all groups and source classes: score a result fitted with
    `PropagationParams(by_source_class=False)` (its rows with period 'all')."""

    name: ClassVar[str] = "propagation"

    def score(self, result: PropagationResult, truth: WorldTruth) -> Score:
        tiers_cfg = (truth.raw.get("config") or {}).get("tiers") or {}
        names = list(tiers_cfg.get("names") or [])
        per_tier: dict[str, dict[str, float | None]] = {}
        errors: list[float] = []
        factor = float(tiers_cfg.get("post_event_lag_factor", 1.0))
        first_event = _event(truth)
        event_date = first_event.date if first_event is not None else None
        for i, tier in enumerate(names):
            rows = [r for r in result.rows if r.tier == tier and r.period == "all"]
            releases = sum(r.releases for r in rows)
            seen = sum(r.seen for r in rows)
            if not rows or not seen:
                continue
            if len(rows) != 1:
                raise ValueError("score a propagation fitted with by_source_class=False")
            if event_date is not None and factor != 1.0:
                continue  # lags differ before and after: scored per side below
            measured = rows[0].median_lag_hours
            true_median = float(tiers_cfg["median_lag_minutes"][i]) / 60.0
            reach = float(tiers_cfg["reach_prob"][i])
            if tier in ("streaming", "iptv"):
                reach *= 1 - float(tiers_cfg.get("never_reach_share", 0.0))
            error = abs(measured - true_median) / true_median if measured is not None else None
            if error is not None:
                errors.append(error)
            per_tier[tier] = {
                "median_lag_hours": measured,
                "true_median_lag_hours": true_median,
                "lag_error": error,
                "seen_share": seen / releases if releases else None,
                "true_seen_share": reach,
            }
        figures: dict[str, float | None] = {"max_lag_error": max(errors) if errors else None}
        event = _event(truth)
        factor = float(tiers_cfg.get("post_event_lag_factor", 1.0))
        for side, scale in (("before", 1.0), ("after", factor)):
            if event is None:
                break
            label = f"{side}:{event.date.isoformat()}"
            side_errors = []
            for i, tier in enumerate(names):
                rows = [r for r in result.rows if r.tier == tier and r.period == label]
                if len(rows) == 1 and rows[0].median_lag_hours is not None and rows[0].seen >= 100:
                    want = float(tiers_cfg["median_lag_minutes"][i]) / 60.0 * scale
                    side_errors.append(abs(rows[0].median_lag_hours - want) / want)
            figures[f"{side}_lag_error"] = max(side_errors) if side_errors else None
        return Score(self.name, figures, {"tiers": per_tier, "post_event_lag_factor": factor})
