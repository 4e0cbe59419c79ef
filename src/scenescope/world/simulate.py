"""Runs a world: builds catalog, groups and supply, then walks the days — opportunities,
the race, noise, the chill — streaming every event to disk in time order, and writes truth.

`simulate(config, out_dir)` is the library entry point behind `scenescope simulate`.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import gc
import heapq
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenescope.world import naming
from scenescope.world.catalog import Catalog, build_catalog
from scenescope.world.config import WorldConfig, config_digest
from scenescope.world.draw import pick_one
from scenescope.world.enforcement import Operation, build_operation
from scenescope.world.groups import Group, Roster, build_roster
from scenescope.world.opportunities import DAY, OpportunityBook, day_ts
from scenescope.world.pres import (
    TECH_REASONS,
    NukeAction,
    PreMaker,
    SimRelease,
    expected_episode_releases,
    expected_movie_releases,
)
from scenescope.world.race import Cluster, Race
from scenescope.world.seized import SeizedMedia
from scenescope.world.successor import SuccessorTrack
from scenescope.world.supply import Supply, build_supply
from scenescope.world.tiers import TierModel
from scenescope.world.truth import LeakJudge, LeakLog, Tally, write_truth
from scenescope.world.writer import WorldWriter, write_accounts, write_catalog

NOISE_SIZE_MB = {
    "MP3": 110.0,
    "FLAC": 420.0,
    "0DAY": 180.0,
    "GAMES": 6000.0,
    "EBOOK": 6.0,
    "PDA": 60.0,
    "MVID": 300.0,
}
NOISE_NUKE_REASONS = ("dupe", "mislabeled", *TECH_REASONS[:3])
SERIES_STYLE_RATE = {"weekly": None, "daily": 0.55, "anime": None, "drop": 14.0 / 365.0}

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class WorldSummary:
    out_dir: Path
    seed: int
    days: int
    releases: int
    pres_rows: int
    nukes: int
    frames: int
    sightings: int
    shipments: int
    leaks: int
    titles: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "days": self.days,
            "releases": self.releases,
            "pres_rows": self.pres_rows,
            "nukes": self.nukes,
            "frames": self.frames,
            "sightings": self.sightings,
            "shipments": self.shipments,
            "leaks": self.leaks,
            "titles": self.titles,
            "seconds": round(self.seconds, 2),
        }


def catalog_sizes(config: WorldConfig) -> tuple[int, dict[str, int]]:
    """How many movies and series (per style) give the configured pre volume."""
    vol, cat, scale = config.volume, config.catalog, config.world.scale
    film_tv = vol.pres_per_day * vol.film_tv_share * scale
    movie_rate = film_tv * vol.movie_share_of_film_tv / expected_movie_releases(config)
    span_days = (config.world.end - config.world.start).days + 1 + 320
    movie_count = max(1, round(movie_rate * span_days))
    shares = {
        "daily": cat.series_daily_share,
        "anime": cat.series_anime_share,
        "drop": cat.series_streaming_drop_share,
    }
    shares["weekly"] = max(0.0, 1.0 - sum(shares.values()))
    per_series = 0.0
    for style, share in shares.items():
        rate = SERIES_STYLE_RATE[style] or cat.on_air_share / 7.0
        per_series += share * rate * expected_episode_releases(config, style)
    series_total = film_tv * (1.0 - vol.movie_share_of_film_tv) / per_series
    counts = {style: max(1, round(series_total * share)) for style, share in shares.items()}
    return movie_count, counts


def simulate(
    config: WorldConfig, out_dir: Path, progress: ProgressCallback | None = None
) -> WorldSummary:
    """Simulate the configured world into `out_dir` (files overwritten) and return counts."""
    with _rare_young_collections():
        return _simulate(config, out_dir, progress)


@contextlib.contextmanager
def _rare_young_collections() -> Iterator[None]:
    """Millions of short-lived records (few cycles) trigger the cyclic GC every 700
    allocations, each pass walking the young objects: ~7% of a world's time. Collect
    young objects every 50,000 allocations instead, and restore the caller's setting."""
    saved = gc.get_threshold()
    gc.set_threshold(50_000, saved[1], saved[2])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _simulate(
    config: WorldConfig, out_dir: Path, progress: ProgressCallback | None
) -> WorldSummary:
    started = time.perf_counter()
    seed = config.world.seed
    out_dir.mkdir(parents=True, exist_ok=True)
    movie_count, series_counts = catalog_sizes(config)
    catalog = build_catalog(
        config.catalog,
        config.world.territories,
        config.world.start,
        config.world.end,
        movie_count,
        series_counts,
        seed,
    )
    roster = build_roster(config, seed)
    operation = build_operation(config.enforcement)
    with WorldWriter(out_dir) as writer:
        write_catalog(out_dir, catalog)
        supply = build_supply(config, catalog.movies, seed, writer.shipment)
        write_accounts(out_dir, supply)
        run = _Run(config, catalog, roster, supply, operation, writer, seed)
        if operation is not None:
            run.seized = SeizedMedia(operation, roster, catalog, seed)
        days = (config.world.end - config.world.start).days + 1
        try:
            for index in range(days):
                run.day(config.world.start + dt.timedelta(days=index))
                if progress is not None:
                    progress(index + 1, days)
            run.flush(None)
        except BaseException:
            run.leaks.discard()  # no spool left behind by an interrupted run
            raise
        counts = {
            "releases": run.releases,
            "pres_rows": writer.pres.rows,
            "nukes": writer.nukes.rows,
            "ws_frames": writer.frame_count,
            "sightings": writer.sightings.rows,
            "shipments": writer.shipments.rows,
            "movies": len(catalog.movies),
            "series": len(catalog.series),
        }
        write_truth(
            out_dir / "truth.json",
            seed=seed,
            digest=config_digest(config),
            config=config.to_dict(),
            roster=roster,
            supply=supply,
            operation=operation,
            tally=run.tally,
            leaks=run.leaks,
            counts=counts,
            successor_first_pre=run.successor_first_pre,
            sections={"seized": run.seized.write(out_dir)} if run.seized else None,
        )
        summary = WorldSummary(
            out_dir,
            seed,
            days,
            run.releases,
            writer.pres.rows,
            writer.nukes.rows,
            writer.frame_count,
            writer.sightings.rows,
            writer.shipments.rows,
            run.leaks.count,
            len(catalog.movies) + len(catalog.series),
            time.perf_counter() - started,
        )
    return summary


