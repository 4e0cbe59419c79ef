"""How one opportunity becomes clusters of releases: the family takes its formats within
minutes, independents race for the rest (the loser dupes and is often nuked), a few releases
get a PROPER or a REPACK; after the operation, others pick up part of the family's titles.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from scenescope.world.catalog import Catalog
from scenescope.world.enforcement import Operation
from scenescope.world.naming import FORMATS
from scenescope.world.opportunities import DAY, Opportunity
from scenescope.world.pres import (
    EPISODE_FORMATS,
    MOVIE_FORMATS,
    NukeAction,
    PreMaker,
    SimRelease,
    family_format_prob,
)
from scenescope.world.supply import Supply


@dataclass(slots=True)
class Cluster:
    """Releases of one title × format that live or vanish together under the chill."""

    releases: list[SimRelease] = field(default_factory=list)
    nukes: list[NukeAction] = field(default_factory=list)
    removed: bool = False  # only in the counterfactual world (the family after the raids)


# a shop leak and the street-date race of one title are weeks apart (territories), not months
DISC_RACE_MEMORY_SECONDS = 120 * DAY


class Race:
    def __init__(
        self, maker: PreMaker, catalog: Catalog, supply: Supply, operation: Operation | None
    ) -> None:
        self.maker = maker
        self.catalog = catalog
        self.supply = supply
        self.op = operation
        self.successor = maker.roster.successor
        # shop-leaked movie index → (first race time, format → groups that pred it)
        self.disc_groups: OrderedDict[int, tuple[int, dict[str, set[str]]]] = OrderedDict()

    def clusters(self, opp: Opportunity) -> list[Cluster]:
        if opp.kind in ("episode", "pack"):
            return self._episode(opp)
        if opp.kind == "family":
            return [self._family_disc(opp)]
        return self._movie(opp)

    # ---- movies ----------------------------------------------------------------------

    def _movie(self, opp: Opportunity) -> list[Cluster]:
        maker, rng = self.maker, self.maker.rng
        movie = self.catalog.movies[opp.title_index]
        day = maker.flag_day(opp.ts)
        table = MOVIE_FORMATS[opp.kind]
        taken: set[str] = set()
        displaced: set[str] = set()
        out: list[Cluster] = []
        if opp.kind in ("retail", "retail-DE"):
            for source in self.supply.family_sources.get(movie.index, ()):
                if (source.territory == "DE") != (opp.kind == "retail-DE"):
                    continue
                formats = {
                    f for g in maker.family_members[source.family_id or ""] for f in g.formats
                }
                removed = source.counterfactual_only or self._removed(
                    source.family_id, source.pre_ts
                )
                taken |= formats
                if removed and rng.random() < (self.op.displacement_share if self.op else 0):
                    displaced |= formats
        if opp.kind == "web":
            out.extend(self._web_family(opp, day, taken, "movie"))
        # a title with a shop leak has two races on the same disc formats (the shop's early
        # disc, the street date); whichever comes second must not repeat a group's name
        shared = opp.kind in ("shop", "retail") and movie.index in self.supply.shop_leaks
        already = self.disc_groups.get(movie.index, (0, {}))[1] if shared else {}
        successor_formats: set[str] = set()
        if (
            self.successor
            and opp.kind == "retail"
            and self.successor.active_on(day)
            and rng.random() < self.successor.weight * 0.5
        ):
            successor_formats = set(self.successor.formats)
        for offset, (format_key, prob) in enumerate(table):
            in_table = rng.random() < prob
            if format_key in taken and format_key not in displaced:
                continue
            if not in_table and format_key not in displaced:
                continue
            fmt = FORMATS[format_key]
            ts = opp.ts + (0 if offset == 0 else int(rng.uniform(0, 3 * 3600)))
            actual_only = format_key in displaced
            if (
                format_key in successor_formats
                and self.successor is not None
                and self.successor.name not in already.get(format_key, ())
            ):
                group = self.successor
                actual_only = True
            else:
                picked = maker.pick("movie", format_key, day, already.get(format_key, ()))
                if picked is None:
                    continue
                group = picked
            account = ""
            if opp.kind == "shop":
                shop = self.supply.shop_leaks.get(movie.index)
                account = shop.account_id if shop else ""
            first = maker.movie_release(
                movie,
                fmt,
                group,
                ts,
                account_id=account,
                counterfactual=not actual_only,
                actual_only=actual_only,
            )
            cluster = self._follow_ups(
                first,
                partial(
                    maker.movie_release,
                    movie,
                    fmt,
                    counterfactual=not actual_only,
                    actual_only=actual_only,
                ),
                "movie",
                day,
                already.get(format_key),
            )
            if shared:
                self._remember_disc_race(movie.index, opp.ts, format_key, cluster)
            out.append(cluster)
        return out

    def _remember_disc_race(
        self, title_index: int, ts: int, format_key: str, cluster: Cluster
    ) -> None:
        """Note who pred a disc format of a shop-leaked title; forget races long past
        (memory stays bounded by a few months of shop leaks at any scale)."""
        entry = self.disc_groups.setdefault(title_index, (ts, {}))
        entry[1].setdefault(format_key, set()).update(r.group for r in cluster.releases)
        while self.disc_groups:
            oldest, (oldest_ts, _) = next(iter(self.disc_groups.items()))
            if oldest_ts >= ts - DISC_RACE_MEMORY_SECONDS:
                break
            del self.disc_groups[oldest]

    def _family_disc(self, opp: Opportunity) -> Cluster:
        maker, rng = self.maker, self.maker.rng
        movie = self.catalog.movies[opp.title_index]
        source = next(
            s
            for s in self.supply.family_sources[movie.index]
            if s.family_id == opp.family_id and s.pre_ts == opp.ts
        )
        cluster = Cluster(
            removed=source.counterfactual_only or self._removed(opp.family_id, opp.ts)
        )
        table = dict(MOVIE_FORMATS["retail-DE" if opp.territory == "DE" else "retail"])
        for member in maker.family_members[opp.family_id]:
            member_offset = int(rng.uniform(0, 900))
            for format_key in member.formats:
                if rng.random() >= family_format_prob(table.get(format_key, 0.5)):
                    continue
                ts = opp.ts + member_offset + int(rng.uniform(0, 300))
                release = maker.movie_release(
                    movie,
                    FORMATS[format_key],
                    member,
                    ts,
                    family=opp.family_id,
                    account_id=source.account_id,
                )
                cluster.releases.append(release)
                cluster.nukes.extend(maker.nuke_history(release))
        cluster.releases.sort(key=lambda r: (r.ts, r.id))
        return cluster

    def _web_family(
        self, opp: Opportunity, day: dt.date, taken: set[str], area: str
    ) -> list[Cluster]:
        """A web family (no fronts) taking its formats on a digital or episode opportunity."""
        maker, rng = self.maker, self.maker.rng
        out: list[Cluster] = []
        for fam in maker.config.families:
            if fam.specialty != "web" or rng.random() >= fam.title_coverage:
                continue
            members = [g for g in maker.family_members[fam.family_id] if g.active_from <= day]
            if not members:
                continue
            removed = self._removed(fam.family_id, opp.ts)
            cluster = Cluster(removed=removed)
            table = (
                dict(MOVIE_FORMATS["web"])
                if area == "movie"
                else dict(EPISODE_FORMATS[self.catalog.series[opp.title_index].style])
            )
            for member in members:
                member_offset = int(rng.uniform(0, 600))
                for format_key in member.formats:
                    if rng.random() >= family_format_prob(table.get(format_key, 0.5)):
                        continue
                    ts = opp.ts + member_offset + int(rng.uniform(0, 240))
                    fmt = FORMATS[format_key]
                    if area == "movie":
                        release = maker.movie_release(
                            self.catalog.movies[opp.title_index],
                            fmt,
                            member,
                            ts,
                            family=fam.family_id,
                        )
                    else:
                        release = maker.episode_release(
                            self.catalog.series[opp.title_index],
                            opp,
                            fmt,
                            member,
                            ts,
                            family=fam.family_id,
                        )
                    cluster.releases.append(release)
                    cluster.nukes.extend(maker.nuke_history(release))
                    taken.add(format_key)
            cluster.releases.sort(key=lambda r: (r.ts, r.id))
            out.append(cluster)
        return out

    # ---- TV --------------------------------------------------------------------------

    def _episode(self, opp: Opportunity) -> list[Cluster]:
        maker, rng = self.maker, self.maker.rng
        series = self.catalog.series[opp.title_index]
        day = maker.flag_day(opp.ts)
        taken: set[str] = set()
        out: list[Cluster] = []
        if series.style in ("weekly", "drop"):
            out.extend(self._web_family(opp, day, taken, "tv"))
        for offset, (format_key, prob) in enumerate(EPISODE_FORMATS[series.style]):
            if format_key in taken or rng.random() >= prob:
                continue
            fmt = FORMATS[format_key]
            if opp.kind == "pack" and fmt.source_class != "web":
                continue
            group = maker.pick("tv", format_key, day)
            if group is None:
                continue
            ts = opp.ts + (0 if offset == 0 else int(rng.uniform(0, 2 * 3600)))
            first = maker.episode_release(series, opp, fmt, group, ts)
            out.append(
                self._follow_ups(first, partial(maker.episode_release, series, opp, fmt), "tv", day)
            )
        return out

    # ---- shared ----------------------------------------------------------------------

    def _follow_ups(
        self,
        first: SimRelease,
        make: Callable[..., SimRelease],
        area: str,
        day: dt.date,
        already: set[str] | None = None,
    ) -> Cluster:
        """The winner, plus maybe a racing dupe, a PROPER by another group or a REPACK.
        `already`: groups whose release of this title and format exists (never a dupe)."""
        maker, rng = self.maker, self.maker.rng
        cfg = maker.config
        cluster = Cluster(releases=[first])
        technical = False
        if rng.random() < cfg.groups.race_second_group_prob:
            loser = maker.pick(area, first.format_key, day, {first.group, *(already or ())})
            if loser is not None:
                dupe = make(loser, first.ts + int(rng.uniform(20, 2400)), ())
                cluster.releases.append(dupe)
                if rng.random() < cfg.groups.dupe_nuke_prob:
                    cluster.nukes.extend(maker.nuke_history(dupe, dupe_of=first))
        roll = rng.random()
        if roll < cfg.pres.proper_prob:
            fixer = maker.pick(area, first.format_key, day, {first.group, *(already or ())})
            if fixer is not None:
                technical = True
                cluster.releases.append(
                    make(fixer, first.ts + int(rng.uniform(2, 48) * 3600), ("PROPER",))
                )
        elif roll < cfg.pres.proper_prob + cfg.pres.repack_prob:
            group = next(
                (
                    g
                    for g in (
                        *maker.roster.movie_groups,
                        *maker.roster.tv_groups,
                        *maker.roster.family_groups,
                    )
                    if g.name == first.group
                ),
                None,
            )
            if group is not None:
                technical = rng.random() < 0.5
                cluster.releases.append(
                    make(group, first.ts + int(rng.uniform(1, 24) * 3600), ("REPACK",))
                )
        cluster.nukes.extend(maker.nuke_history(first, technical=technical))
        return cluster

    def _removed(self, family_id: str | None, ts: int) -> bool:
        return bool(self.op and family_id == self.op.family_id and ts >= self.op.event_ts)


def day_of(ts: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=ts // DAY)
