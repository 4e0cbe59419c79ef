"""The renamed successor: the same people under a new name. It keeps part of its
predecessor's supply (discs before street date, with the old family's lead and the
rip-and-pre rhythm of its fronts) and writes names as the predecessor did.

Everything here draws from the successor's own random streams, so no other draw of the world
changes: the race still hands the successor its street-date titles as before, and where the
successor already pred a title early, that street-date release becomes a shadow — its draws
are consumed, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from scenescope.world.catalog import Catalog
from scenescope.world.config import FamilySection, WorldConfig
from scenescope.world.groups import Group, Roster
from scenescope.world.naming import FORMATS
from scenescope.world.opportunities import DAY, day_ts
from scenescope.world.pres import (
    MOVIE_FORMATS,
    NukeAction,
    PreMaker,
    SimRelease,
    family_format_prob,
)
from scenescope.world.tiers import TierModel

# Of the titles the old family leaked early, the share the renamed group still gets early
# (times its volume share): new fronts, fewer of them, but the same people ordering the discs.
SUPPLY_KEPT = 0.8


@dataclass(frozen=True, slots=True)
class EarlyDisc:
    """One disc the successor gets before street date, and when it is pred."""

    movie_index: int
    territory: str
    street: dt.date
    pre_ts: int


@dataclass(frozen=True, slots=True)
class SuccessorCluster:
    """The successor's release of one early disc (a format each), with its nukes."""

    releases: list[SimRelease]
    nukes: list[NukeAction]


def inherited_supply(config: WorldConfig, roster: Roster) -> FamilySection | None:
    """The old family whose supply the successor keeps (a family with fronts), if any."""
    successor = roster.successor
    if successor is None or not successor.successor_of:
        return None
    old = next((g for g in roster.family_groups if g.name == successor.successor_of), None)
    if old is None or old.family is None:
        return None
    family = next((f for f in config.families if f.family_id == old.family), None)
    if family is None or family.fronts <= 0:
        return None
    if family.specialty not in ("retail-disc", "foreign-de"):
        return None
    return family


class SuccessorTrack:
    """The successor's early discs, day by day, and which of its titles exist already."""

    def __init__(
        self,
        config: WorldConfig,
        catalog: Catalog,
        roster: Roster,
        seed: int,
        event_ts: int | None,
    ) -> None:
        assert roster.successor is not None
        self.group: Group = roster.successor
        self.catalog = catalog
        self.family = inherited_supply(config, roster)
        # own streams: supply, names and nukes, feed reports, lower tiers, the chill
        self.maker = PreMaker(config, catalog, roster, seed)
        self.maker.rng = random.Random(f"{seed}:successor-pres")
        self.tiers = TierModel(config.tiers, seed, event_ts=event_ts)
        self.tiers.rng = random.Random(f"{seed}:successor-tiers")
        self.chill_rng = random.Random(f"{seed}:successor-chill")
        self.released: set[tuple[str, str]] = set()  # (title_id, format_key) pred by it
        self.discs: dict[int, list[EarlyDisc]] = {}
        if self.family is not None:
            self._plan(self.family, random.Random(f"{seed}:successor-supply"), config)

    def _plan(self, family: FamilySection, rng: random.Random, config: WorldConfig) -> None:
        """Which physical titles reach the successor early, with the family's lead and the
        front's rhythm (disc shipped, ripped within hours to days, pred)."""
        territory = "DE" if family.specialty == "foreign-de" else "US"
        coverage = family.title_coverage * SUPPLY_KEPT * min(1.0, self.group.weight)
        start = day_ts(self.group.active_from)
        end = day_ts(config.world.end) + DAY
        mean = family.lead_days_mean
        for movie in self.catalog.movies:
            street = movie.dates.get("physical", {}).get(territory)
            if street is None or rng.random() >= coverage:
                continue
            lead_days = max(0.5, rng.gauss(mean, mean / 3 + 0.5))
            rip_days = rng.uniform(0.2, 2.5)
            shipped = street - dt.timedelta(days=int(lead_days + rip_days) + 1)
            pre_ts = day_ts(shipped) + int((rip_days + rng.uniform(0.0, 0.9)) * DAY)
            if start <= pre_ts < end:
                disc = EarlyDisc(movie.index, territory, street, pre_ts)
                self.discs.setdefault(pre_ts // DAY, []).append(disc)

    def clusters(self, day: dt.date) -> list[SuccessorCluster]:
        """The successor's early-disc releases pred on `day` (titles it has not pred yet)."""
        out = []
        maker, rng = self.maker, self.maker.rng
        for disc in sorted(self.discs.pop(day_ts(day) // DAY, []), key=lambda d: d.pre_ts):
            movie = self.catalog.movies[disc.movie_index]
            table = dict(MOVIE_FORMATS["retail-DE" if disc.territory == "DE" else "retail"])
            releases: list[SimRelease] = []
            nukes: list[NukeAction] = []
            for format_key in self.group.formats:
                if (movie.title_id, format_key) in self.released:
                    continue
                if rng.random() >= family_format_prob(table.get(format_key, 0.5)):
                    continue
                ts = disc.pre_ts + int(rng.uniform(0, 300))
                release = maker.movie_release(
                    movie,
                    FORMATS[format_key],
                    self.group,
                    ts,
                    counterfactual=False,
                    actual_only=True,
                )
                self.released.add((movie.title_id, format_key))
                releases.append(release)
                nukes.extend(maker.nuke_history(release))
            if releases:
                out.append(SuccessorCluster(releases, nukes))
        return out

    def shadows(self, release: SimRelease) -> bool:
        """Whether a race release of the successor repeats a title it pred already (then it
        is a shadow); otherwise note the title as pred."""
        key = (release.title_id, release.format_key)
        if key in self.released:
            return True
        self.released.add(key)
        return False
