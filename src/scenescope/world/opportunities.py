"""When the Scene gets a chance to release a title: one opportunity per title × source
(CAM after the theatrical opening, screeners, WEB at the digital date, retail discs at street
date or earlier from a supply, each TV episode after it airs), bucketed by day.

Opportunities are expanded lazily as the simulated clock reaches them, so memory stays
bounded by the look-ahead, not by the length of the world.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from scenescope.world.catalog import Catalog, Movie, Series
from scenescope.world.config import PresSection
from scenescope.world.supply import Supply

DAY = 86400


@dataclass(frozen=True, slots=True)
class Opportunity:
    ts: int  # earliest pre time of the cluster (unix seconds)
    kind: str  # cam / screener / web[-DE|-FR] / retail[-DE|-FR] / family / shop / episode / pack
    title_index: int
    territory: str = ""  # whose window the cluster follows (foreign formats: DE / FR)
    season: int = 0
    episode: int = 0
    air: dt.date | None = None
    family_id: str = ""


def day_ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


class OpportunityBook:
    """Hands out the opportunities of each day, activating titles as the clock nears them."""

    def __init__(
        self, catalog: Catalog, supply: Supply, cfg: PresSection, seed: int, start: dt.date
    ) -> None:
        self.catalog = catalog
        self.supply = supply
        self.cfg = cfg
        self.rng = random.Random(f"{seed}:opportunities")
        self.buckets: dict[int, list[tuple[int, int, Opportunity]]] = {}
        self.counter = 0
        self.start_ts = day_ts(start)
        # activation items: (activation day ts, order, kind, index, season number)
        items: list[tuple[int, int, str, int, int]] = []
        for movie in catalog.movies:
            first = min(d for per in movie.dates.values() for d in per.values())
            items.append((day_ts(first) - 70 * DAY, len(items), "movie", movie.index, 0))
        for series in catalog.series:
            for season in series.seasons:
                items.append(
                    (
                        day_ts(season.first_air) - 8 * DAY,
                        len(items),
                        "season",
                        series.index,
                        season.number,
                    )
                )
        items.sort()
        self.items = items
        self.cursor = 0

    def for_day(self, day: dt.date) -> list[Opportunity]:
        """Opportunities whose cluster starts on `day`, in time order."""
        start = day_ts(day)
        horizon = start + DAY
        while self.cursor < len(self.items) and self.items[self.cursor][0] < horizon:
            _, _, kind, index, season_no = self.items[self.cursor]
            self.cursor += 1
            if kind == "movie":
                self._add_all(self._movie(self.catalog.movies[index]))
            else:
                self._add_all(self._season(self.catalog.series[index], season_no))
        todays = self.buckets.pop(start // DAY, [])
        # anything scheduled before the first simulated day is dropped (outside the window)
        for key in [k for k in self.buckets if k < start // DAY]:
            del self.buckets[key]
        todays.sort()
        return [opp for _, _, opp in todays]

    def _add_all(self, opps: Iterator[Opportunity]) -> None:
        for opp in opps:
            if opp.ts < self.start_ts:
                continue
            self.counter += 1
            self.buckets.setdefault(opp.ts // DAY, []).append((opp.ts, self.counter, opp))

    def _movie(self, movie: Movie) -> Iterator[Opportunity]:
        rng, cfg = self.rng, self.cfg
        theatrical = movie.earliest("theatrical")
        if theatrical is not None:
            if rng.random() < cfg.cam_title_share:
                lag = rng.uniform(0.5, 9.0)
                yield Opportunity(
                    day_ts(theatrical[0]) + int(lag * DAY), "cam", movie.index, theatrical[1]
                )
            home = [w for w in (movie.earliest("digital"), movie.earliest("physical")) if w]
            if home and rng.random() < cfg.screener_title_share:
                first_home = min(home)
                before = rng.uniform(5.0, 45.0)
                yield Opportunity(
                    day_ts(first_home[0]) - int(before * DAY),
                    "screener",
                    movie.index,
                    first_home[1],
                )
        for window, kind, coverage in (
            ("digital", "web", cfg.web_title_coverage),
            ("physical", "retail", cfg.retail_title_coverage),
        ):
            per = movie.dates.get(window)
            if not per or rng.random() >= coverage:
                continue
            first_date, territory = movie.earliest(window) or (None, "")
            assert first_date is not None
            hours = rng.uniform(0.3, 9.0) if kind == "web" else rng.uniform(1.0, 40.0)
            ts = day_ts(first_date) + int(hours * 3600)
            if kind == "web" and rng.random() < cfg.web_leak_prob:
                ts = day_ts(first_date) - int(rng.uniform(0.05, 2.5) * DAY)
            yield Opportunity(ts, kind, movie.index, territory)
            for foreign in ("DE", "FR"):
                if foreign in per and (foreign != territory) and rng.random() < cfg.foreign_share:
                    hours = rng.uniform(0.5, 30.0)
                    yield Opportunity(
                        day_ts(per[foreign]) + int(hours * 3600),
                        f"{kind}-{foreign}",
                        movie.index,
                        foreign,
                    )
        for source in self.supply.family_sources.get(movie.index, ()):
            yield Opportunity(
                source.pre_ts,
                "family",
                movie.index,
                source.territory,
                family_id=source.family_id or "",
            )
        shop = self.supply.shop_leaks.get(movie.index)
        if shop is not None:
            yield Opportunity(shop.pre_ts, "shop", movie.index, shop.territory)

    def _season(self, series: Series, season_no: int) -> Iterator[Opportunity]:
        rng, cfg = self.rng, self.cfg
        season = next(s for s in series.seasons if s.number == season_no)
        airs = season.air_dates(series.style)
        for number, air in enumerate(airs, start=1):
            broadcast = day_ts(air) + series.air_hour_utc * 3600
            if series.air_hour_utc < 12:
                broadcast += DAY  # an evening show in the US airs after midnight UTC
            ts = broadcast + int(rng.uniform(0.3, 3.0) * 3600)
            if rng.random() < cfg.tv_leak_prob:
                ts = day_ts(air) - int(rng.uniform(0.2, 4.0) * DAY)
            yield Opportunity(ts, "episode", series.index, "", season.number, number, air)
        if series.style == "drop" and rng.random() < 0.35:
            ts = day_ts(airs[0]) + int(rng.uniform(8.0, 30.0) * 3600)
            yield Opportunity(ts, "pack", series.index, "", season.number, 0, airs[0])
