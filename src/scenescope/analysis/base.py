"""The estimator contract every analysis follows (in the spirit of ruptures' one base):

    result = SomeEstimator().fit(engine, SomeParams(...))   # frozen Result, to_dict()
    score = SomeMetric().score(result, WorldTruth.load(world))  # a Score against the truth

Estimators read the store only through an `Engine` (derived relations by name, per-call
scratch tables), so the CLI, the web API, the report and the batch engine call the same code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from scenescope.engine import Engine, Source
from scenescope.world.truth_records import WorldTruth


@runtime_checkable
class Result(Protocol):
    """What an estimator returns: a frozen record that turns into plain JSON values."""

    def to_dict(self) -> dict[str, Any]: ...


ParamsT = TypeVar("ParamsT")
ResultT = TypeVar("ResultT", bound=Result)


class Estimator(ABC, Generic[ParamsT, ResultT]):
    """One analysis: `fit(engine, params)` reads the store and returns a frozen result."""

    name: ClassVar[str]  # how the CLI, the API and the report name it

    @abstractmethod
    def default_params(self) -> ParamsT:
        """The parameters used when none are given."""

    @abstractmethod
    def fit(self, engine: Engine, params: ParamsT | None = None) -> ResultT:
        """Run the analysis over the store behind `engine`."""

    def __call__(self, source: Source, params: ParamsT | None = None) -> ResultT:
        """fit() on a store, a connection or an engine."""
        return self.fit(Engine.of(source), params)


@dataclass(frozen=True, slots=True)
class Score:
    """How right one result is against a world's truth: named figures, and the counts or
    examples behind them."""

    metric: str
    figures: Mapping[str, float | None]
    details: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> float | None:
        return self.figures[name]

    def to_dict(self) -> dict[str, Any]:
        figures = {k: None if v is None else round(float(v), 4) for k, v in self.figures.items()}
        return {"metric": self.metric, **figures, **dict(self.details)}


class Metric(ABC, Generic[ResultT]):
    """Scores an estimator's result against the simulator's (or another world's) truth."""

    name: ClassVar[str]

    @abstractmethod
    def score(self, result: ResultT, truth: WorldTruth) -> Score: ...
