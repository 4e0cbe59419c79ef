"""Scores a case triage against a world's seized-media truth (`world/seized.py`): releases
found per medium (precision, recall), before/after-pre verdicts of the releases found (share
right), discs held before the street date (recall), and each medium's role (accuracy)."""

from __future__ import annotations

from typing import ClassVar

from scenescope.analysis.base import Metric, Score
from scenescope.analysis.evidence_records import CaseTriage
from scenescope.world.seized import seized_media
from scenescope.world.truth_records import WorldTruth


class EvidenceMetric(Metric[CaseTriage]):
    name: ClassVar[str] = "evidence"

    def score(self, result: CaseTriage, truth: WorldTruth) -> Score:
        media = seized_media(truth.raw)
        found_pairs = {(r.label, r.release) for r in result.releases if r.release}
        true_pairs = {(m.label, name) for m in media for name in m.releases}
        hits = found_pairs & true_pairs
        before_true = {(m.label, n) for m in media for n in m.held_before_pre}
        verdicts = [
            (r.verdict == "before-pre") == ((r.label, r.release) in before_true)
            for r in result.releases
            if r.release
            and (r.label, r.release) in true_pairs
            and r.verdict in ("before-pre", "after-pre")
        ]
        true_discs = {(m.label, t) for m in media for t, early in m.discs if early}
        found_discs = {
            (d.label, d.title_id) for d in result.discs if d.before_street and d.title_id
        }
        roles = {m.label: m.role for m in result.media}
        right_roles = [roles.get(m.label) == m.role for m in media]
        wrong = sorted(
            (m.label, m.role, roles.get(m.label)) for m in media if roles.get(m.label) != m.role
        )
        return Score(
            metric=self.name,
            figures={
                "release_precision": len(hits) / len(found_pairs) if found_pairs else None,
                "release_recall": len(hits) / len(true_pairs) if true_pairs else None,
                "before_after_exact": sum(verdicts) / len(verdicts) if verdicts else None,
                "disc_recall": len(found_discs & true_discs) / len(true_discs)
                if true_discs
                else None,
                "disc_precision": len(found_discs & true_discs) / len(found_discs)
                if found_discs
                else None,
                "role_accuracy": sum(right_roles) / len(right_roles) if right_roles else None,
            },
            details={
                "media": len(media),
                "releases_true": len(true_pairs),
                "releases_found": len(found_pairs),
                "missed": sorted(true_pairs - found_pairs)[:10],
                "extra": sorted(found_pairs - true_pairs)[:10],
                "wrong_roles": wrong,
            },
        )
