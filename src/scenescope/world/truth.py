"""Ground truth of a simulated world: which release is which title, every leak, the
families and fronts, the operation's true weekly effects, successors — written as truth.json
(schema in docs/world.md) next to truth_releases.csv.

A leak is a release pred before the official date (00:00 UTC) of the window its source class
is measured against, in the earliest territory — the leak detector's own definition.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scenescope.world.catalog import Catalog, Movie
from scenescope.world.enforcement import Operation
from scenescope.world.groups import Roster
from scenescope.world.pres import SimRelease
from scenescope.world.supply import Supply
from scenescope.world.writer import iso, json_string

SCHEMA = "scenescope-world-truth/1"
DAY = 86400
# which official window each source class is measured against (movies)
WINDOW_OF_SOURCE: dict[str, str] = {
    "cam": "theatrical",
    "web": "digital",
    "retail-disc": "physical",
    "hdtv": "tv",
}
TRACKED_WEEKS = range(-8, 27)
_LEAKS_PLACEHOLDER = "\u0000leaks\u0000"


def _day_start(day: dt.date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _json_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return json_string(value)
    return json.dumps(value)


class LeakJudge:
    """Decides from the catalog whether a film/TV release is a leak, and by how much."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._airs: dict[tuple[int, int], tuple[list[dt.date], str]] = {}
        self._movie_windows: dict[tuple[int, str], tuple[str, dt.date, str] | None] = {}

    def official(self, release: SimRelease) -> tuple[str, dt.date, str] | None:
        """(window, official date, territory) the release is measured against, if any."""
        if release.kind == "movie":
            index = int(release.title_id[1:]) - 1
            key = (index, release.source_class)
            if key in self._movie_windows:
                return self._movie_windows[key]
            found = self._movie_window(self.catalog.movies[index], release.source_class)
            if len(self._movie_windows) > 50000:  # a cache, bounded at any scale
                self._movie_windows.clear()
            self._movie_windows[key] = found
            return found
        if release.kind in ("episode", "pack"):
            index = int(release.title_id[1:]) - 1
            season_key = (index, release.season)
            cached = self._airs.get(season_key)
            if cached is None:
                series = self.catalog.series[index]
                season = next(s for s in series.seasons if s.number == release.season)
                lags = series.seasons[0].territory_lag_days
                home = min(lags, key=lambda t: (lags[t], t))
                cached = (season.air_dates(series.style), home)
                if len(self._airs) > 20000:
                    self._airs.clear()
                self._airs[season_key] = cached
            airs, home = cached
            return "tv", airs[max(1, release.episode) - 1], home
        return None

    def _movie_window(self, movie: Movie, source_class: str) -> tuple[str, dt.date, str] | None:
        if source_class == "screener":
            options = [
                (found[0], found[1], window)
                for window in ("digital", "physical")
                if (found := movie.earliest(window)) is not None
            ]
            if not options:
                return None
            date, territory, window = min(options)
            return window, date, territory
        measured = WINDOW_OF_SOURCE.get(source_class)
        if measured is None:
            return None
        opening = movie.earliest(measured)
        if opening is None:
            return None
        return measured, opening[0], opening[1]

    def leak(self, release: SimRelease) -> dict[str, Any] | None:
        official = self.official(release)
        if official is None:
            return None
        window, date, territory = official
        lead_seconds = _day_start(date) - release.ts
        if lead_seconds <= 0:
            return None
        return {
            "release": release.name,
            "title_id": release.title_id,
            "group": release.group,
            "source_class": release.source_class,
            "window": window,
            "official_date": date.isoformat(),
            "territory": territory,
            "pre_at": iso(release.ts),
            "lead_days": round(lead_seconds / DAY, 4),
            "family": release.family or None,
            "account_id": release.account_id or None,
        }


