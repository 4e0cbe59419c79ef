"""The impact study on a simulated world end to end (its sightings imported and linked, the
recorded event studied, breaks detected without being told, each scored against the truth),
for the demo, the benchmark and the tests. The recorded event is what an analyst is told:
the operation's date and the groups it named."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scenescope.analysis.base import Score
from scenescope.analysis.impact import Impact, ImpactParams, ImpactResult
from scenescope.analysis.impact_detect import BreakDetector, BreakResult
from scenescope.analysis.impact_metrics import DetectMetric, ImpactMetric
from scenescope.engine import Engine
from scenescope.world.truth_records import WorldTruth

if TYPE_CHECKING:
    from scenescope.store import Store


@dataclass(frozen=True, slots=True)
class WorldImpact:
    result: ImpactResult | None  # None when the world records no event
    score: Score | None
    breaks: BreakResult
    detect_score: Score


def load_sightings(store: Store, world_dir: Path) -> None:
    """Import and link the world's sightings (after its pres and matches)."""
    from scenescope.sightings import import_sightings, link_sightings

    path = world_dir / "sightings.csv"
    if path.exists():
        import_sightings(store, path)
        link_sightings(store)


def impact_world(store: Store, world_dir: Path) -> WorldImpact:
    truth = WorldTruth.load(world_dir)
    engine = Engine.of(store)
    breaks = BreakDetector().fit(engine)
    detect = DetectMetric().score(breaks, truth)
    event = next((e for e in truth.events if e.kind == "operation"), None)
    if event is None:
        return WorldImpact(None, None, breaks, detect)
    params = ImpactParams(event=event.date, groups=event.removed_groups, name="the operation")
    result = Impact().fit(engine, params)
    return WorldImpact(result, ImpactMetric().score(result, truth), breaks, detect)
