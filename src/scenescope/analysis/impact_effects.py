"""Who filled the gap, and did the targeted groups come back.

- **Displacement**: the targeted groups' former slots are the formats (source class /
  resolution / codec, `format_key`) they released in the weeks before the event. For every
  other group, its share of the releases in those slots before and after the event; the
  gainers are the groups whose share rose most, `new_groups` those with no pre at all before
  the event. Concentration is the Herfindahl–Hirschman index of group shares in those slots
  (0 … 1) before and after.
- **Return** ("we will be back"): per targeted group, its last pre before the event, its first
  after the event's day (under its own name), how similar its format profile is afterwards
  (cosine), and the new group (first pre after the event) whose profile is closest to its
  old one, as a candidate successor with that similarity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scenescope.analysis.successors import find_successors
from scenescope.engine import Engine

TOP_GAINERS = 5


@dataclass(frozen=True, slots=True)
class Gainer:
    group: str
    share_before: float
    share_after: float
    releases_after: int
    new: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "share_before": round(self.share_before, 4),
            "share_after": round(self.share_after, 4),
            "gain": round(self.share_after - self.share_before, 4),
            "releases_after": self.releases_after,
            "new": self.new,
        }


@dataclass(frozen=True, slots=True)
class Displacement:
    slots: tuple[str, ...]
    gainers: tuple[Gainer, ...]
    new_groups: tuple[str, ...]
    hhi_before: float
    hhi_after: float
    window_weeks: int


@dataclass(frozen=True, slots=True)
class GroupReturn:
    group: str
    last_pre_before: dt.datetime | None
    first_pre_after: dt.datetime | None
    profile_similarity: float | None  # own name, before vs after
    successor: str | None  # the successors estimator's first candidate, when above threshold
    successor_first_pre: dt.datetime | None
    successor_score: float | None  # that candidate's probability (analysis.successors)

    @property
    def days_dark(self) -> float | None:
        if self.last_pre_before is None or self.first_pre_after is None:
            return None
        return (self.first_pre_after - self.last_pre_before).total_seconds() / 86400.0

    def to_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "group": self.group,
            "returned": self.first_pre_after is not None,
            "last_pre_before": iso(self.last_pre_before),
            "first_pre_after": iso(self.first_pre_after),
            "days_dark": None if self.days_dark is None else round(self.days_dark, 1),
            "profile_similarity": _round(self.profile_similarity),
            "successor": self.successor,
            "successor_first_pre": iso(self.successor_first_pre),
            "successor_score": _round(self.successor_score),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _event_ts(event: dt.date) -> dt.datetime:
    return dt.datetime(event.year, event.month, event.day, tzinfo=dt.UTC)


def displacement(
    engine: Engine, event: dt.date, groups: Sequence[str], *, weeks: int = 8
) -> Displacement:
    keys = sorted({g.lower() for g in groups})
    weeks = max(weeks, 1)
    if not keys:
        return Displacement((), (), (), 0.0, 0.0, weeks)
    table = engine.relation("group_releases")
    names = engine.relation("group_names")
    start = _event_ts(event)
    before = start - dt.timedelta(weeks=weeks)
    after = start + dt.timedelta(days=1, weeks=weeks)
    rows = engine.rows(
        f"""
        WITH slots AS (
          SELECT DISTINCT format_key FROM {table}
          WHERE list_contains(?::VARCHAR[], group_key) AND pre_at >= ? AND pre_at < ?
        ), firsts AS (
          SELECT group_key, min(pre_at) AS first_pre FROM {table} GROUP BY group_key
        )
        SELECT g.group_key, n.group_name, g.pre_at >= ? AS after, count(*) AS releases,
               any_value(f.first_pre) >= ? AS new
        FROM {table} g JOIN slots USING (format_key)
        JOIN firsts f USING (group_key) JOIN {names} n USING (group_key)
        WHERE (g.pre_at >= ? AND g.pre_at < ?) OR (g.pre_at >= ? AND g.pre_at < ?)
        GROUP BY ALL
        """,
        [keys, before, start, start, start, before, start, start + dt.timedelta(days=1), after],
    )
    slot_rows = engine.rows(
        f"SELECT DISTINCT format_key FROM {table} WHERE list_contains(?::VARCHAR[], group_key) "
        "AND pre_at >= ? AND pre_at < ? ORDER BY 1",
        [keys, before, start],
    )
    counts: dict[bool, dict[str, int]] = {False: defaultdict(int), True: defaultdict(int)}
    display: dict[str, str] = {}
    new: set[str] = set()
    for key, name, is_after, releases, is_new in rows:
        counts[bool(is_after)][key] += int(releases)
        display[key] = name
        if is_new:
            new.add(key)
    shares = {side: _shares(counts[side]) for side in (False, True)}
    gainers = sorted(
        (
            Gainer(
                display[k],
                shares[False].get(k, 0.0),
                shares[True].get(k, 0.0),
                counts[True].get(k, 0),
                k in new,
            )
            for k in set(counts[True]) - set(keys)
        ),
        key=lambda g: (-(g.share_after - g.share_before), g.group),
    )
    return Displacement(
        slots=tuple(r[0] for r in slot_rows),
        gainers=tuple(g for g in gainers[:TOP_GAINERS] if g.share_after > g.share_before),
        new_groups=tuple(sorted(display[k] for k in new if counts[True].get(k))),
        hhi_before=sum(s * s for s in shares[False].values()),
        hhi_after=sum(s * s for s in shares[True].values()),
        window_weeks=weeks,
    )


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def _cosine(a: dict[str, int], b: dict[str, int]) -> float | None:
    if not a or not b:
        return None
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else None


def group_returns(engine: Engine, event: dt.date, groups: Sequence[str]) -> list[GroupReturn]:
    keys = sorted({g.lower() for g in groups})
    if not keys:
        return []
    table = engine.relation("group_releases")
    names = engine.relation("group_names")
    start = _event_ts(event) + dt.timedelta(days=1)  # the event's own day is neither side
    rows = engine.rows(
        f"""
        SELECT g.group_key, n.group_name, g.format_key, g.pre_at >= ? AS after,
               count(*) AS releases, min(g.pre_at) AS first_at, max(g.pre_at) AS last_at
        FROM {table} g JOIN {names} n USING (group_key)
        WHERE list_contains(?::VARCHAR[], g.group_key)
        GROUP BY ALL
        """,
        [start, keys],
    )
    profile: dict[tuple[str, bool], dict[str, int]] = defaultdict(dict)
    first: dict[tuple[str, bool], dt.datetime] = {}
    last: dict[tuple[str, bool], dt.datetime] = {}
    display: dict[str, str] = {}
    for key, name, fmt, is_after, releases, first_at, last_at in rows:
        side = (key, bool(is_after))
        profile[side][fmt] = int(releases)
        first[side] = min(first.get(side, first_at), first_at)
        last[side] = max(last.get(side, last_at), last_at)
        display[key] = name
    # who took over under a new name: the successors estimator's answer (one home for it)
    best = {
        c.predecessor.lower(): c
        for c in find_successors(engine)
        if c.rank == 1 and c.above_threshold and c.predecessor.lower() in keys
    }
    out = []
    for key in keys:
        old = profile.get((key, False), {})
        heir = best.get(key) if (key, True) not in first else None
        out.append(
            GroupReturn(
                group=display.get(key, key),
                last_pre_before=last.get((key, False)),
                first_pre_after=first.get((key, True)),
                profile_similarity=_cosine(old, profile.get((key, True), {})),
                successor=heir.successor if heir else None,
                successor_first_pre=heir.successor_first_pre if heir else None,
                successor_score=heir.score if heir else None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class CategoryChange:
    """A section's pres per day in the four weeks before the event and in the first week
    after: whether the whole Scene went quiet or only the targeted family's sections."""

    category: str
    before_per_day: float
    after_per_day: float
    zero_days: int  # days of the first week after with no pre at all in the section

    @property
    def ratio(self) -> float | None:
        return self.after_per_day / self.before_per_day if self.before_per_day else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "before_per_day": round(self.before_per_day, 2),
            "after_per_day": round(self.after_per_day, 2),
            "ratio": _round(self.ratio),
            "zero_days": self.zero_days,
        }


