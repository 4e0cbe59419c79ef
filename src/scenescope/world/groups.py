"""Release groups: tags, specialties (formats), heavy-tailed volumes, lifespans and families.

Independent groups race each other for formats; family members share one supply and split
the formats between them. The renamed successor of a removed group is created here too.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from scenescope.world.config import WorldConfig

# specialty → the formats groups of that specialty may release (keys of naming.FORMATS)
MOVIE_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "retail-disc": (
        "1080p.bluray.x264",
        "720p.bluray.x264",
        "2160p.uhd.x265",
        "1080p.bluray.x265",
        "bdrip",
        "dvdrip",
        "dvdr",
        "complete.bluray",
        "complete.uhd.bluray",
    ),
    "web": (
        "1080p.web.h264",
        "720p.web.h264",
        "2160p.web.h265",
        "web.h264.sd",
        "1080p.webrip.x264",
        "720p.webrip.x264",
    ),
    "cam": ("cam.x264", "hdts.x264", "ts.xvid", "hdcam.x264"),
    "screener": ("dvdscr.x264", "dvdscr.xvid"),
    "foreign-fr": (
        "french.1080p.bluray.x264",
        "french.720p.bluray.x264",
        "french.1080p.web.h264",
        "multi.1080p.bluray.x264",
        "french.dvdr",
    ),
    "foreign-de": (
        "german.dl.1080p.bluray.x264",
        "german.dl.720p.bluray.x264",
        "german.dl.1080p.web.h264",
        "german.720p.web.h264",
        "german.dvdr",
    ),
}
MOVIE_SPECIALTY_MIX: tuple[tuple[str, float], ...] = (
    ("retail-disc", 0.36),
    ("web", 0.30),
    ("cam", 0.06),
    ("screener", 0.04),
    ("foreign-fr", 0.11),
    ("foreign-de", 0.13),
)
TV_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "hdtv": ("720p.hdtv.x264", "hdtv.x264", "1080p.hdtv.x264"),
    "web": ("1080p.web.h264", "720p.web.h264", "web.h264.sd", "2160p.web.h265"),
    "anime": ("anime.1080p.web.h264", "anime.720p.web.h264"),
    "foreign-de": ("german.dl.720p.web.h264", "german.720p.hdtv.x264"),
    "foreign-fr": ("french.720p.hdtv.x264", "french.1080p.web.h264"),
}
TV_SPECIALTY_MIX: tuple[tuple[str, float], ...] = (
    ("hdtv", 0.30),
    ("web", 0.42),
    ("anime", 0.10),
    ("foreign-de", 0.10),
    ("foreign-fr", 0.08),
)

_SYLLABLES = (
    "BA",
    "RO",
    "KI",
    "NE",
    "ZU",
    "TOR",
    "VEX",
    "LUM",
    "DRA",
    "MO",
    "SYN",
    "PHI",
    "GRI",
    "FEL",
    "HAX",
    "OR",
    "IN",
    "QUA",
    "TRO",
    "NIX",
    "SKA",
    "VO",
    "LEX",
    "MIR",
    "DU",
    "CO",
    "PRE",
    "GO",
    "TA",
    "SI",
    "REL",
    "VAN",
    "ZE",
    "OX",
    "UM",
    "ER",
    "AL",
    "KO",
    "FI",
    "PE",
)


@dataclass(frozen=True, slots=True)
class Group:
    """A release group: what it releases (formats), how much (weight), when it was active."""

    name: str
    area: str  # movie / tv / both / noise
    specialty: str  # retail-disc, web, cam, hdtv, anime, foreign-de, ..., or noise:<CATEGORY>
    formats: tuple[str, ...]
    weight: float  # relative volume (Pareto-distributed)
    active_from: dt.date
    active_until: dt.date | None
    family: str | None = None
    successor_of: str | None = None
    service_tag_prob: float = 0.0  # how often it writes the streaming service (AMZN, NF...)
    lower_codec: bool = False  # writes h264 rather than H264

    def active_on(self, day: dt.date) -> bool:
        return self.active_from <= day and (self.active_until is None or day < self.active_until)


@dataclass(frozen=True, slots=True)
class Roster:
    """Every group of the world, by area, with the family members apart."""

    movie_groups: tuple[Group, ...]
    tv_groups: tuple[Group, ...]
    family_groups: tuple[Group, ...]
    noise_groups: dict[str, tuple[Group, ...]]
    successor: Group | None

    def all_groups(self) -> list[Group]:
        out = [*self.family_groups, *self.movie_groups, *self.tv_groups]
        for category in sorted(self.noise_groups):
            out.extend(self.noise_groups[category])
        if self.successor is not None:
            out.append(self.successor)
        return out


class _TagMaker:
    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.taken = {t.lower() for t in taken}

    def tag(self) -> str:
        rng = self.rng
        while True:
            tag = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3))))
            if rng.random() < 0.2:
                tag = tag.replace("I", "i")  # scene habit: SPRiNTER-style lowercase i
            if rng.random() < 0.05:
                tag += rng.choice(("HD", "X", "2"))
            if 3 <= len(tag) <= 10 and tag.lower() not in self.taken:
                self.taken.add(tag.lower())
                return tag


def build_roster(config: WorldConfig, seed: int) -> Roster:
    """All groups for the world: independents, family members, noise groups, the successor."""
    rng = random.Random(f"{seed}:groups")
    cfg = config.groups
    start = config.world.start
    reserved = {m for fam in config.families for m in fam.members}
    if config.enforcement.enabled:
        reserved.add(config.enforcement.successor_name)
    tags = _TagMaker(rng, reserved)

    family_groups: list[Group] = []
    enf = config.enforcement
    for fam in config.families:
        area = "both" if fam.specialty == "web" else "movie"
        until = enf.date if enf.enabled and enf.family == fam.family_id else None
        for member, formats in zip(fam.members, fam.formats, strict=True):
            family_groups.append(
                Group(
                    member,
                    area,
                    fam.specialty,
                    tuple(formats),
                    1.0,
                    fam.founded,
                    until,
                    family=fam.family_id,
                    lower_codec=fam.specialty != "retail-disc",
                )
            )

    movie_groups = [
        _independent(rng, tags, config, "movie", MOVIE_SPECIALTY_MIX, MOVIE_SPECIALTIES, start)
        for _ in range(cfg.movie_groups)
    ]
    tv_groups = [
        _independent(rng, tags, config, "tv", TV_SPECIALTY_MIX, TV_SPECIALTIES, start)
        for _ in range(cfg.tv_groups)
    ]
    noise_groups: dict[str, tuple[Group, ...]] = {}
    for category in config.noise.categories:
        noise_groups[category] = tuple(
            Group(
                tags.tag(),
                "noise",
                f"noise:{category}",
                (category,),
                _pareto(rng, config.noise.volume_tail_alpha),
                _founded(rng, config, start),
                _ended(rng, config),
            )
            for _ in range(config.noise.groups_per_category)
        )
    successor = _successor(config, family_groups)
    return Roster(
        tuple(movie_groups), tuple(tv_groups), tuple(family_groups), noise_groups, successor
    )


def _independent(
    rng: random.Random,
    tags: _TagMaker,
    config: WorldConfig,
    area: str,
    mix: tuple[tuple[str, float], ...],
    specialties: dict[str, tuple[str, ...]],
    start: dt.date,
) -> Group:
    specialty = rng.choices([s for s, _ in mix], weights=[w for _, w in mix])[0]
    pool = specialties[specialty]
    size = max(1, min(len(pool), int(rng.triangular(1, len(pool) + 1, 2))))
    formats = tuple(sorted(rng.sample(pool, size)))
    weight = _pareto(rng, config.groups.volume_tail_alpha)
    return Group(
        tags.tag(),
        area,
        specialty,
        formats,
        weight,
        _founded(rng, config, start),
        _ended(rng, config),
        service_tag_prob=rng.choice((0.0, 0.0, 0.3, 0.9)) if specialty == "web" else 0.0,
        lower_codec=rng.random() < 0.5,
    )


def _pareto(rng: random.Random, alpha: float) -> float:
    return min(200.0, rng.paretovariate(alpha))


def _founded(rng: random.Random, config: WorldConfig, start: dt.date) -> dt.date:
    if rng.random() < config.groups.founded_before_start_share:
        return start - dt.timedelta(days=rng.randrange(30, 4000))
    span = max(1, (config.world.end - start).days)
    return start + dt.timedelta(days=rng.randrange(span))


def _ended(rng: random.Random, config: WorldConfig) -> dt.date | None:
    if rng.random() < config.groups.ending_in_window_share:
        span = max(1, (config.world.end - config.world.start).days)
        return config.world.start + dt.timedelta(days=rng.randrange(span))
    return None


def _successor(config: WorldConfig, family_groups: list[Group]) -> Group | None:
    enf = config.enforcement
    if not enf.enabled or not enf.successor_name:
        return None
    old = next((g for g in family_groups if g.name == enf.successor_of), None)
    if old is None:
        return None
    start = enf.date + dt.timedelta(weeks=enf.successor_delay_weeks)
    return Group(
        enf.successor_name,
        old.area,
        old.specialty,
        old.formats,
        enf.successor_volume_share,
        start,
        None,
        successor_of=old.name,
        # the same people write names as they did: codec case, streaming-service tags
        service_tag_prob=old.service_tag_prob,
        lower_codec=old.lower_codec,
    )
