"""The catalog the Scene releases from: movies with per-territory windows, series with episodes.

Titles are fictional but as messy as real ones: digits and years inside titles, colons and
dashes, remakes sharing a name, foreign originals and aliases, a series named like a film.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from scenescope.world.config import CatalogSection
from scenescope.world.naming import name_key
from scenescope.world.titles import STUDIO_NETWORKS, TitleMaker

WINDOWS: tuple[str, ...] = ("theatrical", "digital", "physical", "tv")


@dataclass(frozen=True, slots=True)
class Movie:
    """A film and its official windows: window → territory → date."""

    index: int
    title_id: str
    title: str
    year: int
    original_title: str
    aliases: tuple[str, ...]
    studio: str
    language: str  # en / fr / de: the original language
    dates: dict[str, dict[str, dt.date]] = field(hash=False)

    kind = "movie"

    def earliest(self, window: str) -> tuple[dt.date, str] | None:
        """(date, territory) of the earliest opening of `window`, ties broken by territory."""
        per_territory = self.dates.get(window)
        if not per_territory:
            return None
        territory = min(per_territory, key=lambda t: (per_territory[t], t))
        return per_territory[territory], territory


@dataclass(frozen=True, slots=True)
class Season:
    """One season: weekly (or daily, or all-at-once) episodes from `first_air` in the home
    territory; other territories air it `territory_lag_days` later (absent = never)."""

    number: int
    first_air: dt.date
    episodes: int
    territory_lag_days: dict[str, int] = field(hash=False)

    def air_dates(self, style: str) -> list[dt.date]:
        """Home-territory air date of episodes 1..N."""
        if style == "drop":
            return [self.first_air] * self.episodes
        if style == "daily":
            out: list[dt.date] = []
            day = self.first_air
            while len(out) < self.episodes:
                if day.weekday() < 4:  # Mon–Thu
                    out.append(day)
                day += dt.timedelta(days=1)
            return out
        return [self.first_air + dt.timedelta(days=7 * i) for i in range(self.episodes)]


@dataclass(frozen=True, slots=True)
class Series:
    """A TV series: weekly, daily, anime or streaming-drop style."""

    index: int
    title_id: str
    title: str
    year: int
    original_title: str
    aliases: tuple[str, ...]
    studio: str
    style: str  # weekly / daily / anime / drop
    country_tag: str  # "" or "US"/"UK" when a namesake exists
    air_hour_utc: int
    seasons: tuple[Season, ...]

    kind = "series"


@dataclass(frozen=True, slots=True)
class Catalog:
    movies: tuple[Movie, ...]
    series: tuple[Series, ...]


def build_catalog(
    cfg: CatalogSection,
    territories: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    movie_count: int,
    series_counts: dict[str, int],
    seed: int,
) -> Catalog:
    """Movies opening across [start − 320 days, end] and series airing over the window."""
    rng = random.Random(f"{seed}:catalog")
    maker = TitleMaker(rng, cfg)
    movies = _movies(cfg, territories, start, end, movie_count, rng, maker)
    series = _series(cfg, territories, start, end, series_counts, rng, maker, movies)
    return Catalog(movies=tuple(movies), series=tuple(series))


def _movies(
    cfg: CatalogSection,
    territories: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    count: int,
    rng: random.Random,
    maker: TitleMaker,
) -> list[Movie]:
    first = start - dt.timedelta(days=320)
    span = (end - first).days + 1
    openings = sorted(first + dt.timedelta(days=rng.randrange(span)) for _ in range(count))
    movies: list[Movie] = []
    shared_dates: dict[dt.date, dt.date] = {}
    for opening in openings:
        index = len(movies)
        title_id = f"M{index + 1:06d}"
        roll = rng.random()
        language = "fr" if roll < 0.06 else "de" if roll < 0.10 else "en"
        dates = _movie_windows(cfg, territories, opening, language, rng, shared_dates)
        year = min(d for per in dates.values() for d in per.values()).year
        aliases: tuple[str, ...] = ()
        if language == "en":
            if movies and rng.random() < cfg.remake_share:
                original = _remake_source(rng, movies, maker, opening)
                movies.append(original)
                index, title_id = len(movies), f"M{len(movies) + 1:06d}"
                title = original.title
                maker.claim(title, year, "movie")
            else:
                title = maker.unique("en", year, "movie")
            original_title = title
            if rng.random() < cfg.alias_share:
                aliases = (maker.unique("foreign", year, "movie", rng.choice(("fr", "de"))),)
        else:
            original_title = maker.unique(language, year, "movie", language)
            title = maker.unique("en", year, "movie")
            aliases = (original_title,)
        movies.append(
            Movie(
                index,
                title_id,
                title,
                year,
                original_title,
                aliases,
                rng.choice(cfg.studios),
                language,
                dates,
            )
        )
    return movies


def _remake_source(
    rng: random.Random, movies: list[Movie], maker: TitleMaker, opening: dt.date
) -> Movie:
    """An older film whose title the remake reuses (catalog entry, windows long past)."""
    old_year = rng.randrange(1965, opening.year - 8)
    title = maker.unique("en", old_year, "movie")
    old_open = dt.date(old_year, rng.randrange(1, 13), rng.randrange(1, 28))
    dates = {
        "theatrical": {"US": old_open},
        "physical": {"US": old_open + dt.timedelta(days=200)},
    }
    index = len(movies)
    return Movie(
        index,
        f"M{index + 1:06d}",
        title,
        old_year,
        title,
        (),
        rng.choice(("Meridian Films", "Kestrel Pictures")),
        "en",
        dates,
    )


def _movie_windows(
    cfg: CatalogSection,
    territories: tuple[str, ...],
    opening: dt.date,
    language: str,
    rng: random.Random,
    shared_dates: dict[dt.date, dt.date],
) -> dict[str, dict[str, dt.date]]:
    jitter = cfg.window_jitter_days
    base: dict[str, dt.date] = {}
    if rng.random() < cfg.streaming_original_share:
        base["digital"] = opening
        if rng.random() < 0.4:
            base["physical"] = opening + dt.timedelta(days=int(90 + rng.uniform(0, 60)))
    else:
        base["theatrical"] = opening
        physical = opening + dt.timedelta(
            days=max(30, round(rng.gauss(cfg.theatrical_to_physical_days, jitter)))
        )
        base["physical"] = physical
        roll = rng.random()
        if roll < cfg.day_and_date_share:
            base["digital"] = opening
        elif opening >= cfg.pvod_from and roll < cfg.day_and_date_share + cfg.pvod_17_day_share:
            base["digital"] = opening + dt.timedelta(days=17)
        else:
            before = max(0, round(rng.gauss(cfg.digital_before_physical_days, jitter / 2)))
            base["digital"] = physical - dt.timedelta(days=before)
        if rng.random() < 0.5:
            base["tv"] = physical + dt.timedelta(days=int(120 + rng.uniform(0, 200)))
    home = {"en": "US", "fr": "FR", "de": "DE"}[language]
    dates: dict[str, dict[str, dt.date]] = {}
    for window in WINDOWS:
        if window not in base:
            continue
        per: dict[str, dt.date] = {}
        for territory in territories:
            if territory == home or (home not in territories and territory == territories[0]):
                per[territory] = base[window]
                continue
            if language != "en" and rng.random() < 0.5:
                continue  # foreign films often never open in some territories
            same_day = window == "digital" and rng.random() < 0.4
            lag = 0 if same_day else int(rng.expovariate(1.0 / cfg.territory_lag_days))
            if language != "en" or rng.random() < 0.15:
                per[territory] = base[window] + dt.timedelta(days=lag)
            else:
                # some territories open first (a European theatrical before the US, etc.)
                per[territory] = base[window] + dt.timedelta(days=lag - rng.randrange(0, 4))
        # one date object per calendar day across the catalog (memory at 10x scale)
        dates[window] = {t: shared_dates.setdefault(d, d) for t, d in per.items()}
    return dates


def _series(
    cfg: CatalogSection,
    territories: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    counts: dict[str, int],
    rng: random.Random,
    maker: TitleMaker,
    movies: list[Movie],
) -> list[Series]:
    out: list[Series] = []
    styles = [style for style in ("weekly", "daily", "anime", "drop") for _ in range(counts[style])]
    rng.shuffle(styles)
    modern = [m for m in movies if m.year >= 2000 and m.language == "en"]
    namesakes: set[str] = set()  # film titles a series already took
    for style in styles:
        index = len(out)
        title_id = f"S{index + 1:06d}"
        year = rng.randrange(2005, start.year + 1)
        country_tag = ""
        aliases: tuple[str, ...] = ()
        namesake = (
            rng.choice(modern).title
            if modern and rng.random() < cfg.series_film_namesake_share
            else None
        )
        if namesake is not None and name_key(namesake) not in namesakes:
            title = namesake  # a series named like a film (once per film title)
            namesakes.add(name_key(title))
            maker.claim(title, year, "series")
            country_tag = "US" if rng.random() < 0.5 else ""
        elif style == "anime":
            title = maker.unique("en", year, "series")
            aliases = (maker.romanized(year),)
        else:
            title = maker.unique("en", year, "series")
            if rng.random() < cfg.alias_share / 2:
                aliases = (maker.unique("foreign", year, "series", rng.choice(("fr", "de"))),)
        seasons = _seasons(cfg, territories, start, end, style, year, rng)
        out.append(
            Series(
                index,
                title_id,
                title,
                year,
                title,
                aliases,
                rng.choice(STUDIO_NETWORKS),
                style,
                country_tag,
                rng.choice((0, 1, 2, 3, 4, 20, 21)),
                tuple(seasons),
            )
        )
    return out


def _seasons(
    cfg: CatalogSection,
    territories: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    style: str,
    first_year: int,
    rng: random.Random,
) -> list[Season]:
    if style == "daily":
        episodes = 180
    else:
        episodes = rng.randrange(cfg.season_episodes_min, cfg.season_episodes_max + 1)
    length_days = 7 * episodes if style != "daily" else int(episodes * 7 / 4)
    if style == "daily":
        cycle = length_days + 40  # a daily show is on air most of the year
    elif style == "drop":
        cycle = 365
    else:
        cycle = int(length_days / cfg.on_air_share)
    cycle = max(cycle, length_days + 14)
    cursor = start - dt.timedelta(days=rng.randrange(0, cycle))
    number = max(1, start.year - first_year)
    seasons: list[Season] = []
    while cursor <= end:
        lags: dict[str, int] = {}
        for territory in territories:
            if territory == territories[0] or style == "drop":
                lags[territory] = 0
            elif rng.random() < 0.6:
                lags[territory] = rng.choice((0, 1, 7, 30, 90))
        seasons.append(Season(number, cursor, episodes, lags))
        number += 1
        cursor += dt.timedelta(days=cycle + rng.randrange(-10, 11))
    return seasons


def iter_episodes(series: Series) -> Iterator[tuple[Season, int, dt.date]]:
    """(season, episode number, home air date) for every episode of the series."""
    for season in series.seasons:
        for number, air in enumerate(season.air_dates(series.style), start=1):
            yield season, number, air
