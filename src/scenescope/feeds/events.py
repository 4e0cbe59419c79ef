"""Normalized feed events: what every connector yields and what the store applies.

Connectors (files, predb.ovh REST / websocket, IRC, replay) never touch the store schema;
they turn their input into these records, and the store keeps provenance (`feed`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

NukeKind = Literal["nuke", "unnuke", "modnuke", "delpre", "undelpre"]
NUKE_KINDS: tuple[str, ...] = ("nuke", "unnuke", "modnuke", "delpre", "undelpre")


@dataclass(frozen=True, slots=True)
class PreReport:
    """One feed saying "this release was pred at this time"."""

    name: str
    pre_at: dt.datetime  # timezone-aware UTC, as the feed reported it
    feed: str  # provenance, e.g. "file:pres.csv", "predb.ovh", "irc:net/#chan"
    category: str | None = None
    size_kb: float | None = None
    files: int | None = None
    genre: str | None = None
    seen_at: dt.datetime | None = None  # when we received it; None = now


@dataclass(frozen=True, slots=True)
class NukeEvent:
    """A nuke, unnuke, modnuke, delpre or undelpre of a release, from one feed."""

    name: str
    kind: str  # one of NUKE_KINDS
    at: dt.datetime
    feed: str
    reason: str | None = None
    network: str | None = None
    seen_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """Input that could not be understood: kept in quarantine with where it came from and why."""

    source: str  # file path or feed name
    reason: str
    raw: str = ""
    line: int | None = None
    seen_at: dt.datetime | None = None


FeedEvent = PreReport | NukeEvent | Reject
