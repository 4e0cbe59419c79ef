"""How right families and successors are against a world's truth: `FamilyMetric` (ARI, whole
families, false families, the outcome of every reported family and membership for reliability
tables) and `SuccessorMetric` (the true successor's rank, score and runner-up; a successor
reported where the world has none). Group names compare case-insensitively.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis.affiliation import AffiliationResult
from scenescope.analysis.base import Metric, Score
from scenescope.analysis.successors import SuccessorCandidate, SuccessorResult
from scenescope.world.truth_records import WorldTruth


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


def true_family_labels(truth: dict[str, Any] | WorldTruth) -> dict[str, str]:
    """Group key -> true family id; groups outside any family get their own label."""
    if isinstance(truth, WorldTruth):
        return truth.family_labels()
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
    result: AffiliationResult, truth: dict[str, Any] | WorldTruth, *, min_releases: int = 20
) -> FamilyScore:
    """ARI over groups with at least `min_releases` releases, and whole-family recovery."""
    labels = true_family_labels(truth)
    if isinstance(truth, WorldTruth):
        truth = {
            "families": [{"family_id": f.family_id, "members": f.members} for f in truth.families]
        }
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
    candidates: Sequence[SuccessorCandidate], truth: dict[str, Any] | WorldTruth
) -> dict[tuple[str, str], int | None]:
    """For each true (old, new) succession, the rank of `new` among `old`'s candidates."""
    ranks = {(c.predecessor.lower(), c.successor.lower()): c.rank for c in candidates}
    pairs = (
        [(s.old, s.new) for s in truth.successors]
        if isinstance(truth, WorldTruth)
        else [(str(p["old"]), str(p["new"])) for p in truth.get("successors", [])]
    )
    return {(old, new): ranks.get((old.lower(), new.lower())) for old, new in pairs}


@dataclass(frozen=True, slots=True)
class FamilyOutcome:
    """One reported family against the truth: its probabilities and what was right."""

    members: tuple[str, ...]
    confidence: float
    right: bool  # every member from one true family
    memberships: tuple[float, ...]
    members_right: tuple[bool, ...]  # member belongs to the family most members belong to


def family_outcomes(result: AffiliationResult, truth: WorldTruth) -> list[FamilyOutcome]:
    """Every reported family: right when all members come from one true family; a membership
    is right when the member is of the true family most of its members are of."""
    labels = truth.family_labels()
    out = []
    for family in result.families:
        member_labels = [labels.get(k, f"solo:{k}") for k in family.member_keys]
        real = [x for x in member_labels if not x.startswith("solo:")]
        majority = max(set(real), key=real.count) if real else None
        rights = tuple(x == majority for x in member_labels)
        # a family of two with one outsider has no majority: neither membership is right
        if majority is not None and real.count(majority) < 2:
            rights = tuple(False for _ in member_labels)
        out.append(
            FamilyOutcome(
                family.members,
                family.confidence,
                all(rights),
                tuple(family.memberships) or tuple(family.confidence for _ in family.members),
                rights,
            )
        )
    return out


def reliability_table(
    probabilities: Sequence[float],
    rights: Sequence[bool],
    edges: Sequence[float] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0),
) -> list[str]:
    """Probability bins against the share that was right, one line per non-empty bin."""
    p, r = np.asarray(probabilities, dtype=float), np.asarray(rights, dtype=bool)
    lines = []
    for i, (low, high) in enumerate(itertools.pairwise(edges)):
        inside = (p >= low) & ((p < high) if i < len(edges) - 2 else (p <= high))
        if inside.any():
            lines.append(
                f"[{low:.2f}, {high:.2f}{']' if i == len(edges) - 2 else ')'}: "
                f"{int(inside.sum()):4d}, mean p {p[inside].mean():.3f}, "
                f"right {r[inside].mean():.3f}"
            )
    return lines


class FamilyMetric(Metric[AffiliationResult]):
    """ARI over groups with at least `min_releases` releases, whole-family recovery, false
    families (a reported family with a member from elsewhere) and the calibration at 0.9."""

    name: ClassVar[str] = "families"

    def __init__(self, min_releases: int = 20) -> None:
        self.min_releases = min_releases

    def score(self, result: AffiliationResult, truth: WorldTruth) -> Score:
        base = score_families(result, truth, min_releases=self.min_releases)
        outcomes = family_outcomes(result, truth)
        high = [o for o in outcomes if o.confidence >= 0.9]
        return Score(
            self.name,
            {
                "ari": base.ari,
                "false_families": float(sum(1 for o in outcomes if not o.right)),
                "whole_share": sum(base.whole.values()) / len(base.whole) if base.whole else None,
                "high_confidence_right": sum(o.right for o in high) / len(high) if high else None,
            },
            {
                "groups_scored": base.groups_scored,
                "true_pairs": base.true_pairs,
                "whole": base.whole,
                "false": [list(o.members) for o in outcomes if not o.right],
            },
        )


class SuccessorMetric(Metric[SuccessorResult]):
    """The share of true successions whose successor ranks first (and above the threshold),
    and how many dark groups get a successor above the threshold that the truth lacks."""

    name: ClassVar[str] = "successors"

    def score(self, result: SuccessorResult, truth: WorldTruth) -> Score:
        true = {(s.old.lower(), s.new.lower()) for s in truth.successors}
        best = {c.predecessor.lower(): c for c in result.candidates if c.rank == 1}
        ranks = successor_ranks(result.candidates, truth)
        first = sum(1 for rank in ranks.values() if rank == 1)
        first_above = sum(
            1
            for (old, _new), rank in ranks.items()
            if rank == 1 and best[old.lower()].above_threshold
        )
        wrong = [
            c
            for c in result.successors()
            if (c.predecessor.lower(), c.successor.lower()) not in true
        ]
        parts = []
        for (old, new), rank in ranks.items():
            top = best.get(old.lower())
            if rank == 1 and top is not None:
                parts.append(
                    f"{old} -> {new}: rank 1, score {top.score:.2f}, runner-up "
                    f"{top.runner_up or '-'} {top.runner_up_score or 0:.2f}"
                    + ("" if top.above_threshold else " (below threshold)")
                )
            else:
                leader = f"{top.successor} {top.score:.2f}" if top else "no candidate"
                parts.append(f"{old} -> {new}: rank {rank or 'not found'} (first: {leader})")
        if not true:
            above = result.successors()
            strongest = max(
                (c for c in result.candidates if c.rank == 1), key=lambda c: c.score, default=None
            )
            parts.append(
                f"no true successor; {len(above)} above threshold"
                + (
                    f" (best {strongest.predecessor} -> {strongest.successor} "
                    f"{strongest.score:.2f})"
                    if strongest
                    else ""
                )
            )
        return Score(
            self.name,
            {
                "first_share": first / len(ranks) if ranks else None,
                "first_above_threshold_share": first_above / len(ranks) if ranks else None,
                "reported": float(len(wrong)),
            },
            {"true_pairs": len(true), "summary": "; ".join(parts)},
        )
