"""Placeholder until the real parser lands (issue 2): keeps the package importable."""

from __future__ import annotations

from collections.abc import Iterable

from scenescope.names.record import ReleaseName


def parse(name: str) -> ReleaseName:
    if not isinstance(name, str):
        raise TypeError(f"parse() expects str, got {type(name).__name__}")
    return ReleaseName(name=name)


def parse_many(names: Iterable[str]) -> list[ReleaseName]:
    return [parse(n) for n in names]
