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
    "joint drops": ("lift", "tight_share", "tight_lift"),
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


def features(
    evidence: dict[str, np.ndarray], prior_titles: float, together_window_s: float = 1800.0
) -> np.ndarray:
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
    # one drop puts a pair's gaps near zero within its window; two clocks that merely run
    # close spread them over it: the tight share beyond what gaps spread evenly would give
    tight_share = f["tight"] / np.maximum(together, 1.0)
    even = np.minimum(
        together_window_s / np.maximum(np.nan_to_num(f["window_s"], nan=1.0), 1.0), 1.0
    )
    columns = {
        "lift": lift,
        "tight_share": tight_share,
        "tight_lift": np.where(
            even < 1.0, (tight_share - even) / np.maximum(1.0 - even, 1e-9), 0.0
        ),
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


def fit_platt(raw: np.ndarray, right: np.ndarray, prior: float = 4.0) -> Platt:
    """Platt scaling of raw scores in (0, 1) against whether each was right.

    Platt's targets, (right + 1) / (right + 2) and 1 / (wrong + 2), so a calibration set with
    no wrong family says "rarely wrong", not "never"; and the map is drawn towards identity (the raw
    score taken as it is) with weight `prior`, so scores the set cannot tell apart keep their
    order instead of collapsing to one probability."""
    if raw.size == 0:
        return Platt(0.0, 1.0)
    right = np.asarray(right, dtype=bool)
    positives, negatives = int(right.sum()), int((~right).sum())
    targets = np.where(right, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    z = np.column_stack([np.ones(raw.size), _logit(raw)])
    w = np.array([0.0, 1.0])
    anchor = np.array([0.0, 1.0])
    penalty = np.array([1.0, prior])

    def loss(w: np.ndarray) -> float:
        margin = z @ w  # cross-entropy with soft targets, written to stay finite
        data = np.logaddexp(0.0, margin) - targets * margin
        return float(data.sum() + 0.5 * (penalty * (w - anchor) ** 2).sum())

    for _ in range(200):
        p = _sigmoid(z @ w)
        gradient = z.T @ (p - targets) + penalty * (w - anchor)
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        # scores saturated at one end make plain Newton overshoot: halve until it helps
        before = loss(w)
        while loss(w - step) > before and np.abs(step).max() > 1e-12:
            step = step / 2
        w = w - step
        if np.abs(step).max() < 1e-10:
            break
    return Platt(float(w[0]), float(w[1]))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


# --- calibrated on the calibration worlds (benchmarks/families.py --calibrate) -----------
EDGE_MODEL = EdgeModel(
    intercept=-12.529384487398044,
    coefficients=(
        25.976639820981887,
        3.7176808697946995,
        1.2476828850638049,
        -1.7637322825461226,
        -0.16009961806012524,
        -0.19251285623677367,
        -0.6429312603266976,
        0.787180582960644,
        0.7639121656650851,
        -1.3806492130966206,
        4.315057068955587,
        -2.2458081862849313,
    ),
    reference=(
        0.028870129673406766,
        0.4592709638035705,
        0.12123994924741656,
        0.3192980799352069,
        0.5640752192820307,
        0.2226721686055856,
        0.1113844341362084,
        0.01011900145393996,
        0.9118523567214083,
        0.00224081266806095,
        0.00941141320585599,
        0.1903196892739767,
    ),
)
MEMBERSHIP = Platt(a=0.27703999602141977, b=0.4259904254809524)
FAMILY = Platt(a=0.25305131595919533, b=0.3506108066938447)
