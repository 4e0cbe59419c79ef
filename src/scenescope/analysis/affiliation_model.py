"""How the evidence on a pair of groups becomes a probability that they share a supply, and how
a family's and a member's probabilities are calibrated.

The edge model is a logistic regression over evidence that is relative to chance or to the
pair itself (lifted joint-drop share, tight-timing share, race and dupe-nuke shares, format
and specialty overlap, early-timing share, joint activity), so it carries from one world to
another. Its coefficients, and the Platt maps of the membership and family scores, were fitted
by `benchmarks/families.py --calibrate` on calibration worlds only (seeds listed in
docs/benchmarks.md), never on the seeds the benchmark or the tests report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# evidence kinds, as an investigator names them, and the features each is made of
KINDS: dict[str, tuple[str, ...]] = {
    "joint drops": ("lift", "tight_share"),
    "split formats": ("format_overlap", "specialty_overlap"),
    "races and dupe nukes": ("race_share", "dupe_share"),
    "early timing": ("early_share",),
    "joint activity": ("coactivity", "started_together", "ended_together", "span_mismatch"),
}
FEATURES: tuple[str, ...] = tuple(f for features in KINDS.values() for f in features)
CARRY_LOGIT = 1.0  # a kind whose contribution moves the log-odds this much carries the edge


@dataclass(frozen=True, slots=True)
class EdgeModel:
    """Logistic coefficients per feature (raw units), intercept, and the reference values
    (typical candidate pair) contributions are measured from."""

    intercept: float
    coefficients: tuple[float, ...]
    reference: tuple[float, ...]

    def logit(self, x: np.ndarray) -> np.ndarray:
        return self.intercept + x @ np.asarray(self.coefficients)

    def probability(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(self.logit(x))

    def contributions(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Per evidence kind, how far it moves each pair's log-odds from the typical pair."""
        coef, ref = np.asarray(self.coefficients), np.asarray(self.reference)
        out = {}
        for kind, features in KINDS.items():
            idx = [FEATURES.index(f) for f in features]
            out[kind] = ((x[:, idx] - ref[idx]) * coef[idx]).sum(axis=1)
        return out


@dataclass(frozen=True, slots=True)
class Platt:
    """P(right) = sigmoid(a + b * logit(raw score))."""

    a: float
    b: float

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return _sigmoid(self.a + self.b * _logit(raw))


def features(evidence: dict[str, np.ndarray], prior_titles: float) -> np.ndarray:
    """The model's feature matrix (pairs x FEATURES) from the pair evidence."""
    n = evidence["a"].size
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    f = {k: np.asarray(v, dtype=float) for k, v in evidence.items()}
    shared = np.maximum(f["shared"], 1.0)
    together = f["together"]
    smaller = np.maximum(np.minimum(f["titles_a"], f["titles_b"]), 1.0)
    # lift over chance: two busy groups releasing the same blockbusters share many titles
    # without a shared supply, so only joint drops beyond that expectation count; a few
    # pseudo-titles keep a share seen on a handful of titles modest; a race is a title they
    # demonstrably did not share
    expected = np.minimum(f["expected_shared"], together)
    lift = np.clip((together - f["races"] - expected) / (smaller - expected + prior_titles), 0, 1)
    columns = {
        "lift": lift,
        "tight_share": f["tight"] / np.maximum(together, 1.0),
        "format_overlap": f["format_overlap"],
        "specialty_overlap": f["specialty_overlap"],
        "race_share": f["races"] / shared,
        "dupe_share": np.minimum(f["dupe_nukes"] / shared, 1.0),
        "early_share": np.minimum(f["early_together"] / smaller, 1.0),
        "coactivity": f["coactivity"],
        "started_together": f["started_together"],
        "ended_together": f["ended_together"],
        "span_mismatch": f["span_mismatch"],
    }
    return np.column_stack([columns[name] for name in FEATURES])


def fit_edge_model(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> EdgeModel:
    """Logistic regression by Newton steps with an L2 penalty on standardized features."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.column_stack([np.ones(len(x)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(100):
        p = _sigmoid(z @ w)
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    coefficients = w[1:] / scale
    intercept = w[0] - float((coefficients * mean).sum())
    return EdgeModel(float(intercept), tuple(map(float, coefficients)), tuple(map(float, mean)))


def fit_platt(raw: np.ndarray, right: np.ndarray) -> Platt:
    """Platt scaling of raw scores in (0, 1) against whether each was right."""
    if raw.size == 0:
        return Platt(0.0, 1.0)
    model = fit_edge_model(_logit(raw)[:, None], right.astype(float), l2=0.1)
    # fit_edge_model returns raw-unit coefficients: logit = intercept + coef * logit(raw)
    return Platt(model.intercept, model.coefficients[0])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


# --- calibrated on the calibration worlds (benchmarks/families.py --calibrate) -----------
EDGE_MODEL = EdgeModel(
    intercept=-16.89971130545525,
    coefficients=(
        24.38521287347136,
        4.910225557517047,
        -1.2175275895145774,
        -0.32974689846332356,
        -0.3846552375309899,
        -0.8535941801729173,
        -0.048335722991946245,
        4.85157205104483,
        -2.3651108581394813,
        3.6980707245163567,
        -1.1585540919249773,
    ),
    reference=(
        0.032289686716403254,
        0.4720037600622232,
        0.3480212013806088,
        0.5923625902281466,
        0.2417537242663391,
        0.11360159167597221,
        0.011311270675895362,
        0.915602238001506,
        0.002499166944351883,
        0.010496501166277908,
        0.18060646451182938,
    ),
)
MEMBERSHIP = Platt(a=-3.0886995693195516, b=1.2108911360346197)
FAMILY = Platt(a=-0.27053538022864565, b=0.8219868002841062)