def category_changes(engine: Engine, event: dt.date) -> list[CategoryChange]:
    table = engine.relation("daily_pres")
    rows = engine.rows(
        f"""
        WITH days AS (
          SELECT category, day, sum(n) AS n FROM {table}
          WHERE category <> '' AND day >= ? AND day <= ? GROUP BY 1, 2
        ), cats AS (SELECT DISTINCT category FROM days),
        week AS (SELECT unnest(range(?::DATE + 1, ?::DATE + 8, INTERVAL 1 DAY))::DATE AS day)
        SELECT c.category,
               coalesce((SELECT sum(n) FROM days d WHERE d.category = c.category
                         AND d.day < ?), 0) / 28.0 AS before,
               coalesce((SELECT sum(n) FROM days d WHERE d.category = c.category
                         AND d.day > ?), 0) / 7.0 AS after,
               (SELECT count(*) FROM week w WHERE NOT EXISTS (
                  SELECT 1 FROM days d WHERE d.category = c.category AND d.day = w.day)) AS zero
        FROM cats c ORDER BY before DESC
        """,
        [
            event - dt.timedelta(days=28),
            event + dt.timedelta(days=7),
            event,
            event,
            event,
            event,
        ],
    )
    return [CategoryChange(str(c), float(b), float(a), int(z)) for c, b, a, z in rows if b]
