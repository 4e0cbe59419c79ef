"""The race to be first: per title × format, who pred first, by how much, and who duped.

A race is one title (the matched catalog title, else the parsed title/year/season/episode)
in one format (source class + resolution + codec). Each group enters with its earliest
non-PROPER, non-REPACK release; later entrants are dupes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from scenescope.analysis.base import Estimator
from scenescope.analysis.groups import _utc
from scenescope.engine import Engine, Source


def build_race_entries(source: Source) -> str:
    """The qualified name of the `race_entries` relation (engine.relations), built if needed."""
    return Engine.of(source).relation("race_entries")


@dataclass(frozen=True, slots=True)
class RaceEntrant:
    """One group's entry in a race."""

    place: int
    group: str
    release_name: str
    pre_at: dt.datetime
    behind_winner_s: float
    status: str  # live / nuked / deleted
    nuke_reason: str | None


@dataclass(frozen=True, slots=True)
class Race:
    """One title × format: the winner, its margin over the runner-up, and the dupes."""

    title_key: str
    title: str | None
    format: str
    entrants: tuple[RaceEntrant, ...]

    @property
    def winner(self) -> str:
        return self.entrants[0].group

    @property
    def margin_s(self) -> float | None:
        return self.entrants[1].behind_winner_s if len(self.entrants) > 1 else None

    @property
    def dupes(self) -> tuple[RaceEntrant, ...]:
        return self.entrants[1:]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title_key": self.title_key,
            "title": self.title,
            "format": self.format,
            "winner": self.winner,
            "margin_s": self.margin_s,
            "entrants": [
                {
                    "place": e.place,
                    "group": e.group,
                    "release_name": e.release_name,
                    "pre_at": e.pre_at.isoformat(),
                    "behind_winner_s": e.behind_winner_s,
                    "status": e.status,
                    "nuke_reason": e.nuke_reason,
                }
                for e in self.entrants
            ],
            "dupes_nuked": sum(1 for e in self.dupes if e.status == "nuked"),
        }


@dataclass(frozen=True, slots=True)
class GroupRaceRecord:
    """A group's record across contested races (two or more entrants)."""

    group: str
    group_key: str
    entered: int
    won: int
    median_margin_s: float | None  # over races it won
    uncontested: int  # title × formats nobody else released
    dupes_nuked: int  # its losing entries that were nuked

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "entered": self.entered,
            "won": self.won,
            "win_rate": round(self.won / self.entered, 4) if self.entered else None,
            "median_margin_s": self.median_margin_s,
            "uncontested": self.uncontested,
            "dupes_nuked": self.dupes_nuked,
        }


def _races(engine: Engine, where: str, params: list[Any]) -> list[Race]:
    entries = engine.relation("race_entries")
    names = engine.relation("group_names")
    rows = engine.rows(
        f"""
        WITH picked AS (SELECT DISTINCT title_key, format_key FROM {entries} e
                        WHERE {where})
        SELECT e.title_key, concat_ws(' ', r.title, CAST(r.year AS VARCHAR),
                 CASE WHEN r.season IS NOT NULL THEN 'S' || lpad(CAST(r.season AS VARCHAR), 2, '0')
                      || coalesce(list_aggregate(list_transform(r.episodes,
                           lambda x: 'E' || lpad(CAST(x AS VARCHAR), 2, '0')), 'string_agg', ''),
                         '') END),
               e.format_key, e.place, n.group_name, r.name, e.pre_at, e.behind_winner_s, e.status,
               e.nuke_reason, min(e.pre_at) OVER (PARTITION BY e.title_key, e.format_key) AS start
        FROM {entries} e SEMI JOIN picked USING (title_key, format_key)
        JOIN releases r USING (release_id) JOIN {names} n ON n.group_key = e.group_key
        ORDER BY start, e.title_key, e.format_key, e.place
        """,
        params,
    )
    races: list[Race] = []
    current: list[RaceEntrant] = []
    for i, row in enumerate(rows):
        key, label, fmt, place, group, name, pre_at, behind, status, reason, _ = row
        current.append(
            RaceEntrant(int(place), group, name, _utc(pre_at), float(behind), status, reason)
        )
        last_of_race = i + 1 == len(rows) or (rows[i + 1][0], rows[i + 1][2]) != (key, fmt)
        if last_of_race:
            races.append(Race(str(key), label, fmt, tuple(current)))
            current = []
    return races


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def races_for_title(source: Source, title: str) -> list[Race]:
    """Races for a catalog title id, or for parsed titles starting with `title` (normalized)."""
    engine = Engine.of(source)
    query = _normalized(title)
    if not query:
        raise ValueError("the title to look up is empty")
    return _races(
        engine,
        f"e.release_id IN (SELECT g.release_id FROM {engine.relation('group_releases')} g "
        "JOIN releases r "
        "USING (release_id) WHERE g.title_id = ? OR regexp_replace(lower(coalesce(r.title, '')) "
        "|| coalesce(CAST(r.year AS VARCHAR), ''), '[^a-z0-9]+', '', 'g') LIKE ? || '%')",
        [title.strip(), query],
    )


def races_for_group(source: Source, group: str, *, contested_only: bool = True) -> list[Race]:
    """The races a group entered (by default only those with a rival)."""
    extra = " AND e.entrants > 1" if contested_only else ""
    return _races(Engine.of(source), f"e.group_key = lower(?){extra}", [group.strip()])


def group_race_records(source: Source) -> list[GroupRaceRecord]:
    """Every group's race record, most wins first."""
    engine = Engine.of(source)
    rows = engine.rows(
        f"""
        SELECT group_key, any_value(n.group_name),
               count(*) FILTER (WHERE entrants > 1) AS entered,
               count(*) FILTER (WHERE entrants > 1 AND place = 1) AS won,
               median(margin_to_next_s) FILTER (WHERE entrants > 1 AND place = 1),
               count(*) FILTER (WHERE entrants = 1) AS uncontested,
               count(*) FILTER (WHERE place > 1 AND status = 'nuked') AS dupes_nuked
        FROM {engine.relation("race_entries")} JOIN {engine.relation("group_names")} n
          USING (group_key) GROUP BY group_key
        ORDER BY won DESC, entered DESC, group_key
        """
    )
    return [
        GroupRaceRecord(
            group=name,
            group_key=key,
            entered=int(entered),
            won=int(won),
            median_margin_s=None if margin is None else float(margin),
            uncontested=int(uncontested),
            dupes_nuked=int(nuked),
        )
        for key, name, entered, won, margin, uncontested, nuked in rows
    ]


@dataclass(frozen=True, slots=True)
class RaceParams:
    title: str | None = None  # races of one title (id or words)
    group: str | None = None  # races one group entered
    contested_only: bool = True


@dataclass(frozen=True, slots=True)
class RaceResult:
    """Every group's race record, and the races asked for (by title or group)."""

    records: tuple[GroupRaceRecord, ...]
    races: tuple[Race, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": [r.to_dict() for r in self.records],
            "races": [r.to_dict() for r in self.races],
        }


class Races(Estimator[RaceParams, RaceResult]):
    """The race to be first on each title x format."""

    name: ClassVar[str] = "race"

    def default_params(self) -> RaceParams:
        return RaceParams()

    def fit(self, engine: Engine, params: RaceParams | None = None) -> RaceResult:
        params = params or self.default_params()
        races: list[Race] = []
        if params.title:
            races = races_for_title(engine, params.title)
        elif params.group:
            races = races_for_group(engine, params.group, contested_only=params.contested_only)
        return RaceResult(tuple(group_race_records(engine)), tuple(races))
