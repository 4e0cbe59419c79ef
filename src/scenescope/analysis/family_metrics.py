"""How right the group analyses are against the simulator's truth: family ARI, whole-family
recovery and successor rank. Truth is the simulator's truth.json (`groups`, `families`,
`successors`); group names compare case-insensitively.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenescope.analysis.affiliation import AffiliationResult
from scenescope.analysis.successors import SuccessorCandidate


def adjusted_rand_index(labels_true: Sequence[Hashable], labels_pred: Sequence[Hashable]) -> float:
    """Hubert & Arabie's adjusted Rand index of two labelings of the same items."""
    if len(labels_true) != len(labels_pred):
        raise ValueError(
            f"labelings differ in length: {len(labels_true)} true vs {len(labels_pred)} predicted"
        )
    n = len(labels_true)
    if n < 2:
        return 1.0
    _, true_idx = np.unique(np.asarray(labels_true, dtype=object).astype(str), return_inverse=True)
    _, pred_idx = np.unique(np.asarray(labels_pred, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((true_idx.max() + 1, pred_idx.max() + 1), dtype=np.int64)
    np.add.at(table, (true_idx, pred_idx), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) // 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2)
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def true_family_labels(truth: dict[str, Any]) -> dict[str, str]:
    """Group key -> true family id; groups outside any family get their own label."""
    labels: dict[str, str] = {}
    for group in truth.get("groups", []):
        key = str(group["name"]).lower()
        labels[key] = str(group.get("family") or f"solo:{key}")
    for family in truth.get("families", []):
        for member in family.get("members", []):
            labels[str(member).lower()] = str(family["family_id"])
    return labels


@dataclass(frozen=True, slots=True)
class FamilyScore:
    """Inferred families against the truth."""

    ari: float
    groups_scored: int
    whole: dict[str, bool]  # true family id -> recovered whole (same community, no outsiders)
    true_pairs: int  # same-family pairs among the scored groups

    def to_dict(self) -> dict[str, Any]:
        return {
            "ari": round(self.ari, 4),
            "groups_scored": self.groups_scored,
            "whole": self.whole,
            "true_pairs": self.true_pairs,
        }


def score_families(
    result: AffiliationResult, truth: dict[str, Any], *, min_releases: int = 20
) -> FamilyScore:
    """ARI over groups with at least `min_releases` releases, and whole-family recovery."""
    labels = true_family_labels(truth)
    scored = sorted(
        k for k in result.groups if result.releases.get(k, 0) >= min_releases and k in labels
    )
    true = [labels[k] for k in scored]
    pred = [result.community[k] for k in scored]
    whole: dict[str, bool] = {}
    for family in truth.get("families", []):
        members = {str(m).lower() for m in family.get("members", [])} & set(scored)
        if len(members) < 2:
            continue
        communities = {result.community[k] for k in members}
        inferred = {k for k in scored if result.community[k] in communities}
        whole[str(family["family_id"])] = len(communities) == 1 and inferred == members
    sizes: dict[str, int] = {}
    for label in true:
        sizes[label] = sizes.get(label, 0) + 1
    true_pairs = sum(c * (c - 1) // 2 for c in sizes.values())
    return FamilyScore(adjusted_rand_index(true, pred), len(scored), whole, true_pairs)


def successor_ranks(
    candidates: Sequence[SuccessorCandidate], truth: dict[str, Any]
) -> dict[tuple[str, str], int | None]:
    """For each true (old, new) succession, the rank of `new` among `old`'s candidates."""
    ranks = {(c.predecessor.lower(), c.successor.lower()): c.rank for c in candidates}
    out: dict[tuple[str, str], int | None] = {}
    for pair in truth.get("successors", []):
        old, new = str(pair["old"]), str(pair["new"])
        out[(old, new)] = ranks.get((old.lower(), new.lower()))
    return out
