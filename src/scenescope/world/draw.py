"""Fast draws for the simulator's hot loops, from a seeded `random.Random` or numpy stream.

`random.choice` and `randrange` reject-sample on random bits (exactly uniform, slow in
Python); these scale one `random()` float instead — bias below 1e-15, far under any model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy

Item = TypeVar("Item")
Uniform = Callable[[], float]


def pick_one(uniform: Uniform, items: Sequence[Item]) -> Item:
    """One of `items`, uniformly (`uniform` is a bound `Random.random`)."""
    return items[int(uniform() * len(items))]


def below(uniform: Uniform, stop: int, start: int = 0) -> int:
    """An integer in [start, stop), uniformly."""
    return start + int(uniform() * (stop - start))


class UniformBlocks:
    """Uniform floats from a numpy generator, drawn a block at a time and handed out in
    runs: one numpy call per 65,536 draws instead of one per title."""

    def __init__(self, generator: numpy.random.Generator, block: int = 1 << 16) -> None:
        self._generator = generator
        self._block = block
        self._buffer: list[float] = []
        self._at = 0

    def take(self, count: int) -> list[float]:
        if self._at + count > len(self._buffer):
            fresh = self._generator.random(max(self._block, count)).tolist()
            self._buffer = self._buffer[self._at :] + fresh
            self._at = 0
        run = self._buffer[self._at : self._at + count]
        self._at += count
        return run
