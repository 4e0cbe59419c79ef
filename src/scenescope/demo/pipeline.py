"""The demo's story as library steps, each the production path: ingest a world's feed files,
import its catalog (titles, dates, episodes, accounts, shipments) and match, then run the
analyses (leaks, families, tracing leaks to accounts) and score them against the world's truth.

The CLI (`scenescope demo`), the tests and the benchmarks call these; they print nothing and
report progress through optional callbacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenescope.analysis.affiliation import AffiliationResult
from scenescope.analysis.impact_world import WorldImpact
from scenescope.analysis.leak_metrics import LeakScore
from scenescope.analysis.records import Leak
from scenescope.analysis.trace_world import WorldTrace
from scenescope.catalog.importer import ImportReport
from scenescope.catalog.match_run import MatchSummary

if TYPE_CHECKING:
    from scenescope.store import Store

FEED_FILES = ("pres.csv", "nukes.csv")
ProgressCallback = Callable[[int, int], None]


@dataclass(slots=True)
class Timings:
    """Seconds per step, in the order the steps ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - started

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in self.seconds.items()}


def world_feeds(world_dir: Path) -> list[Any]:
    """The world's pre and nuke files as files-connector feeds."""
    from scenescope.feeds.files import FileFeed

    return [FileFeed(world_dir / name) for name in FEED_FILES if (world_dir / name).exists()]


def import_and_match(
    store: Store, world_dir: Path, *, on_progress: ProgressCallback | None = None
) -> tuple[ImportReport, MatchSummary]:
    """Import the world's catalog files and match every release to its title."""
    from scenescope.catalog import import_catalog, match_releases

    report = import_catalog(store, [world_dir])
    return report, match_releases(store, on_progress=on_progress)


@dataclass(frozen=True, slots=True)
class StoryFindings:
    """What the analyses found on the world, and how right it was."""

    leaks: tuple[Leak, ...]
    score: LeakScore
    families: AffiliationResult
    trace: WorldTrace | None = None  # None when the world has no shipment records
    impact: WorldImpact | None = None  # None when the world has no pres to study

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaks": len(self.leaks),
            "score": self.score.to_dict(),
            "families": [f.to_dict() for f in self.families.families],
            "trace": None
            if self.trace is None
            else {
                "score": self.trace.score.to_dict(),
                "naive_recall_at_k": self.trace.naive_recall,
                "top_accounts": [a.to_dict() for a in self.trace.result.accounts[:10]],
            },
            "impact": None
            if self.impact is None or self.impact.result is None
            else {
                "summary": self.impact.result.summary(),
                "score": None if self.impact.score is None else self.impact.score.to_dict(),
                "breaks": [b.to_dict() for b in self.impact.breaks.breaks],
                "detect": self.impact.detect_score.to_dict(),
            },
        }


def analyse(store: Store, world_dir: Path, timings: Timings | None = None) -> StoryFindings:
    """Leaks (scored against the world's truth, title matches included) and families."""
    from scenescope.analysis.affiliation import infer_families
    from scenescope.analysis.impact_world import impact_world, load_sightings
    from scenescope.analysis.leak_metrics import score_leaks
    from scenescope.analysis.leaks import find_leaks
    from scenescope.analysis.trace_world import trace_world
    from scenescope.world.truth_records import WorldTruth

    timings = timings or Timings()
    with timings.step("leaks_s"):
        leaks = tuple(find_leaks(store))
    with timings.step("score_families_s"):
        score = score_leaks(leaks, WorldTruth.load(world_dir), store=store)
        families = infer_families(store.connection)
    traced = None
    if (world_dir / "shipments.csv").exists():
        with timings.step("trace_s"):
            traced = trace_world(store, world_dir)
    with timings.step("impact_s"):
        load_sightings(store, world_dir)
        impact = impact_world(store, world_dir)
    return StoryFindings(leaks, score, families, traced, impact)


def evaluate_world(store: Store, world_dir: Path | str) -> LeakScore:
    """The whole path on a simulated world, quietly: ingest its pres and nukes through the
    files feed, import its catalog, match, find leaks, and score them against its truth."""
    world_dir = Path(world_dir)
    for feed in world_feeds(world_dir):
        store.apply(feed)
    import_and_match(store, world_dir)
    return analyse(store, world_dir).score


def top_leaks(leaks: Sequence[Leak], count: int) -> list[Leak]:
    """The longest leads first, taken in turn from each source class so no one class fills
    the list, and one row per (title, source class, group)."""
    by_class: dict[str, list[Leak]] = {}
    seen: set[tuple[str, str, str | None]] = set()
    for leak in sorted(leaks, key=lambda leak: (-leak.lead_days, leak.release_name)):
        key = (leak.title_id, leak.source_class, leak.group)
        if key not in seen:
            seen.add(key)
            by_class.setdefault(leak.source_class, []).append(leak)
    picked: list[Leak] = []
    queues = [queue for _, queue in sorted(by_class.items())]
    while len(picked) < count and any(queues):
        for queue in queues:
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return sorted(picked, key=lambda leak: (-leak.lead_days, leak.release_name))
