"""How right leak detection and title matching are, scored against a simulated world's truth.

`LeakMetric().score(result, truth)` (and `score_leaks(leaks, truth)`) compare found leaks with
the truth's leaks by release name; with the store, every asserted title match is scored
against the world's true titles too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from scenescope.analysis.base import Metric, Score
from scenescope.analysis.leaks import LeaksResult
from scenescope.analysis.records import Leak
from scenescope.engine import Engine, Source
from scenescope.world.truth_records import WorldTruth


@dataclass(frozen=True, slots=True)
class LeakScore:
    """Precision / recall of leaks and accuracy of title matches, with the counts behind them."""

    precision: float
    recall: float
    title_accuracy: float
    true_positives: int
    false_positives: int
    false_negatives: int
    matched_releases: int  # releases whose asserted title was checked against the truth
    lead_mae_days: float  # mean absolute lead error over true positives
    title_match_recall: float | None = None  # catalog releases given their true title
    false_positive_examples: tuple[str, ...] = field(default=())
    missed_examples: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "title_accuracy": round(self.title_accuracy, 4),
            "title_match_recall": None
            if self.title_match_recall is None
            else round(self.title_match_recall, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "matched_releases": self.matched_releases,
            "lead_mae_days": round(self.lead_mae_days, 4),
            "false_positive_examples": list(self.false_positive_examples),
            "missed_examples": list(self.missed_examples),
        }

    def summary(self) -> str:
        return (
            f"leaks: precision {self.precision:.4f}, recall {self.recall:.4f} "
            f"({self.true_positives} found, {self.false_positives} false, "
            f"{self.false_negatives} missed); title-match accuracy {self.title_accuracy:.4f} "
            f"over {self.matched_releases} matched releases"
        )


def score_leaks(
    leaks: Iterable[Leak],
    truth: WorldTruth | Path | str,
    *,
    store: Source | None = None,
    examples: int = 10,
) -> LeakScore:
    """Score found leaks against a world's truth (a WorldTruth, its folder or truth.json); with
    `store`, every asserted title match too (else the leaks' titles)."""
    if not isinstance(truth, WorldTruth):
        truth = WorldTruth.load(truth)
    expected = {leak.release: leak for leak in truth.leaks}
    found = {leak.release_name: leak for leak in leaks}
    hits = [name for name in found if name in expected]
    false_positives = sorted(name for name in found if name not in expected)
    missed = sorted(name for name in expected if name not in found)
    precision = len(hits) / len(found) if found else 1.0
    recall = len(hits) / len(expected) if expected else 1.0
    lead_errors = [abs(found[n].lead_days - expected[n].lead_days) for n in hits]
    lead_mae = sum(lead_errors) / len(lead_errors) if lead_errors else 0.0

    titles = truth.release_titles()
    match_recall: float | None = None
    if store is not None:
        engine = Engine.of(store)
        asserted = dict(
            engine.rows(
                "SELECT r.name, m.title_id FROM release_matches m JOIN releases r "
                "USING (release_id) WHERE m.status = 'matched'"
            )
        )
        checked = len(asserted)
        correct = sum(1 for name, title_id in asserted.items() if titles.get(name) == title_id)
        stored = {row[0] for row in engine.rows("SELECT name FROM releases")}
        present = stored & set(titles)
        if present:
            match_recall = sum(1 for n in present if asserted.get(n) == titles[n]) / len(present)
    else:
        checked = len(found)
        correct = sum(1 for name, leak in found.items() if titles.get(name) == leak.title_id)
    return LeakScore(
        precision=precision,
        recall=recall,
        title_accuracy=correct / checked if checked else 1.0,
        true_positives=len(hits),
        false_positives=len(false_positives),
        false_negatives=len(missed),
        matched_releases=checked,
        lead_mae_days=lead_mae,
        title_match_recall=match_recall,
        false_positive_examples=tuple(false_positives[:examples]),
        missed_examples=tuple(missed[:examples]),
    )


class LeakMetric(Metric[LeaksResult]):
    """Leak precision / recall and lead error against the truth's leaks; given the engine the
    leaks came from, the accuracy of every asserted title match too."""

    name: ClassVar[str] = "leaks"

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine

    def score(self, result: LeaksResult, truth: WorldTruth) -> Score:
        found = score_leaks(result.leaks, truth, store=self.engine)
        figures = {
            k: found.to_dict()[k]
            for k in (
                "precision",
                "recall",
                "title_accuracy",
                "title_match_recall",
                "lead_mae_days",
            )
        }
        details = {k: v for k, v in found.to_dict().items() if k not in figures}
        return Score(self.name, figures, details)
