"""Daily pre series for the impact analyses, read from the `daily_pres` relation, and the
holiday calendar they are modelled with.

A `DailySeries` is a contiguous run of UTC days (days with no pre are zeros) with the counts
of everyone, of a set of targeted groups and of the rest, optionally restricted to categories.
Partial days at either edge (under a quarter of the median day: the history's first day, today,
a tail of late reports) are left out: they are incomplete, not a drop.
Holidays are the public holidays of the main territories (configurable), from the `holidays`
package; a day that is a holiday in any of them is flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from scenescope.engine import Engine

DEFAULT_HOLIDAY_COUNTRIES: tuple[str, ...] = ("US", "GB", "DE", "FR", "NL", "SE")


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Counts per day from `start` (inclusive), one entry per day."""

    start: dt.date
    total: np.ndarray
    targeted: np.ndarray
    others: np.ndarray

    @property
    def days(self) -> int:
        return len(self.total)

    def date(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)

    def index(self, day: dt.date) -> int:
        return (day - self.start).days

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def category_clause(categories: Sequence[str] | None) -> tuple[str, list[str]]:
    """SQL filter on `category` for a list of categories (a prefix matches: `TV` is every TV-*
    section, `X264` every X264-* one); empty or None is every category."""
    if not categories:
        return "", []
    parts = " OR ".join("category LIKE ?" for _ in categories)
    return f"AND ({parts})", [c.upper().rstrip("*") + "%" for c in categories]


def load_daily(
    engine: Engine,
    *,
    groups: Iterable[str] = (),
    categories: Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> DailySeries:
    """The daily series (total, the targeted `groups`, everyone else) over the store's pres."""
    table = engine.relation("daily_pres")
    where, params = category_clause(categories)
    keys = sorted({g.lower() for g in groups if g})
    rows = engine.rows(
        f"""
        SELECT day, sum(n) AS total,
               sum(n) FILTER (WHERE list_contains(?::VARCHAR[], group_key)) AS targeted
        FROM {table} WHERE true {where}
          AND (?::DATE IS NULL OR day >= ?::DATE) AND (?::DATE IS NULL OR day <= ?::DATE)
        GROUP BY day ORDER BY day
        """,
        [keys, *params, since, since, until, until],
    )
    if not rows:
        raise ValueError("no pres in the store for that selection: nothing to analyse")
    start, end = rows[0][0], rows[-1][0]
    length = (end - start).days + 1
    total = np.zeros(length)
    targeted = np.zeros(length)
    for day, count, hit in rows:
        total[(day - start).days] = count
        targeted[(day - start).days] = hit or 0
    first, stop = _complete_span(total)
    return DailySeries(
        start + dt.timedelta(days=first),
        total[first:stop],
        targeted[first:stop],
        (total - targeted)[first:stop],
    )


EDGE_SHARE = 0.25  # an edge day below this share of the median day is not complete yet


def _complete_span(total: np.ndarray) -> tuple[int, int]:
    """[first, stop) without the partial days at either edge: the day a store's history
    starts mid-day, today (still filling), the tail of late reports after a feed ends."""
    usual = float(np.median(total)) if len(total) else 0.0
    first, stop = 0, len(total)
    while first < stop - 1 and total[first] < EDGE_SHARE * usual:
        first += 1
    while stop - 1 > first and total[stop - 1] < EDGE_SHARE * usual:
        stop -= 1
    return first, stop


@lru_cache(maxsize=32)
def _holiday_days(countries: tuple[str, ...], years: tuple[int, ...]) -> frozenset[dt.date]:
    import holidays

    days: set[dt.date] = set()
    for country in countries:
        try:
            days.update(holidays.country_holidays(country, years=list(years)).keys())
        except NotImplementedError:
            raise ValueError(f"unknown holiday country {country!r} (ISO 3166 alpha-2)") from None
    return frozenset(days)


def holiday_flags(
    start: dt.date, days: int, countries: Sequence[str] = DEFAULT_HOLIDAY_COUNTRIES
) -> np.ndarray:
    """1.0 on days that are a public holiday in any of `countries`, else 0.0."""
    if not countries or days <= 0:
        return np.zeros(max(days, 0))
    end = start + dt.timedelta(days=days - 1)
    calendar = _holiday_days(tuple(countries), tuple(range(start.year, end.year + 1)))
    return np.array([1.0 if start + dt.timedelta(days=i) in calendar else 0.0 for i in range(days)])
