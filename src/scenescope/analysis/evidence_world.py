"""The triage on a simulated world end to end (load the world, add its seized media as one
case, triage, score against the truth), for the benchmark and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scenescope.analysis.base import Score
from scenescope.analysis.evidence import EvidenceTriage, TriageParams
from scenescope.analysis.evidence_metric import EvidenceMetric
from scenescope.analysis.evidence_records import CaseTriage
from scenescope.world.seized import seized_media
from scenescope.world.truth_records import WorldTruth

if TYPE_CHECKING:
    from scenescope.store import Store

CASE = "operation"


@dataclass(frozen=True, slots=True)
class WorldTriage:
    result: CaseTriage
    score: Score


def add_world_media(store: Store, world_dir: Path, case_id: str = CASE) -> int:
    """Add every seized medium the world wrote to `case_id`; returns how many."""
    from scenescope.evidence.store import add_media

    truth = WorldTruth.load(world_dir)
    media = seized_media(truth.raw)
    for medium in media:
        add_media(store, case_id, [world_dir / medium.file], label=medium.label)
    return len(media)


def triage_world(
    store: Store, world_dir: Path, case_id: str = CASE, *, families: bool = True
) -> WorldTriage:
    """Triage the case and score it against the world's truth."""
    result = EvidenceTriage().fit(store.engine, TriageParams(case_id=case_id, families=families))
    return WorldTriage(result, EvidenceMetric().score(result, WorldTruth.load(world_dir)))
