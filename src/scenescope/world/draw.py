"""Fast draws from a seeded `random.Random` for the simulator's hot loops.

`random.choice` and `randrange` reject-sample on random bits (exactly uniform, slow in
Python); these scale one `random()` float instead — bias below 1e-15, far under any model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Uniform = Callable[[], float]


def pick_one(uniform: Uniform, items: Sequence[Item]) -> Item:
    """One of `items`, uniformly (`uniform` is a bound `Random.random`)."""
    return items[int(uniform() * len(items))]


def below(uniform: Uniform, stop: int, start: int = 0) -> int:
    """An integer in [start, stop), uniformly."""
    return start + int(uniform() * (stop - start))
