"""Down the pyramid: when a release shows up on P2P, Usenet, DDL, streaming and IPTV.

Each tier reaches a release with some probability after a log-normal lag from the pre;
P2P often renames it; some titles never reach the streaming / IPTV tiers at all.
"""

from __future__ import annotations

import math
import random
from typing import NamedTuple

from scenescope.world import naming
from scenescope.world.config import TiersSection
from scenescope.world.draw import pick_one
from scenescope.world.pres import SimRelease

SITES: dict[str, tuple[str, ...]] = {
    "p2p": ("tracker-alpha.example", "tracker-beta.example", "magnetdock.example"),
    "usenet": ("indexer-one.example", "nzbharbor.example"),
    "ddl": ("lockerhub.example", "fileriver.example"),
    "streaming": ("streamvault.example", "watchnow.example", "flixmirror.example"),
    "iptv": ("panel-nova.example", "panel-orbit.example"),
}
_HIDDEN_TIERS = ("streaming", "iptv")


class Sighting(NamedTuple):
    """One appearance of a release on a lower tier (a tuple: millions are made)."""

    name: str
    tier: str
    site: str
    ts: int


class TierModel:
    def __init__(self, cfg: TiersSection, seed: int, *, event_ts: int | None = None) -> None:
        self.cfg = cfg
        self.event_ts = event_ts
        self.slower = cfg.post_event_lag_factor
        self.rng = random.Random(f"{seed}:tiers")
        self.seed = seed
        self.log_medians = [math.log(m * 60.0) for m in cfg.median_lag_minutes]
        self.max_lag = int(cfg.max_lag_days * 86400)
        self._hidden: dict[str, bool] = {}
        self._tiers = tuple(
            (
                tier,
                cfg.reach_prob[index],
                self.log_medians[index],
                cfg.lag_sigma[index],
                SITES.get(tier, ("site.example",)),
            )
            for index, tier in enumerate(cfg.names)
        )

    def never_reaches(self, title_id: str, tier: str) -> bool:
        """Deterministic per title: some titles never reach streaming / IPTV."""
        if tier not in _HIDDEN_TIERS:
            return False
        hidden = self._hidden.get(title_id)
        if hidden is None:
            hidden = random.Random(f"{self.seed}:{title_id}").random() < self.cfg.never_reach_share
            if len(self._hidden) > 100000:  # a cache: recomputing gives the same answer
                self._hidden.clear()
            self._hidden[title_id] = hidden
        return hidden

    def sightings(self, release: SimRelease) -> list[Sighting]:
        if not release.title_id:
            return []
        rng = self.rng
        draw = rng.random
        out: list[Sighting] = []
        for tier, reach, log_median, sigma, sites in self._tiers:
            if draw() >= reach:
                continue
            if tier in _HIDDEN_TIERS and self.never_reaches(release.title_id, tier):
                continue
            lag_s = math.exp(rng.gauss(log_median, sigma))
            if self.event_ts is not None and release.ts >= self.event_ts:
                lag_s *= self.slower
            lag = min(self.max_lag, int(lag_s))
            name = release.name
            if tier == "p2p" and draw() < self.cfg.p2p_rename_share:
                name = naming.p2p_name(name, rng)
            out.append(Sighting(name, tier, pick_one(draw, sites), release.ts + lag))
        return out
