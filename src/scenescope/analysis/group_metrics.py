"""How right group profiles and the race are against a world's truth.

Profiles: a group's top source class against its true specialty, and dormancy against the
groups that truly stopped. Race: each contested race's winner against the true pre times of
its entrants (the store's canonical pre time is built from several feeds with jitter and
backfills), and whether a race's entrants are truly one title.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import ClassVar

from scenescope.analysis.base import Metric, Score
from scenescope.analysis.groups import GroupsResult
from scenescope.analysis.race import RaceResult
from scenescope.engine import Engine
from scenescope.engine.rules import SOURCE_CLASS_NAMES
from scenescope.world.truth_records import WorldTruth

DORMANT_GRACE_DAYS = 30  # a group that stopped this close to the world's end cannot look dark yet


class GroupProfileMetric(Metric[GroupsResult]):
    name: ClassVar[str] = "groups"

    def score(self, result: GroupsResult, truth: WorldTruth) -> Score:
        found = {g.group_key: g for g in result.groups}
        specialties = [
            (g.key, g.specialty)
            for g in truth.groups
            if g.key in found and g.specialty in SOURCE_CLASS_NAMES
        ]
        right = sum(1 for key, specialty in specialties if found[key].top_source_class == specialty)
        end = truth.end or dt.date.max
        stopped = {
            g.key
            for g in truth.groups
            if g.key in found
            and g.active_until is not None
            and (end - g.active_until).days > DORMANT_GRACE_DAYS
        }
        dark = {key for key, g in found.items() if g.dormancy is not None}
        known = {g.key for g in truth.groups}
        dark_known = dark & known
        return Score(
            self.name,
            {
                "specialty_accuracy": right / len(specialties) if specialties else None,
                "dormancy_recall": len(stopped & dark) / len(stopped) if stopped else None,
                "dormancy_precision": len(stopped & dark_known) / len(dark_known)
                if dark_known
                else None,
            },
            {"groups_scored": len(specialties), "stopped": len(stopped), "dark": len(dark)},
        )


class RaceMetric(Metric[RaceResult]):
    """Needs the engine the result came from (the races' entrants are read from it)."""

    name: ClassVar[str] = "race"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def score(self, result: RaceResult, truth: WorldTruth) -> Score:
        if truth.folder is None:
            raise ValueError("the race metric needs the world's truth_releases.csv")
        true_pre: dict[str, str] = {}
        true_title: dict[str, str] = {}
        with (truth.folder / "truth_releases.csv").open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                true_pre.setdefault(row["name"], row["pre_at"])
                true_title[row["name"]] = f"{row['title_id']}|{row['season']}|{row['episode']}"
        rows = self.engine.rows(
            f"SELECT e.title_key, e.format_key, e.place, r.name "
            f"FROM {self.engine.relation('race_entries')} e JOIN releases r USING (release_id) "
            "WHERE e.entrants > 1 ORDER BY e.title_key, e.format_key, e.place"
        )
        races: dict[tuple[int, str], list[str]] = {}
        for title_key, format_key, _, name in rows:
            races.setdefault((title_key, format_key), []).append(name)
        scored = right = one_title = 0
        for names in races.values():
            known = [n for n in names if n in true_pre]
            if len(known) < 2 or known[0] != names[0]:
                continue
            scored += 1
            right += all(true_pre[known[0]] <= true_pre[n] for n in known[1:])
            one_title += len({true_title[n] for n in known}) == 1
        return Score(
            self.name,
            {
                "winner_accuracy": right / scored if scored else None,
                "one_title_share": one_title / scored if scored else None,
            },
            {"races_scored": scored, "contested_races": len(races)},
        )
