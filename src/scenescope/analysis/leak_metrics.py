"""How right leak detection and title matching are, scored against a simulated world's truth.

`score_leaks(leaks, truth_path)` compares found leaks with truth.json's `leaks` (by release
name); with `store=` it also scores every asserted title match against truth_releases.csv.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenescope.analysis.records import Leak


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


def load_truth(truth_path: Path) -> dict[str, Any]:
    with truth_path.open(encoding="utf-8") as handle:
        doc: dict[str, Any] = json.load(handle)
    return doc


def true_titles(truth_path: Path, truth: dict[str, Any]) -> dict[str, str]:
    """Release name -> true title_id, for releases of catalog titles (noise has none)."""
    releases = truth.get("releases") or {}
    csv_path = truth_path.parent / str(releases.get("file") or "truth_releases.csv")
    out: dict[str, str] = {}
    with csv_path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("title_id"):
                out[row["name"]] = row["title_id"]
    return out


def score_leaks(
    leaks: Iterable[Leak], truth_path: Path | str, *, store: Any = None, examples: int = 10
) -> LeakScore:
    """Score found leaks against truth.json; with `store`, title matches too (else the leaks')."""
    truth_path = Path(truth_path)
    truth = load_truth(truth_path)
    expected = {row["release"]: row for row in truth.get("leaks") or []}
    found = {leak.release_name: leak for leak in leaks}
    hits = [name for name in found if name in expected]
    false_positives = sorted(name for name in found if name not in expected)
    missed = sorted(name for name in expected if name not in found)
    precision = len(hits) / len(found) if found else 1.0
    recall = len(hits) / len(expected) if expected else 1.0
    lead_errors = [abs(found[n].lead_days - float(expected[n]["lead_days"])) for n in hits]
    lead_mae = sum(lead_errors) / len(lead_errors) if lead_errors else 0.0

    titles = true_titles(truth_path, truth)
    match_recall: float | None = None
    if store is not None:
        asserted = _asserted_matches(store)
        checked = len(asserted)
        correct = sum(1 for name, title_id in asserted.items() if titles.get(name) == title_id)
        present = set(_stored_names(store)) & set(titles)
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


def _connection(store: Any) -> Any:
    return getattr(store, "connection", store)


def _asserted_matches(store: Any) -> dict[str, str]:
    rows = (
        _connection(store)
        .execute(
            "SELECT r.name, m.title_id FROM release_matches m JOIN releases r USING (release_id) "
            "WHERE m.status = 'matched'"
        )
        .fetchall()
    )
    return dict(rows)


def _stored_names(store: Any) -> list[str]:
    return [row[0] for row in _connection(store).execute("SELECT name FROM releases").fetchall()]


def evaluate_world(store: Any, world_dir: Path | str) -> LeakScore:
    """The whole path on a simulated world: ingest its pres and nukes through the files feed,
    import its catalog, match, find leaks, and score them against its truth.json."""
    from scenescope.analysis.leaks import find_leaks
    from scenescope.catalog import import_catalog, match_releases
    from scenescope.feeds.files import FileFeed

    world_dir = Path(world_dir)
    for name in ("pres.csv", "nukes.csv"):
        if (world_dir / name).exists():
            store.apply(FileFeed(world_dir / name))
    import_catalog(store, [world_dir])
    match_releases(store)
    return score_leaks(find_leaks(store), world_dir / "truth.json", store=store)
