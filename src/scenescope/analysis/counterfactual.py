"""What a daily pre series would have been without an event: a structural time-series model
fitted on the history before it, in the spirit of CausalImpact.

The model (statsmodels `UnobservedComponents`) is a local level with a fixed weekly pattern
(trigonometric, three harmonics) and a holiday regressor, on log(1 + count). It is fitted on
the baseline weeks before the event only (days marked missing, an earlier event's
aftermath, are skipped by the Kalman filter), then simulated forward: each of `repetitions`
paths is a possible counterfactual, so the interval of any sum over days (a week, the whole
post-event period) comes from the same paths, not from adding daily intervals. No other
series is used as a control: after a scene-wide chill every other Scene category is hit too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

MIN_BASELINE_DAYS = 28


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """Simulated counterfactual paths for the days after the fit: `paths[day, repetition]`."""

    paths: np.ndarray
    level: float  # interval mass (0.9 → the 5% and 95% quantiles)

    @property
    def horizon(self) -> int:
        return int(self.paths.shape[0])

    def expected(self, start: int = 0, stop: int | None = None) -> float:
        """Median of the sum over days [start, stop)."""
        return float(np.median(self.paths[start:stop].sum(axis=0)))

    def interval(self, start: int = 0, stop: int | None = None) -> tuple[float, float]:
        sums = self.paths[start:stop].sum(axis=0)
        tail = (1.0 - self.level) / 2.0 * 100.0
        low, high = np.percentile(sums, [tail, 100.0 - tail])
        return float(low), float(high)

    def missing(
        self, observed: np.ndarray, start: int = 0, stop: int | None = None
    ) -> tuple[float, float, float]:
        """(expected − observed) summed over [start, stop): median and interval."""
        gap = self.paths[start:stop].sum(axis=0) - float(observed[start:stop].sum())
        tail = (1.0 - self.level) / 2.0 * 100.0
        low, mid, high = np.percentile(gap, [tail, 50.0, 100.0 - tail])
        return float(mid), float(low), float(high)


def fit_counterfactual(
    history: np.ndarray,
    holidays_history: np.ndarray,
    holidays_after: np.ndarray,
    *,
    level: float = 0.9,
    repetitions: int = 1000,
    seed: int = 0,
) -> Counterfactual:
    """Fit on `history` (daily counts before the event) and simulate len(holidays_after) days."""
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    observed = int(np.count_nonzero(~np.isnan(np.asarray(history, dtype=float))))
    if observed < MIN_BASELINE_DAYS:
        raise ValueError(
            f"only {observed} days of history before the event: the counterfactual needs "
            f"at least {MIN_BASELINE_DAYS} (use an earlier store or a later event)"
        )
    horizon = len(holidays_after)
    y = np.log1p(np.asarray(history, dtype=float))
    use_holidays = bool(holidays_history.any())
    exog = holidays_history.reshape(-1, 1) if use_holidays else None
    model = UnobservedComponents(
        y,
        level="local level",
        freq_seasonal=[{"period": 7, "harmonics": 3}],
        stochastic_freq_seasonal=[False],
        exog=exog,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short, flat baselines
        fitted = model.fit(disp=False)
    if horizon == 0:
        return Counterfactual(np.zeros((0, repetitions)), level)
    state = np.random.get_state()
    np.random.seed(seed)  # statsmodels draws from numpy's global generator
    try:
        kwargs = {"exog": holidays_after.reshape(-1, 1)} if use_holidays else {}
        sims = fitted.simulate(horizon, repetitions=repetitions, anchor="end", **kwargs)
    finally:
        np.random.set_state(state)
    paths = np.expm1(np.asarray(sims, dtype=float).reshape(horizon, repetitions))
    return Counterfactual(np.clip(paths, 0.0, None), level)