class _Run:
    """The day loop's state: the event heap (time-ordered output), tallies and leaks."""

    def __init__(
        self,
        config: WorldConfig,
        catalog: Catalog,
        roster: Roster,
        supply: Supply,
        operation: Operation | None,
        writer: WorldWriter,
        seed: int,
    ) -> None:
        self.config = config
        self.op = operation
        self.writer = writer
        self.maker = PreMaker(config, catalog, roster, seed)
        self.race = Race(self.maker, catalog, supply, operation)
        self.book = OpportunityBook(catalog, supply, config.pres, seed, config.world.start)
        self.tiers = TierModel(
            config.tiers, seed, event_ts=operation.event_ts if operation is not None else None
        )
        self.judge = LeakJudge(catalog)
        self.tally = Tally(operation)
        self.chill_rng = random.Random(f"{seed}:chill")
        self.dip_rng = random.Random(f"{seed}:dips")
        self.dips = _dip_days(config.volume.dips)
        self.noise_rng = random.Random(f"{seed}:noise")
        self.roster = roster
        self.heap: list[tuple[int, int, str, Any]] = []
        self.seq = 0
        self.releases = 0
        self.leaks = LeakLog(writer.out_dir / ".leaks.spool")
        self.successor_name = roster.successor.name if roster.successor else None
        self.successor_first_pre: int | None = None
        self.successor_track = (
            SuccessorTrack(
                config,
                catalog,
                roster,
                seed,
                operation.event_ts if operation is not None else None,
            )
            if roster.successor is not None
            else None
        )
        self.compensation: float | None = None
        self.noise_serials: dict[str, int] = {}
        self.seized: SeizedMedia | None = None  # the operation's seized media, if any

    def day(self, day: dt.date) -> None:
        for opp in self.book.for_day(day):
            for cluster in self.race.clusters(opp):
                self.cluster(cluster)
        if self.successor_track is not None:
            self.successor_discs(day, self.successor_track)
        self.noise(day)
        self.flush(day_ts(day) + DAY)

    def dipped(self, ts: int) -> bool:
        """A holiday-like dip drops this release from both worlds."""
        ratio = self.dips.get(ts // DAY)
        return ratio is not None and self.dip_rng.random() >= ratio

    def cluster(self, cluster: Cluster) -> None:
        if not cluster.releases or (self.dips and self.dipped(cluster.releases[0].ts)):
            return
        chill = self.chill(cluster.releases[0].ts)
        actual = not cluster.removed and self.chill_rng.random() < chill
        shadows: set[int] = set()
        for release in cluster.releases:
            track = self.successor_track
            if (
                actual
                and track is not None
                and release.group == self.successor_name
                and track.shadows(release)
            ):
                # pred early already: consume its draws when it would be pred, write nothing
                shadows.add(id(release))
                self.push(release.ts, "X", release)
                continue
            self.tally.add(release, actual)
            if actual:
                self.push(release.ts, "P", release)
        if actual:
            for action in cluster.nukes:
                if id(action.release) not in shadows:
                    self.push(action.ts, "N", action)

    def successor_discs(self, day: dt.date, track: SuccessorTrack) -> None:
        """The successor's early discs of the day, from its own streams (chill included)."""
        for cluster in track.clusters(day):
            if self.dips and track.chill_rng.random() >= self.dips.get(
                cluster.releases[0].ts // DAY, 1.0
            ):
                continue
            actual = track.chill_rng.random() < self.chill(cluster.releases[0].ts)
            for release in cluster.releases:
                self.tally.add(release, actual)
                if actual:
                    self.push(release.ts, "T", release)
            if actual:
                for action in cluster.nukes:
                    self.push(action.ts, "N", action)

    def noise(self, day: dt.date) -> None:
        cfg, vol, rng = self.config.noise, self.config.volume, self.noise_rng
        draw = rng.random
        base = vol.pres_per_day * (1.0 - vol.film_tv_share) * self.config.world.scale
        base *= vol.weekday_factor[day.weekday()]
        total_weight = sum(cfg.weights)
        start = day_ts(day)
        nuke_prob = self.config.pres.noise_nuke_prob
        networks = self.config.pres.nuke_networks
        for category, weight in zip(cfg.categories, cfg.weights, strict=True):
            groups = [g for g in self.roster.noise_groups[category] if g.active_on(day)]
            if not groups:
                continue
            cumulative = _cumulative(groups)
            last = len(groups) - 1
            count = _poisson(rng, base * weight / total_weight)
            size_mb = NOISE_SIZE_MB.get(category, 100.0)
            for _ in range(count):
                ts = start + int(draw() * DAY)
                if self.dips and self.dipped(ts):
                    continue
                group = groups[min(last, bisect.bisect(cumulative, draw() * cumulative[-1]))]
                size = size_mb * (0.3 + draw() * 1.4)
                serial = self.noise_serials.get(category, 0)
                self.noise_serials[category] = serial + 1
                release = SimRelease(
                    0,
                    naming.noise_name(category, group.name, day, serial, rng),
                    ts,
                    category,
                    int(size * 1024),
                    int(size / 50) + 2,
                    group.name,
                    "",
                    "",
                    "noise",
                )
                actual = draw() < self.chill(ts)
                self.tally.add(release, actual)
                if not actual:
                    continue
                self.push(ts, "P", release)
                if draw() < nuke_prob:
                    reason = pick_one(draw, NOISE_NUKE_REASONS)
                    at = ts + int(300 + draw() * (86400 - 300))
                    self.push(
                        at, "N", NukeAction(release, at, "nuke", reason, pick_one(draw, networks))
                    )

    def chill(self, ts: int) -> float:
        """The operation's multiplier for surviving groups at ts. The configured figures are
        whole-Scene ratios, so survivors are scaled up by what the removed family (net of
        displacement) contributed in the four weeks before — measured, not assumed."""
        if self.op is None or ts < self.op.event_ts:
            return 1.0
        if self.compensation is None:
            family = {g.name for g in self.roster.family_groups if g.family == self.op.family_id}
            removed = sum(
                cf
                for (group, week), (cf, _) in self.tally.group_weeks.items()
                if group in family and -4 <= week <= -1
            )
            total = sum(
                cf for (_, week), (cf, _) in self.tally.group_weeks.items() if -4 <= week <= -1
            )
            share = removed / total if total else 0.0
            self.compensation = 1.0 / (1.0 - share * (1.0 - self.op.displacement_share))
        return min(1.0, self.op.multiplier(ts) * self.compensation)

    def push(self, ts: int, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (ts, self.seq, kind, payload))

    def flush(self, before: int | None) -> None:
        heap, writer = self.heap, self.writer
        while heap and (before is None or heap[0][0] < before):
            _, _, kind, payload = heapq.heappop(heap)
            if kind == "P":
                self._emit_pre(payload)
            elif kind == "T":
                self._emit_pre(payload, self.successor_track)
            elif kind == "X":
                # a shadow: the draws its pre would have taken, so no other draw moves
                self.maker.feed_reports(payload)
                self.tiers.sightings(payload)
            elif kind == "N":
                writer.nuke(payload)
            else:
                writer.sighting(payload.name, payload.tier, payload.site, payload.ts)

    def _emit_pre(self, release: SimRelease, track: SuccessorTrack | None = None) -> None:
        """Write a pre; `track`: a successor's early disc, whose draws come from its own
        streams (feed reports, lower tiers)."""
        self.releases += 1
        release.id = self.releases
        maker, tiers = (track.maker, track.tiers) if track is not None else (self.maker, self.tiers)
        self.writer.pre(release, maker.feed_reports(release))
        if self.seized is not None and track is None:
            self.seized.observe(release)
        if release.title_id:
            leak = self.judge.leak(release)
            if leak is not None:
                self.leaks.add(leak)
            for sighting in tiers.sightings(release):
                self.push(sighting.ts, "S", sighting)
        if release.group == self.successor_name and self.successor_first_pre is None:
            self.successor_first_pre = release.ts


def _cumulative(groups: list[Group]) -> list[float]:
    out: list[float] = []
    running = 0.0
    for g in groups:
        running += g.weight
        out.append(running)
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation above 50, exact below) from a seeded stream."""
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, product, count = pow(2.718281828459045, -lam), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _dip_days(dips: tuple[tuple[Any, ...], ...]) -> dict[int, float]:
    """Day number (unix days) → volume ratio, from [first day, days, ratio] entries."""
    out: dict[int, float] = {}
    for first, days, ratio in dips:
        start = dt.date.fromisoformat(str(first))
        for offset in range(int(days)):
            day = start + dt.timedelta(days=offset)
            out[(day - dt.date(1970, 1, 1)).days] = float(ratio)
    return out