class LeakLog:
    """Every leak of the world, spooled to a file beside truth.json as it is found (a 10x
    world has hundreds of thousands), then spliced into truth.json's `leaks` list."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] = path.open("w", encoding="utf-8")
        self.count = 0

    def add(self, leak: dict[str, Any]) -> None:
        # the bytes json.dump(indent=1) writes for an item of a top-level list, without its
        # pure-Python indenting encoder (the values are strings, numbers and nulls)
        fields = ",\n".join(
            f"   {json_string(key)}: {_json_scalar(value)}" for key, value in leak.items()
        )
        self.handle.write(("  {\n" if self.count == 0 else ",\n  {\n") + fields + "\n  }")
        self.count += 1

    def close(self) -> None:
        self.handle.close()

    def copy_into(self, out: IO[str]) -> None:
        with self.path.open(encoding="utf-8") as spooled:
            shutil.copyfileobj(spooled, out, 1 << 20)

    def discard(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


@dataclass(slots=True)
class Tally:
    """Counterfactual vs actual pre counts, per day and per group × week around the event."""

    operation: Operation | None
    daily: dict[int, list[int]] = field(default_factory=dict)  # day ordinal → [cf, actual]
    group_weeks: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    _weeks: dict[int, int] = field(default_factory=dict)  # day number → week of the event

    def add(self, release: SimRelease, actual: bool) -> None:
        day = release.ts // DAY
        counts = self.daily.get(day)
        if counts is None:
            counts = self.daily[day] = [0, 0]
        if release.counterfactual:
            counts[0] += 1
        if actual:
            counts[1] += 1
        if self.operation is None:
            return
        week = self._weeks.get(day)
        if week is None:
            week = self._weeks[day] = self.operation.week_of(release.ts)
        if week in TRACKED_WEEKS:
            key = (release.group, week)
            per = self.group_weeks.get(key)
            if per is None:
                per = self.group_weeks[key] = [0, 0]
            if release.counterfactual:
                per[0] += 1
            if actual:
                per[1] += 1

    def weeks(self) -> list[dict[str, Any]]:
        """Per week around the event: counts, realized and configured ratios, per group."""
        op = self.operation
        if op is None:
            return []
        day0 = op.day0_ts // DAY
        out: list[dict[str, Any]] = []
        for week in TRACKED_WEEKS:
            first = day0 + 7 * (week - 1) + 1
            days = [self.daily.get(first + i) for i in range(7)]
            if any(d is None for d in days):
                continue
            cf = sum(d[0] for d in days if d)
            actual = sum(d[1] for d in days if d)
            groups: dict[str, dict[str, Any]] = {}
            for (group, w), (g_cf, g_act) in sorted(self.group_weeks.items()):
                if w == week:
                    groups[group] = {
                        "counterfactual": g_cf,
                        "actual": g_act,
                        "ratio": round(g_act / g_cf, 4) if g_cf else None,
                    }
            out.append(
                {
                    "week": week,
                    "start": _date_of(first).isoformat(),
                    "end": _date_of(first + 6).isoformat(),
                    "counterfactual": cf,
                    "actual": actual,
                    "ratio": round(actual / cf, 4) if cf else None,
                    "expected_ratio": round(op.expected_week_ratio(week), 4),
                    "groups": groups,
                }
            )
        return out

    def daily_rows(self) -> list[dict[str, Any]]:
        return [
            {"date": _date_of(day).isoformat(), "counterfactual": cf, "actual": act}
            for day, (cf, act) in sorted(self.daily.items())
        ]


def _date_of(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=day)


def write_truth(
    path: Path,
    *,
    seed: int,
    digest: str,
    config: dict[str, Any],
    roster: Roster,
    supply: Supply,
    operation: Operation | None,
    tally: Tally,
    leaks: LeakLog,
    counts: dict[str, int],
    successor_first_pre: int | None,
    sections: dict[str, Any] | None = None,
) -> None:
    """truth.json: stable keys, sorted lists, fixed float rounding. `sections`: more
    top-level keys other parts of the world write (the seized media)."""
    families: list[dict[str, Any]] = []
    for fam in config["families"]:
        front_ids = sorted(a.account_id for a in supply.accounts if a.front_of == fam["family_id"])
        families.append(
            {
                "family_id": fam["family_id"],
                "members": list(fam["members"]),
                "specialty": fam["specialty"],
                "fronts": front_ids,
            }
        )
    groups = [
        {
            "name": g.name,
            "family": g.family,
            "specialty": g.specialty,
            "area": g.area,
            "formats": list(g.formats),
            "active_from": g.active_from.isoformat(),
            "active_until": g.active_until.isoformat() if g.active_until else None,
            "successor_of": g.successor_of,
        }
        for g in roster.all_groups()
    ]
    fronts: list[dict[str, Any]] = [
        {
            "account_id": a.account_id,
            "family_id": a.front_of,
            "name": a.name,
            "country": a.country,
            "opened_at": a.opened_at.isoformat(),
            "closed_at": a.closed_at.isoformat() if a.closed_at else None,
        }
        for a in supply.accounts
        if a.front_of
    ]
    events: list[dict[str, Any]] = []
    if operation is not None:
        removed = sorted(g.name for g in roster.family_groups if g.family == operation.family_id)
        events.append(
            {
                "kind": "operation",
                "date": operation.date.isoformat(),
                "at": iso(operation.event_ts),
                "family": operation.family_id,
                "removed_groups": removed,
                "removed_fronts": sorted(
                    a.account_id for a in supply.accounts if a.front_of == operation.family_id
                ),
                "displacement_share": operation.displacement_share,
                "weeks": tally.weeks(),
            }
        )
    successors = []
    if roster.successor is not None and roster.successor.successor_of:
        successors.append(
            {
                "old": roster.successor.successor_of,
                "new": roster.successor.name,
                "active_from": roster.successor.active_from.isoformat(),
                "first_pre_at": iso(successor_first_pre)
                if successor_first_pre is not None
                else None,
            }
        )
    document = {
        "schema": SCHEMA,
        "seed": seed,
        "config_digest": digest,
        "start": config["world"]["start"],
        "end": config["world"]["end"],
        "scale": config["world"]["scale"],
        "counts": counts,
        "groups": groups,
        "families": families,
        "fronts": fronts,
        "releases": {
            "file": "truth_releases.csv",
            "count": counts.get("releases", 0),
            "key": "name",
        },
        "leaks": _LEAKS_PLACEHOLDER,
        "events": events,
        "successors": successors,
        "daily_volume": tally.daily_rows(),
        "config": config,
        **(sections or {}),
    }
    # the document as json.dump(indent=1) writes it, the spooled leak list streamed in
    head, _, tail = json.dumps(document, ensure_ascii=False, indent=1).partition(
        json.dumps(_LEAKS_PLACEHOLDER)
    )
    leaks.close()
    with path.open("w", encoding="utf-8") as handle:
        handle.write(head)
        if leaks.count:
            handle.write("[\n")
            leaks.copy_into(handle)
            handle.write("\n ]")
        else:
            handle.write("[]")
        handle.write(tail)
        handle.write("\n")
    leaks.discard()
