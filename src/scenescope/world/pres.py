"""The race on each opportunity: which groups release which formats when, dupes and their
nukes, family clusters landing within minutes, PROPER/REPACK, nukes/unnukes/modnukes/delpres,
several feeds reporting one pre with small disagreements, bogus backfills, and noise.

`PreMaker` turns an `Opportunity` (or a noise draw) into `SimRelease`s plus follow-up
`NukeAction`s; the simulation loop decides which of them exist in the real (chilled) world.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Collection
from dataclasses import dataclass

from scenescope.world import naming
from scenescope.world.catalog import Catalog, Movie, Series
from scenescope.world.config import WorldConfig
from scenescope.world.draw import pick_one
from scenescope.world.groups import Group, Roster
from scenescope.world.opportunities import DAY, Opportunity

# format → probability that the Scene releases it, per opportunity kind
MOVIE_FORMATS: dict[str, tuple[tuple[str, float], ...]] = {
    "cam": (("hdcam.x264", 0.5), ("hdts.x264", 0.35), ("ts.xvid", 0.3), ("cam.x264", 0.3)),
    "screener": (("dvdscr.x264", 0.85), ("dvdscr.xvid", 0.35)),
    "web": (
        ("1080p.web.h264", 0.92),
        ("720p.web.h264", 0.7),
        ("2160p.web.h265", 0.3),
        ("web.h264.sd", 0.45),
        ("1080p.webrip.x264", 0.25),
        ("720p.webrip.x264", 0.15),
    ),
    "web-DE": (("german.dl.1080p.web.h264", 0.8), ("german.720p.web.h264", 0.3)),
    "web-FR": (("french.1080p.web.h264", 0.8),),
    "retail": (
        ("1080p.bluray.x264", 0.95),
        ("720p.bluray.x264", 0.8),
        ("2160p.uhd.x265", 0.35),
        ("1080p.bluray.x265", 0.35),
        ("bdrip", 0.5),
        ("dvdrip", 0.2),
        ("dvdr", 0.25),
        ("complete.bluray", 0.25),
        ("complete.uhd.bluray", 0.08),
    ),
    "retail-DE": (
        ("german.dl.1080p.bluray.x264", 0.85),
        ("german.dl.720p.bluray.x264", 0.6),
        ("german.dvdr", 0.15),
    ),
    "retail-FR": (
        ("french.1080p.bluray.x264", 0.8),
        ("french.720p.bluray.x264", 0.4),
        ("multi.1080p.bluray.x264", 0.3),
        ("french.dvdr", 0.1),
    ),
    "shop": (("1080p.bluray.x264", 0.8), ("720p.bluray.x264", 0.5)),
}
EPISODE_FORMATS: dict[str, tuple[tuple[str, float], ...]] = {
    "weekly": (
        ("720p.hdtv.x264", 0.5),
        ("hdtv.x264", 0.45),
        ("1080p.hdtv.x264", 0.12),
        ("1080p.web.h264", 0.75),
        ("720p.web.h264", 0.55),
        ("web.h264.sd", 0.35),
        ("2160p.web.h265", 0.06),
        ("german.dl.720p.web.h264", 0.08),
        ("french.720p.hdtv.x264", 0.05),
    ),
    "daily": (
        ("720p.hdtv.x264", 0.6),
        ("hdtv.x264", 0.55),
        ("1080p.web.h264", 0.5),
        ("720p.web.h264", 0.35),
        ("web.h264.sd", 0.2),
    ),
    "drop": (
        ("1080p.web.h264", 0.85),
        ("720p.web.h264", 0.6),
        ("web.h264.sd", 0.35),
        ("2160p.web.h265", 0.2),
        ("german.dl.720p.web.h264", 0.15),
        ("french.1080p.web.h264", 0.1),
    ),
    "anime": (("anime.1080p.web.h264", 0.85), ("anime.720p.web.h264", 0.6), ("720p.web.h264", 0.2)),
}
TECH_REASONS = (
    "bad.ivtc",
    "out.of.sync",
    "bad.audio",
    "no.sample",
    "mislabeled",
    "bad.aspect.ratio",
    "stolen",
    "missing.files",
    "upscaled",
    "bad.crop",
)
UNNUKE_REASONS = ("fixed", "not.dupe", "nuked.in.error", "dirfix.ok")
DELPRE_REASONS = ("delpre", "request", "grp.request")
FAR_FUTURE_TS = int(dt.datetime(2031, 6, 1, tzinfo=dt.UTC).timestamp())


@dataclass(slots=True)
class SimRelease:
    """One release the simulated Scene pred, with its truth. `id` is the predb-style id,
    assigned in pre-time order when the release is written (0 until then)."""

    id: int
    name: str
    ts: int
    category: str
    size_kb: int
    files: int
    group: str
    title_id: str  # "" for noise
    source_class: str  # retail-disc / web / cam / screener / hdtv / "" for noise
    kind: str  # movie / episode / pack / noise
    season: int = 0
    episode: int = 0
    format_key: str = ""
    family: str = ""
    account_id: str = ""  # retail-disc leaks: the account the disc came from, when known
    counterfactual: bool = True  # exists in the world without the operation
    actual_only: bool = False  # exists only because of the operation (displacement, successor)


@dataclass(frozen=True, slots=True)
class NukeAction:
    release: SimRelease
    ts: int
    kind: str  # nuke / unnuke / modnuke / delpre / undelpre
    reason: str
    network: str


def family_format_prob(table_prob: float) -> float:
    """A family releases more of its formats than the Scene at large does."""
    return min(1.0, 1.5 * table_prob)


def _family_bonus(
    config: WorldConfig, specialty: str, table: tuple[tuple[str, float], ...]
) -> float:
    """Extra expected pres per opportunity from families taking formats at a higher rate."""
    probs = dict(table)
    bonus = 0.0
    for fam in config.families:
        if fam.specialty != specialty:
            continue
        formats = {f for member in fam.formats for f in member}
        bonus += fam.title_coverage * sum(
            family_format_prob(probs.get(f, 0.5)) - probs.get(f, 0.0) for f in formats
        )
    return bonus


def expected_movie_releases(config: WorldConfig) -> float:
    """Expected pres per movie title (used to size the catalog to the target volume)."""
    cfg = config.pres
    race = 1.0 + config.groups.race_second_group_prob + cfg.proper_prob + cfg.repack_prob

    def total(kind: str) -> float:
        return sum(p for _, p in MOVIE_FORMATS[kind])

    theatrical_share = 1.0 - config.catalog.streaming_original_share
    physical_share = theatrical_share + config.catalog.streaming_original_share * 0.4
    expected = theatrical_share * (
        cfg.cam_title_share * total("cam") + cfg.screener_title_share * total("screener")
    )
    expected += cfg.web_title_coverage * (
        total("web") + cfg.foreign_share * (total("web-DE") + total("web-FR")) * 0.8
    )
    expected += (
        physical_share
        * cfg.retail_title_coverage
        * (total("retail") + cfg.foreign_share * (total("retail-DE") + total("retail-FR")) * 0.8)
    )
    expected += physical_share * config.supply.other_leak_prob * total("shop")
    expected += cfg.web_title_coverage * _family_bonus(config, "web", MOVIE_FORMATS["web"])
    expected += (
        physical_share
        * cfg.retail_title_coverage
        * (
            _family_bonus(config, "retail-disc", MOVIE_FORMATS["retail"])
            + cfg.foreign_share * _family_bonus(config, "foreign-de", MOVIE_FORMATS["retail-DE"])
        )
    )
    return expected * race


def expected_episode_releases(config: WorldConfig, style: str) -> float:
    cfg = config.pres
    race = 1.0 + config.groups.race_second_group_prob + cfg.proper_prob + cfg.repack_prob
    bonus = (
        _family_bonus(config, "web", EPISODE_FORMATS[style]) if style in ("weekly", "drop") else 0.0
    )
    return (sum(p for _, p in EPISODE_FORMATS[style]) + bonus) * race


class PreMaker:
    """Generates releases and their nuke histories; all randomness from one seeded stream."""

    def __init__(self, config: WorldConfig, catalog: Catalog, roster: Roster, seed: int) -> None:
        self.config = config
        self.cfg = config.pres
        self.catalog = catalog
        self.roster = roster
        self.rng = random.Random(f"{seed}:pres")
        self.families = {f.family_id: f for f in config.families}
        self.family_members: dict[str, list[Group]] = {}
        for group in roster.family_groups:
            self.family_members.setdefault(group.family or "", []).append(group)
        self._candidates: dict[tuple[str, str, int], tuple[list[Group], list[float]]] = {}
        probs = self.cfg.extra_feed_prob
        self._extra_feeds = [
            (feed, probs[index] if index < len(probs) else 0.0)
            for index, feed in enumerate(self.cfg.feeds[1:])
        ]
        self._feed_delay_mean = self.cfg.feed_delay_seconds_max / 4
        self._feed_delay_max = int(self.cfg.feed_delay_seconds_max)
        self.movie_names_lower: dict[int, bool] = {}

    # ---- group choice --------------------------------------------------------------

    def candidates(
        self, area: str, format_key: str, day: dt.date
    ) -> tuple[list[Group], list[float]]:
        """Independent groups of `area` releasing `format_key` and active on `day`."""
        key = (area, format_key, day.toordinal())
        found = self._candidates.get(key)
        if found is None:
            pool = self.roster.movie_groups if area == "movie" else self.roster.tv_groups
            groups = [g for g in pool if format_key in g.formats and g.active_on(day)]
            cumulative: list[float] = []
            running = 0.0
            for g in groups:
                running += g.weight
                cumulative.append(running)
            found = (groups, cumulative)
            if len(self._candidates) > 5000:
                self._candidates.clear()
            self._candidates[key] = found
        return found

    def pick(
        self, area: str, format_key: str, day: dt.date, exclude: Collection[str] = ()
    ) -> Group | None:
        """A group by volume weight; none of `exclude` (groups whose release of this title
        and format already exists: a second one would be a dupe name)."""
        groups, cumulative = self.candidates(area, format_key, day)
        if not groups:
            return None
        for _ in range(4):
            at = bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])
            group = groups[min(at, len(groups) - 1)]
            if group.name not in exclude:
                return group
        return None

    # ---- releases ------------------------------------------------------------------

    def release(
        self,
        *,
        name: str,
        ts: int,
        fmt: naming.Format,
        group: Group,
        title_id: str,
        kind: str,
        season: int = 0,
        episode: int = 0,
        family: str = "",
        account_id: str = "",
        counterfactual: bool = True,
        actual_only: bool = False,
        size_factor: float = 1.0,
    ) -> SimRelease:
        rng = self.rng
        size_mb = fmt.size_mb * size_factor * math.exp(rng.gauss(0.0, 0.18))
        volume = 250.0 if size_mb > 12000 else 100.0
        files = int(size_mb / volume) + 3
        category = fmt.movie_category if kind == "movie" else fmt.tv_category
        release = SimRelease(
            0,
            name,
            ts,
            category,
            int(size_mb * 1024),
            files,
            group.name,
            title_id,
            fmt.source_class,
            kind,
            season,
            episode,
            fmt.key,
            family,
            account_id,
            counterfactual,
            actual_only,
        )
        return release

    def movie_release(
        self,
        movie: Movie,
        fmt: naming.Format,
        group: Group,
        ts: int,
        flags: tuple[str, ...] = (),
        **extra: object,
    ) -> SimRelease:
        rng = self.rng
        title = movie.title
        if fmt.language and movie.aliases and rng.random() < 0.5:
            title = movie.aliases[0]  # foreign groups often use the local title
        if fmt.language and movie.language == fmt.language:
            title = movie.original_title
        edition = pick_one(rng.random, naming.EDITIONS) if rng.random() < 0.04 else None
        if rng.random() < self.config.groups.internal_share:
            flags = (*flags, "iNTERNAL")
        elif rng.random() < 0.02:
            flags = (*flags, "LIMITED")
        service = None
        if (
            fmt.source_class == "web"
            and group.service_tag_prob
            and rng.random() < group.service_tag_prob
        ):
            service = pick_one(rng.random, naming.SERVICES)
        name = naming.movie_name(
            title, movie.year, fmt, group.name, flags, edition, service, group.lower_codec
        )
        return self.release(
            name=name,
            ts=ts,
            fmt=fmt,
            group=group,
            title_id=movie.title_id,
            kind="movie",
            **extra,  # type: ignore[arg-type]
        )

    def episode_release(
        self,
        series: Series,
        opp: Opportunity,
        fmt: naming.Format,
        group: Group,
        ts: int,
        flags: tuple[str, ...] = (),
        **extra: object,
    ) -> SimRelease:
        rng = self.rng
        show = series.title
        if series.style == "anime" and series.aliases and group.name[0] < "M":
            show = series.aliases[0]  # half the anime groups use the romanized title
        if series.style == "daily" and opp.air is not None:
            name = naming.daily_name(
                show, opp.air, fmt, group.name, naming.pick_guest(rng), flags, group.lower_codec
            )
        else:
            service = None
            if (
                fmt.source_class == "web"
                and group.service_tag_prob
                and rng.random() < group.service_tag_prob
            ):
                service = pick_one(rng.random, naming.SERVICES)
            year = (
                series.year
                if series.country_tag == "" and series.title in self._film_titles()
                else None
            )
            name = naming.episode_name(
                show,
                opp.season,
                opp.episode,
                fmt,
                group.name,
                flags,
                year,
                series.country_tag,
                naming.pick_episode_title(rng) if opp.episode else None,
                service,
                group.lower_codec,
            )
        kind = "pack" if opp.episode == 0 else "episode"
        factor = 0.2 if series.style != "daily" else 0.12
        if opp.episode == 0:
            factor *= 8
        return self.release(
            name=name,
            ts=ts,
            fmt=fmt,
            group=group,
            title_id=series.title_id,
            kind=kind,
            season=opp.season,
            episode=opp.episode,
            size_factor=factor,
            **extra,  # type: ignore[arg-type]
        )

    def _film_titles(self) -> set[str]:
        cached = getattr(self, "_film_title_set", None)
        if cached is None:
            cached = {m.title for m in self.catalog.movies}
            object.__setattr__(self, "_film_title_set", cached)
        return cached

    # ---- follow-ups ----------------------------------------------------------------

    def nuke_history(
        self, release: SimRelease, *, dupe_of: SimRelease | None = None, technical: bool = False
    ) -> list[NukeAction]:
        """The nukes (and unnukes, modnukes, delpres) a release collects."""
        rng, cfg = self.rng, self.cfg
        actions: list[NukeAction] = []
        net = pick_one(rng.random, cfg.nuke_networks)
        if dupe_of is not None:
            reason = (
                f"dupe.{dupe_of.group}"
                if rng.random() < 0.5
                else f"dupe.{dt.datetime.fromtimestamp(dupe_of.ts, dt.UTC):%Y-%m-%d}"
            )
            actions.append(
                NukeAction(release, release.ts + int(rng.uniform(60, 7200)), "nuke", reason, net)
            )
        elif technical or rng.random() < cfg.nuke_prob:
            at = release.ts + int(rng.lognormvariate(8.5, 1.0))
            actions.append(NukeAction(release, at, "nuke", pick_one(rng.random, TECH_REASONS), net))
            roll = rng.random()
            if roll < cfg.mislabeled_nuke_prob:  # nuked in error
                actions.append(
                    NukeAction(
                        release,
                        at + int(rng.uniform(600, 86400)),
                        "unnuke",
                        pick_one(rng.random, UNNUKE_REASONS),
                        net,
                    )
                )
            elif roll < cfg.mislabeled_nuke_prob + cfg.modnuke_prob:
                actions.append(
                    NukeAction(
                        release,
                        at + int(rng.uniform(300, 20000)),
                        "modnuke",
                        pick_one(rng.random, TECH_REASONS),
                        net,
                    )
                )
        if rng.random() < cfg.delpre_prob:
            at = release.ts + int(rng.uniform(120, 86400))
            actions.append(
                NukeAction(release, at, "delpre", pick_one(rng.random, DELPRE_REASONS), net)
            )
            if rng.random() < cfg.undelpre_prob:
                actions.append(
                    NukeAction(
                        release, at + int(rng.uniform(600, 40000)), "undelpre", "restored", net
                    )
                )
        return actions

    def feed_reports(self, release: SimRelease) -> list[tuple[str, int]]:
        """(feed, reported pre time): the first reporter has the true time, the others lag
        seconds to minutes; once in a while a feed backfills a bogus date."""
        rng, cfg = self.rng, self.cfg
        draw = rng.random
        feeds = cfg.feeds
        ts = release.ts
        reports = [(feeds[0], ts)]
        for feed, prob in self._extra_feeds:
            if draw() < prob:
                # exponential lag, mean a quarter of the maximum, capped at the maximum
                delay = int(-math.log(1.0 - draw()) * self._feed_delay_mean) + 1
                reports.append((feed, ts + min(delay, self._feed_delay_max)))
        if draw() < 0.06 and len(reports) > 1:
            reports[0] = (feeds[0], ts + int(1 + 19 * draw()))
            reports[1] = (reports[1][0], ts)  # another feed was first this time
        if draw() < cfg.bogus_date_prob:
            bogus = (
                int(rng.uniform(0, 86400 * 30))
                if draw() < 0.5
                else FAR_FUTURE_TS + int(rng.uniform(0, 86400 * 300))
            )
            reports.append((feeds[-1], bogus))
        return reports

    def flag_day(self, ts: int) -> dt.date:
        return dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + ts // DAY)
