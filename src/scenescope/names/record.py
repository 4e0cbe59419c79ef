"""The parsed release name: one frozen, hashable record with a documented vocabulary.

Field meanings and allowed values live in `scenescope.names.vocabulary.FIELDS`; this module
only holds the shape, so the store, the analyses and the CLI all agree on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class ReleaseName:
    """What a release name says, field by field; absent fields are None or an empty tuple."""

    name: str = ""
    title: str | None = None
    year: int | None = None
    kind: str | None = None  # movie / episode / other
    season: int | None = None
    episodes: tuple[int, ...] = ()
    absolute_episode: bool = False  # anime absolute numbering: `episodes` holds absolute numbers
    season_pack: bool = False  # S02 alone, Complete.Series, S01-S03
    date: dt.date | None = None  # daily shows
    episode_title: str | None = None
    resolution: str | None = None
    source: str | None = None
    streaming_service: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    audio_channels: str | None = None
    hdr: tuple[str, ...] = ()
    bit_depth: int | None = None
    languages: tuple[str, ...] = ()
    subtitles: tuple[str, ...] = ()
    edition: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # proper, repack, rerip, real, internal, limited, ...
    other: tuple[str, ...] = ()  # remux, 3d, hc, hybrid, ... markers outside the main fields
    group: str | None = None
    container: str | None = None
    website: str | None = None
    unparsed: tuple[str, ...] = ()  # words no rule explained, in name order
    # True when every token was explained and neither the title nor the group is a guess
    certain: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The documented vocabulary as plain JSON-ready values (dates ISO, tuples lists)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[f.name] = value
        return out

    @property
    def proper(self) -> bool:
        return "proper" in self.flags

    @property
    def repack(self) -> bool:
        return "repack" in self.flags


# The frozen dataclass __init__ sets each of the 28 fields through object.__setattr__; the
# parser builds one record per name, so it fills the slots directly (about 40% cheaper).
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ReleaseName))
_SLOT_SETTERS = tuple(getattr(ReleaseName, field_name).__set__ for field_name in FIELD_NAMES)


def _slot_filler() -> Callable[[ReleaseName, Sequence[Any]], None]:
    """One straight-line function that unpacks the values and sets every slot (a loop over
    the setters costs a tenth of a parse; the unpacking still fails on a wrong count)."""
    names = [f"value{k}" for k in range(len(_SLOT_SETTERS))]
    lines = ["def fill(record, values):", f"    {', '.join(names)}, = values"]
    lines += [f"    set{k}(record, {name})" for k, name in enumerate(names)]
    namespace: dict[str, Any] = {f"set{k}": s for k, s in enumerate(_SLOT_SETTERS)}
    exec("\n".join(lines), namespace)  # built from our own field list, never from input
    fill: Callable[[ReleaseName, Sequence[Any]], None] = namespace["fill"]
    return fill


_FILL = _slot_filler()


def record_from_values(values: Sequence[Any]) -> ReleaseName:
    """A ReleaseName from one value per field, in `FIELD_NAMES` order (the parser's hot path;
    everyone else calls ReleaseName(...) with keywords)."""
    record = object.__new__(ReleaseName)
    _FILL(record, values)
    return record
