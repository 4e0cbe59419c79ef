"""Leak detection and title matching on worlds from a small generator written here, not ours.

The generator below shares nothing with scenescope.world: its own titles (colons, apostrophes,
accents, sequels, year-titles, remakes), territories, gaps in windows, and naming styles
(scene dots, P2P brackets, lowercase, `Title,.The`, aliases). Its truth applies docs/world.md's
leak rule independently; the pipeline must reach precision >= 0.99, recall >= 0.98.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scenescope.analysis.leaks import find_leaks
from scenescope.catalog import import_catalog, match_releases
from scenescope.feeds.files import FileFeed
from scenescope.store import Store

UTC = dt.UTC
TERRITORIES = ("US", "GB", "DE", "FR", "CA", "AU", "JP")
ADJECTIVES = (
    "Silent",
    "Broken",
    "Golden",
    "Last",
    "Hidden",
    "Crimson",
    "Wild",
    "Lonely",
    "Frozen",
    "Electric",
    "Quiet",
    "Burning",
    "Lost",
    "Hollow",
    "Northern",
    "Velvet",
    "Paper",
    "Iron",
)
NOUNS = (
    "River",
    "Harbor",
    "Kingdom",
    "Summer",
    "Garden",
    "Station",
    "Empire",
    "Witness",
    "Orchard",
    "Signal",
    "Compass",
    "Lantern",
    "Frontier",
    "Voyage",
    "Archive",
    "Bridge",
    "Meadow",
    "Tide",
)
PEOPLE = ("Ocean", "Miller", "Rosa", "Jack", "Nadia", "Otto", "Greta", "Henry", "Ines")
FOREIGN = (
    ("Amélie des Jardins", "The Gardens of Amelie"),
    ("Die Straße nach Hause", "The Road Home"),
    ("La Fenêtre Brisée", "The Broken Window"),
    ("Øresund Nætter", "Nights on the Sound"),
    ("Le Château d'Été", "The Summer Castle"),
    ("Der Große Sprung", "The Great Leap"),
)
GROUPS = ("SPARKS", "GECKOS", "DRONES", "FLAME", "ViSUM", "AMIABLE", "NTb", "KOGi", "TEPES")
P2P_TAGS = ("YTS.MX", "RARBG", "EVO", "PSA", "Tigole")


@dataclass
class Title:
    title_id: str
    kind: str
    title: str
    year: int
    original_title: str = ""
    aliases: tuple[str, ...] = ()
    dates: dict[str, dict[str, dt.date]] = field(default_factory=dict)  # window -> terr -> date
    episodes: dict[tuple[int, int], dict[str, dt.date]] = field(default_factory=dict)
    daily: bool = False


@dataclass(frozen=True)
class Pre:
    name: str
    pre_at: dt.datetime
    category: str
    title_id: str | None
    leak: bool


def ascii_fold(text: str) -> str:
    text = text.replace("ß", "ss").replace("Ø", "O").replace("ø", "o").replace("æ", "ae")
    text = text.replace("Æ", "AE")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def scene_words(title: str, *, comma_article: bool = False) -> str:
    """A title the way scene groups write it: ASCII, dotted, apostrophes dropped."""
    text = ascii_fold(title).replace("'", "").replace("&", "and")
    words = [w for w in "".join(c if c.isalnum() or c == "-" else " " for c in text).split()]
    if comma_article and len(words) > 1 and words[0].lower() in ("the", "a"):
        words = [*words[1:-1], words[-1] + ",", words[0]]
    return ".".join(words)


def folded_key(title: str) -> str:
    """Loosest form of a title (no article, sequel numerals as digits): names sharing it are
    told apart by their exact year only."""
    words = scene_words(title).lower().split(".")
    if words[0] in ("the", "a") and len(words) > 1:
        words = words[1:]
    numerals = {"ii": "2", "iii": "3", "iv": "4"}
    return ".".join(numerals.get(w, w) for w in words)


class World:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.titles: list[Title] = []
        self.pres: list[Pre] = []
        self.names: set[str] = set()
        self._make_titles()
        self._folded = [folded_key(t.title) for t in self.titles]
        for title in self.titles:
            if title.kind == "movie":
                self._movie_pres(title)
            else:
                self._series_pres(title)
        self._noise()

    # -- catalog ---------------------------------------------------------------------------
    def _unique_title(self, used: set[str]) -> str:
        rng = self.rng
        while True:
            shape = rng.randrange(9)
            adj, noun, noun2 = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS)
            person = rng.choice(PEOPLE)
            title = (
                f"The {adj} {noun}",
                f"{noun}: {adj} {noun2}",
                f"{person}'s {noun}",
                f"{noun} & {noun2}",
                f"A {adj} {noun}",
                f"{adj} {noun} II",
                f"{adj} {noun} 2",
                f"{adj} {noun}s of {person}",
                f"{noun} {rng.randrange(3, 13)}",
            )[shape]
            key = scene_words(title).lower()
            if key.startswith(("the.", "a.")):
                key = key.split(".", 1)[1]
            if key not in used:
                used.add(key)
                return title

    def _make_titles(self) -> None:
        rng = self.rng
        used: set[str] = set()
        number = 0

        def movie(
            title: str, year: int, original: str = "", aliases: tuple[str, ...] = ()
        ) -> Title:
            nonlocal number
            number += 1
            made = Title(f"F{number:04d}", "movie", title, year, original, aliases)
            self._movie_dates(made)
            self.titles.append(made)
            return made

        for _ in range(118):
            movie(self._unique_title(used), rng.randrange(2019, 2023))
        for original, english in FOREIGN:
            used.add(scene_words(english).lower())
            movie(english, rng.randrange(2019, 2023), original, (f"{english}: Director's Cut",))
        for year_title in ("1917", "2049", "1984"):
            movie(year_title, rng.randrange(2019, 2023))
        # remakes: same title, a much older original (no dates near the pres)
        for base in rng.sample(self.titles[:100], 6):
            old = Title(
                f"F{number + 1:04d}", "movie", base.title, base.year - rng.randrange(15, 40)
            )
            number += 1
            remaster = dt.date(2020, 3, 1) + dt.timedelta(days=rng.randrange(0, 600))
            old.dates = {
                "theatrical": {"US": dt.date(old.year, 5, 1)},
                "physical": {"US": remaster + dt.timedelta(days=200), "GB": remaster},
            }
            self.titles.append(old)
        # series (one shares a film's name), and a daily show
        shared = rng.choice(self.titles[:100]).title
        series_names = [shared] + [self._unique_title(used) for _ in range(5)]
        for n, name in enumerate(series_names, start=1):
            show = Title(f"T{n:04d}", "series", name, rng.randrange(2018, 2021))
            self._episode_dates(show, seasons=rng.randrange(1, 3), count=8, step=7)
            self.titles.append(show)
        daily = Title("T0099", "series", "The Late Hour with Otto Miller", 2019, daily=True)
        self._episode_dates(daily, seasons=1, count=40, step=1)
        self.titles.append(daily)

    def _movie_dates(self, title: Title) -> None:
        rng = self.rng
        base = dt.date(title.year, 1, 1) + dt.timedelta(days=rng.randrange(0, 330))
        windows = {
            "theatrical": base,
            "digital": base + dt.timedelta(days=rng.choice((17, 30, 45, 75, 90))),
        }
        windows["physical"] = windows["digital"] + dt.timedelta(days=rng.randrange(0, 35))
        windows["tv"] = windows["physical"] + dt.timedelta(days=rng.randrange(90, 300))
        if rng.random() < 0.1:
            del windows["theatrical"]  # a streaming original
        if rng.random() < 0.12:
            del windows["physical"]
        if rng.random() < 0.3:
            del windows["tv"]
        for window, first in windows.items():
            territories = rng.sample(TERRITORIES, rng.randrange(1, len(TERRITORIES) + 1))
            title.dates[window] = {
                t: first + dt.timedelta(days=rng.choice((0, 0, 1, 3, 7, 14, 30)) - (3 if i else 0))
                for i, t in enumerate(territories)
            }

    def _episode_dates(self, show: Title, *, seasons: int, count: int, step: int) -> None:
        rng = self.rng
        day = dt.date(2021, 1, 4) + dt.timedelta(days=rng.randrange(0, 200))
        for season in range(1, seasons + 1):
            for episode in range(1, count + 1):
                aired = {"US": day}
                if rng.random() < 0.5:
                    aired["GB"] = day + dt.timedelta(days=rng.choice((-1, 0, 1, 6)))
                show.episodes[(season, episode)] = aired
                day += dt.timedelta(days=step if not show.daily or day.weekday() < 4 else 3)
            day += dt.timedelta(days=120)

    # -- pres ------------------------------------------------------------------------------
    def _add(
        self, name: str, at: dt.datetime, category: str, title_id: str | None, leak: bool
    ) -> None:
        if name in self.names:
            return
        self.names.add(name)
        self.pres.append(Pre(name, at, category, title_id, leak))

    def _at(self, day: dt.date, offset_days: float) -> dt.datetime:
        start = dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + dt.timedelta(days=offset_days)

    def _offset(self) -> float:
        """Days from the official date: mostly well clear, some within an hour of midnight."""
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice((-1, 1)) * rng.uniform(0.005, 0.04)
        return rng.uniform(-12, 10)

    def _movie_name(
        self, title: Title, tags: str, group: str, source: str, *, use: str | None = None
    ) -> str:
        rng = self.rng
        shown = use or title.title
        style = rng.randrange(10)
        # the year a territory saw it, where that cannot make the name another title's
        shifted = rng.random() < 0.05 and self._folded.count(folded_key(title.title)) == 1
        year = title.year + (1 if shifted else 0)
        if style == 0:  # P2P
            tag = rng.choice(P2P_TAGS)
            return (
                f"{ascii_fold(shown)} ({year}) [1080p] [{source.replace('.', ' ')}] [5.1] [{tag}]"
            )
        if style == 3:  # P2P with spaces and a bracketed site tag after the dash
            spaced = ascii_fold(shown).replace(":", "")
            site = rng.choice(P2P_TAGS)
            return f"{spaced} {year} 1080p {source.replace('.', ' ')} DD5.1 H264-[{site}]"
        words = scene_words(shown, comma_article=style == 1)
        name = f"{words}.{year}.{tags}-{group}"
        return name.lower() if style == 2 else name

    def _movie_pres(self, title: Title) -> None:
        rng = self.rng
        if title.year < 2015:  # an old original: only its remastered disc is released now
            official = min(title.dates["physical"].values())
            pre_at = self._at(official, self._offset())
            tags = "REMASTERED.1080p.BluRay.x264"
            name = f"{scene_words(title.title)}.{title.year}.{tags}-{rng.choice(GROUPS)}"
            self._add(name, pre_at, "X264", title.title_id, pre_at < self._at(official, 0))
            return
        kinds = [
            ("theatrical", rng.choice(("HDCAM", "CAM", "TS", "HDTS", "TELESYNC")), "x264", "XVID"),
            (
                "digital",
                rng.choice(("WEB-DL", "WEBRip", "AMZN.WEB-DL", "NF.WEBRip", "WEB")),
                "x264",
                "X264",
            ),
            ("physical", rng.choice(("BluRay", "BDRip", "BRRip", "DVDRip")), "x264", "X264"),
            ("physical", "BluRay", "x265", "X265"),
            ("screener", rng.choice(("DVDSCR", "SCREENER")), "x264", "XVID"),
            ("tv", "HDTV", "x264", "TV-X264"),
        ]
        for window, source, codec, category in kinds:
            if window == "screener":
                if rng.random() < 0.6:
                    continue
                home = [
                    min(title.dates[w].values())
                    for w in ("digital", "physical")
                    if w in title.dates
                ]
                if not home and "theatrical" in title.dates:
                    home = [min(title.dates["theatrical"].values())]
                if not home:
                    continue
                official = min(home)
            else:
                if window not in title.dates:
                    continue
                official = min(title.dates[window].values())
            pre_at = self._at(official, self._offset())
            if window == "screener":
                pre_at = self._at(official, rng.uniform(-40, 5))
            flag = rng.choice(("", "", "", "iNTERNAL.", "PROPER.", "REPACK.", "LIMITED."))
            resolution = (
                "" if source in ("HDCAM", "CAM", "TS", "HDTS", "TELESYNC", "DVDSCR") else "1080p."
            )
            tags = f"{flag}{resolution}{source}.{codec}"
            use = None
            if title.aliases and rng.random() < 0.2:
                use = title.aliases[0]
            elif title.original_title and rng.random() < 0.5:
                use = title.original_title
                tags = f"GERMAN.{tags}" if "ß" in use or "Gro" in use else f"FRENCH.{tags}"
            name = self._movie_name(title, tags, rng.choice(GROUPS), source, use=use)
            self._add(name, pre_at, category, title.title_id, pre_at < self._at(official, 0))

    def _series_pres(self, show: Title) -> None:
        rng = self.rng
        seasons = sorted({s for s, _ in show.episodes})
        for (season, episode), aired in sorted(show.episodes.items()):
            if rng.random() < 0.5:
                continue
            first = min(aired.values())
            pre_at = self._at(first, self._offset() if rng.random() < 0.3 else rng.uniform(0.05, 2))
            source = rng.choice(
                ("HDTV.x264", "720p.HDTV.x264", "1080p.WEB.h264", "AMZN.WEB-DL.DDP5.1.H.264")
            )
            words = scene_words(show.title)
            if show.daily and rng.random() < 0.5:
                words = words.split(".", 1)[1]  # `Late.Hour.with...`: the article dropped
            elif not show.daily and rng.random() < 0.15:
                words = f"{words}.{show.year}"  # the series' year, as namesakes are told apart
            group = rng.choice(GROUPS)
            if show.daily:
                name = f"{words}.{aired['US']:%Y.%m.%d}.{source}-{group}"
            elif rng.random() < 0.2:
                name = f"{words}.{season}x{episode:02d}.{source}-{group}"
            else:
                name = f"{words}.S{season:02d}E{episode:02d}.{source}-{group}"
            if rng.random() < 0.2:
                name = name.lower()
            elif not show.daily and rng.random() < 0.1:  # P2P: `Show - S01E02 [1080p]`
                name = f"{ascii_fold(show.title)} - S{season:02d}E{episode:02d} [1080p] [WEB-DL]"
            self._add(name, pre_at, "TV-X264", show.title_id, pre_at < self._at(first, 0))
        if show.daily:
            return
        for season in seasons:
            first = min(min(d.values()) for (s, _), d in show.episodes.items() if s == season)
            pre_at = self._at(first, rng.uniform(-3, 30))
            name = f"{scene_words(show.title)}.S{season:02d}.1080p.WEB.h264-{rng.choice(GROUPS)}"
            self._add(name, pre_at, "TV-X264", show.title_id, pre_at < self._at(first, 0))

    def _noise(self) -> None:
        rng = self.rng
        films = [t for t in self.titles if t.kind == "movie"]
        for n in range(60):
            at = dt.datetime(2021, 1, 1, tzinfo=UTC) + dt.timedelta(hours=rng.randrange(20000))
            film = rng.choice(films).title
            name, category = rng.choice(
                (
                    (f"Various_Artists-{scene_words(film)}-OST-WEB-2021-{n}MP3", "MP3"),
                    (f"{scene_words(film)}.Remastered-CODEX{n}", "GAMES"),
                    (f"Adobe.Suite.v{n}.1.Incl.Keygen-XFORCE", "0DAY"),
                    (f"Artist_{n}-{scene_words(film)}-(CAT{n})-WEB-FLAC-2021-GRP", "FLAC"),
                )
            )
            self._add(name, at, category, None, False)

    # -- files -----------------------------------------------------------------------------
    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "titles.csv").open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["title_id", "kind", "title", "year", "original_title", "aliases", "studio"])
            for t in self.titles:
                w.writerow(
                    [
                        t.title_id,
                        t.kind,
                        t.title,
                        t.year,
                        t.original_title,
                        "|".join(t.aliases),
                        "Studio",
                    ]
                )
        with (out / "release_dates.csv").open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["title_id", "territory", "window", "date"])
            for t in self.titles:
                for window, by_territory in t.dates.items():
                    for territory, date in sorted(by_territory.items()):
                        w.writerow([t.title_id, territory, window, date.isoformat()])
        with (out / "episodes.csv").open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["title_id", "season", "episode", "air_date", "territory"])
            for t in self.titles:
                for (season, episode), aired in sorted(t.episodes.items()):
                    for territory, date in sorted(aired.items()):
                        w.writerow([t.title_id, season, episode, date.isoformat(), territory])
        with (out / "pres.csv").open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["name", "pre_at", "category"])
            for p in sorted(self.pres, key=lambda p: p.pre_at):
                w.writerow([p.name, p.pre_at.strftime("%Y-%m-%dT%H:%M:%SZ"), p.category])
        with (out / "nukes.csv").open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["name", "kind", "reason", "network", "at"])
            for p in self.rng.sample(self.pres, 25):
                at = (p.pre_at + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
                w.writerow([p.name, "nuke", "bad.ivtc", "LocalNet", at])


@pytest.mark.parametrize("seed", [11, 2024])
def test_independent_world_meets_the_leak_and_matching_figures(tmp_path: Path, seed: int) -> None:
    world = World(seed)
    world.write(tmp_path / "world")
    with Store.open(tmp_path / "store.duckdb") as store:
        store.apply(FileFeed(tmp_path / "world" / "pres.csv"))
        store.apply(FileFeed(tmp_path / "world" / "nukes.csv"))
        report = import_catalog(store, [tmp_path / "world"])
        assert not report.problems
        match_releases(store)
        found = {leak.release_name: leak for leak in find_leaks(store)}
        asserted = dict(
            store.connection.execute(
                "SELECT r.name, m.title_id FROM release_matches m"
                " JOIN releases r USING (release_id) WHERE m.status = 'matched'"
            ).fetchall()
        )
    truth = {p.name: p for p in world.pres}
    expected = {name for name, p in truth.items() if p.leak}
    assert len(expected) > 150
    false_positives = sorted(set(found) - expected)
    missed = sorted(expected - set(found))
    precision = 1 - len(false_positives) / max(1, len(found))
    recall = 1 - len(missed) / len(expected)
    wrong_titles = sorted(
        (name, title_id, truth[name].title_id)
        for name, title_id in asserted.items()
        if truth[name].title_id != title_id
    )
    accuracy = 1 - len(wrong_titles) / max(1, len(asserted))
    detail = f"fp={false_positives[:15]} missed={missed[:15]} wrong={wrong_titles[:15]}"
    assert len(asserted) > 0.8 * sum(1 for p in world.pres if p.title_id), detail
    assert precision >= 0.99, f"precision {precision:.4f} {detail}"
    assert recall >= 0.98, f"recall {recall:.4f} {detail}"
    assert accuracy >= 0.99, f"title accuracy {accuracy:.4f} {detail}"
