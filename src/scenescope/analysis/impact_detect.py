"""Structural breaks in the daily pre series, found without being told the date.

The series is log(1 + count) with the weekday pattern taken out (each weekday's median) and
public holidays replaced by their weekday's level, so a holiday dip is not a break. Change
points come from PELT (ruptures) on the mean, with segments of at least a week and a penalty
of `penalty` × σ² × log(n), σ the noise level estimated from day-to-day differences (robust:
median absolute deviation). Each break says its date, its size (relative level change between
the two weeks either side, −0.7 = 70% lower) and the categories and groups that carry it (the
largest absolute changes in those two weeks).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis.base import Estimator
from scenescope.analysis.impact_series import (
    DEFAULT_HOLIDAY_COUNTRIES,
    holiday_flags,
    load_daily,
)
from scenescope.engine import Engine

SIDE_DAYS = 7  # days each side of a break used to size it and name who carries it
TOP_CARRIERS = 5


@dataclass(frozen=True, slots=True)
class DetectParams:
    since: dt.date | None = None
    until: dt.date | None = None
    categories: tuple[str, ...] = ()
    penalty: float = 10.0
    min_days: int = 7
    min_size: float = 0.25  # smaller level changes are not reported
    holiday_countries: tuple[str, ...] = DEFAULT_HOLIDAY_COUNTRIES


@dataclass(frozen=True, slots=True)
class Break:
    date: dt.date  # the first day of the new level
    size: float
    before_per_day: float
    after_per_day: float
    categories: tuple[tuple[str, int], ...]  # (category, change in pres over the side days)
    groups: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "size": round(self.size, 4),
            "before_per_day": round(self.before_per_day, 1),
            "after_per_day": round(self.after_per_day, 1),
            "categories": [{"category": c, "change": n} for c, n in self.categories],
            "groups": [{"group": g, "change": n} for g, n in self.groups],
        }


@dataclass(frozen=True, slots=True)
class BreakResult:
    params: DetectParams
    start: dt.date
    end: dt.date
    breaks: tuple[Break, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "breaks": [b.to_dict() for b in self.breaks],
        }


class BreakDetector(Estimator[DetectParams, BreakResult]):
    name: ClassVar[str] = "impact-detect"

    def default_params(self) -> DetectParams:
        return DetectParams()

    def fit(self, engine: Engine, params: DetectParams | None = None) -> BreakResult:
        import ruptures

        params = params or self.default_params()
        series = load_daily(
            engine, categories=params.categories, since=params.since, until=params.until
        )
        y = deseasonalised(series.total, series.start, params.holiday_countries)
        end = series.date(series.days - 1)
        if len(y) < 3 * params.min_days:
            return BreakResult(params, series.start, end, ())
        sigma = float(np.median(np.abs(np.diff(y) - np.median(np.diff(y))))) * 1.4826 / np.sqrt(2)
        sigma = max(sigma, 1e-3)
        algo = ruptures.Pelt(model="l2", min_size=params.min_days, jump=1).fit(y.reshape(-1, 1))
        cuts = algo.predict(pen=params.penalty * sigma * sigma * np.log(len(y)))
        breaks = []
        for cut in cuts[:-1]:
            before = series.total[max(0, cut - SIDE_DAYS) : cut].mean()
            after = series.total[cut : cut + SIDE_DAYS].mean()
            if before <= 0:
                continue
            size = after / before - 1.0
            if abs(size) < params.min_size:
                continue
            day = series.date(cut)
            categories, groups = _carriers(engine, day, params.categories)
            breaks.append(Break(day, size, float(before), float(after), categories, groups))
        return BreakResult(params, series.start, end, tuple(breaks))


def deseasonalised(
    counts: np.ndarray, start: dt.date, countries: tuple[str, ...] | list[str]
) -> np.ndarray:
    """log(1 + counts) minus each weekday's median, holidays set to their weekday's level."""
    y = np.log1p(np.asarray(counts, dtype=float))
    weekday = (np.arange(len(y)) + start.weekday()) % 7
    holidays = holiday_flags(start, len(y), tuple(countries)) > 0
    out = y.copy()
    for d in range(7):
        mask = weekday == d
        usual = mask & ~holidays
        if usual.any():
            out[mask] = y[mask] - np.median(y[usual])
    # a holiday takes the level of the days around it, not its own dip
    for index in np.flatnonzero(holidays):
        i = int(index)
        window = [j for j in range(max(0, i - 3), min(len(y), i + 4)) if not holidays[j]]
        out[i] = float(np.median(out[window])) if window else 0.0
    return out


def _carriers(
    engine: Engine, day: dt.date, categories: tuple[str, ...]
) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    from scenescope.analysis.impact_series import category_clause

    table = engine.relation("daily_pres")
    names = engine.relation("group_names")
    where, params = category_clause(categories)
    window = [day - dt.timedelta(days=SIDE_DAYS), day, day, day + dt.timedelta(days=SIDE_DAYS)]
    out = []
    for column in ("category", "group_key"):
        rows = engine.rows(
            f"""
            SELECT {column}, sum(n) FILTER (WHERE day >= ? AND day < ?) AS before,
                   sum(n) FILTER (WHERE day >= ? AND day < ?) AS after
            FROM {table} WHERE {column} <> '' {where}
            GROUP BY 1
            """,
            [*window, *params],
        )
        changes = sorted(
            ((str(k), int((a or 0) - (b or 0))) for k, b, a in rows), key=lambda kv: kv[1]
        )
        changes = [c for c in changes if c[1] != 0]
        top = sorted(changes, key=lambda kv: -abs(kv[1]))[:TOP_CARRIERS]
        out.append(tuple(top))
    display = dict(engine.rows(f"SELECT group_key, group_name FROM {names}"))
    groups = tuple((display.get(g, g), n) for g, n in out[1])
    return out[0], groups
