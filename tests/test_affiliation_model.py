"""The edge model on hand-built evidence: partners beat same-language rivals, each edge names
what carried it, and the fitting routines recover what they are fitted on."""

from __future__ import annotations

import numpy as np

from scenescope.analysis import affiliation_model as model
from scenescope.analysis.affiliation import AffiliationSettings, build_result


def _evidence(**columns: list[float]) -> dict[str, np.ndarray]:
    base = {
        "a": [0],
        "b": [1],
        "shared": [60],
        "together": [55],
        "tight": [50],
        "window_s": [1800.0],
        "mean_gap_s": [300.0],
        "races": [0],
        "retail_together": [0],
        "early_together": [20],
        "dupe_nukes": [0],
        "format_overlap": [0.0],
        "specialty_overlap": [1.0],
        "titles_a": [70],
        "titles_b": [65],
        "coactivity": [0.95],
        "started_together": [0],
        "ended_together": [1],
        "span_mismatch": [0],
        "expected_shared": [5.0],
    }
    base.update(columns)
    return {k: np.asarray(v, dtype=float) for k, v in base.items()}


def test_partners_beat_same_language_rivals() -> None:
    partners = _evidence()
    # the same titles, same language, but the same formats (races, dupe nukes) on two clocks
    rivals = _evidence(
        together=[20],
        tight=[3],
        window_s=[14400.0],
        races=[30],
        dupe_nukes=[12],
        format_overlap=[0.9],
        early_together=[0],
        expected_shared=[30.0],
        ended_together=[0],
    )
    p = [float(model.EDGE_MODEL.probability(model.features(e, 5.0))[0]) for e in (partners, rivals)]
    assert p[0] > 0.9 > 0.1 > p[1], p


def test_edges_say_what_carried_them() -> None:
    result = build_result(_evidence(), [("x", "X", 80), ("y", "Y", 70)], AffiliationSettings())
    (family,) = result.families
    (edge,) = family.edges
    assert "joint drops" in edge.carried_by and not edge.against
    assert family.evidence_kinds == tuple(sorted({k for e in family.edges for k in e.carried_by}))
    assert 0.9 < family.confidence <= 1.0 and all(p > 0.9 for p in family.memberships)


def test_logistic_and_platt_fits_recover_their_data() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4000, 2))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 + 2.0 * x[:, 0] - 1.0 * x[:, 1])))).astype(float)
    fitted = model.fit_edge_model(x, y, l2=0.01)
    assert abs(fitted.intercept - 0.5) < 0.2
    assert abs(fitted.coefficients[0] - 2.0) < 0.25 and abs(fitted.coefficients[1] + 1.0) < 0.2
    raw = rng.uniform(0.01, 0.99, 3000)
    right = rng.random(3000) < raw  # already calibrated: the map stays near identity
    platt = model.fit_platt(raw, right)
    assert abs(platt.a) < 0.2 and abs(platt.b - 1.0) < 0.2
