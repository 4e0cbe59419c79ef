"""The enforcement operation: removal of a family and its fronts, a Scene-wide chill with a
slow recovery, displacement to other groups and a renamed successor.

`Operation.multiplier(ts)` is the chill: the ratio of every surviving group's volume (and
every noise category's) to the counterfactual world without the operation, at time `ts`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from scenescope.world.config import EnforcementSection

DAY = 86400


@dataclass(frozen=True, slots=True)
class Operation:
    family_id: str
    date: dt.date
    event_ts: int  # the raids (unix seconds)
    day_ratios: tuple[float, ...]  # index 0 = event day after the raids, 1 = next day, ...
    displacement_share: float

    @property
    def day0_ts(self) -> int:
        return self.event_ts - self.event_ts % DAY

    def multiplier(self, ts: int) -> float:
        """Chill at time ts: 1 before the raids, then the configured daily curve."""
        if ts < self.event_ts:
            return 1.0
        day = (ts - self.day0_ts) // DAY
        if day >= len(self.day_ratios):
            return self.day_ratios[-1]
        return self.day_ratios[day]

    def week_of(self, ts: int) -> int:
        """Week index relative to the event: 1 = the 7 days after the event day, 0 = the event
        day and the 6 before it, -1 the week before that..."""
        day = (ts - self.day0_ts) // DAY
        return (day - 1) // 7 + 1

    def expected_week_ratio(self, week: int) -> float:
        """The configured chill averaged over the 7 days of a week (weeks ≥ 1)."""
        if week < 1:
            return 1.0
        days = [self._day_ratio(d) for d in range(7 * (week - 1) + 1, 7 * week + 1)]
        return sum(days) / 7.0

    def _day_ratio(self, day: int) -> float:
        return self.day_ratios[min(day, len(self.day_ratios) - 1)]


def build_operation(cfg: EnforcementSection) -> Operation | None:
    """The daily chill curve from the weekly anchors: linear between anchors, constant within a
    week; the first day after the raids dips to `first_day_ratio` and the rest of week 1 makes
    up the configured weekly mean."""
    if not cfg.enabled:
        return None
    event = dt.datetime(cfg.date.year, cfg.date.month, cfg.date.day, cfg.hour_utc, tzinfo=dt.UTC)
    anchors = sorted(cfg.week_ratios)
    last_week = int(anchors[-1][0])
    day_ratios = [cfg.first_day_ratio]  # the rest of the event day
    for week in range(1, last_week + 1):
        level = _interpolate(anchors, float(week))
        days = [level] * 7
        if week == 1:
            days[0] = cfg.first_day_ratio
            rest = (7 * level - cfg.first_day_ratio) / 6.0
            days[1:] = [rest] * 6
        day_ratios.extend(days)
    day_ratios.append(_interpolate(anchors, float(last_week)))
    return Operation(
        cfg.family, cfg.date, int(event.timestamp()), tuple(day_ratios), cfg.displacement_share
    )


def _interpolate(anchors: list[tuple[float, float]], week: float) -> float:
    if week <= anchors[0][0]:
        return anchors[0][1]
    for (w0, r0), (w1, r1) in itertools.pairwise(anchors):
        if w0 <= week <= w1:
            return r0 + (r1 - r0) * (week - w0) / (w1 - w0)
    return anchors[-1][1]
