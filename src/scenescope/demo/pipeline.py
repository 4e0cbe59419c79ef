"""The demo's story as library steps, each the production path: ingest a world's feed files,
import its catalog (titles, dates, episodes, accounts, shipments) and match, then run the
analyses (leaks, families, tracing leaks to accounts, the operation's impact) and score them
against the world's truth, add the operation's seized media as an evidence case and triage it.

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
from scenescope.analysis.evidence_world import CASE as EVIDENCE_CASE
from scenescope.analysis.evidence_world import WorldTriage
from scenescope.analysis.impact_world import WorldImpact
from scenescope.analysis.leak_metrics import LeakScore
from scenescope.analysis.records import Leak
from scenescope.analysis.trace_world import WorldTrace
from scenescope.catalog.importer import ImportReport
from scenescope.catalog.match_run import MatchSummary

if TYPE_CHECKING:
    from scenescope.evidence.store import AddedMedium
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
    evidence: WorldTriage | None = None  # None when the world seized no media

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
            "evidence": None
            if self.evidence is None
            else {
                "case": self.evidence.result.case_id,
                "media": [m.to_dict() for m in self.evidence.result.media],
                "score": self.evidence.score.to_dict(),
            },
        }


def analyse(
    store: Store, world_dir: Path, timings: Timings | None = None, *, evidence: bool = True
) -> StoryFindings:
    """Leaks (scored against the world's truth, title matches included), families, the trace
    to supply accounts, the operation's impact and (with `evidence`) the seized-media triage."""
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
    triage = None
    if evidence and seized_sources(world_dir):
        with timings.step("evidence_s"):
            add_seized_media(store, world_dir)
            triage = triage_seized(store, world_dir)
    return StoryFindings(leaks, score, families, traced, impact, triage)


def seized_sources(world_dir: Path) -> list[tuple[str, Path]]:
    """(label, listing) of each medium the world's operation seized: its disk image when the
    world wrote one and The Sleuth Kit can read it (`fls`), else its bodyfile."""
    import shutil

    from scenescope.world.seized import seized_media
    from scenescope.world.truth_records import WorldTruth

    truth = world_dir / "truth.json"
    if not truth.exists():
        return []
    can_read_images = shutil.which("fls") is not None
    sources = []
    for medium in seized_media(WorldTruth.load(world_dir).raw):
        image = world_dir / medium.image if medium.image else None
        if image is not None and can_read_images and image.exists():
            sources.append((medium.label, image))
        elif medium.file and (world_dir / medium.file).exists():
            sources.append((medium.label, world_dir / medium.file))
    return sources


def add_seized_media(
    store: Store,
    world_dir: Path,
    case_id: str = EVIDENCE_CASE,
    *,
    only: Sequence[str] | None = None,
) -> list[AddedMedium]:
    """Add the world's seized media (bodyfiles, and the disk image through TSK) to one
    evidence case, each under its own label (`only` these labels, if given); adding them
    again replaces them (idempotent)."""
    from scenescope.evidence.store import add_media

    added: list[AddedMedium] = []
    for label, source in seized_sources(world_dir):
        if only is None or label in only:
            added += add_media(store, case_id, [source], label=label)
    return added


def triage_seized(store: Store, world_dir: Path, case_id: str = EVIDENCE_CASE) -> WorldTriage:
    """The case's triage (each medium's role, releases held before the pre, early discs),
    scored against the world's truth."""
    from scenescope.analysis.evidence_world import triage_world

    return triage_world(store, world_dir, case_id)


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
