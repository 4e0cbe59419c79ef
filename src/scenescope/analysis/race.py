"""The race to be first: per title × format, who pred first, by how much, and who duped.

A race is one title (the matched catalog title, else the parsed title/year/season/episode)
in one format (source class + resolution + codec). Each group enters with its earliest
non-PROPER, non-REPACK release; later entrants are dupes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from scenescope.analysis.groups import (
    GROUP_NAMES,
    GROUP_RELEASES,
    _utc,
    build_group_releases,
    derived_is_current,
    mark_derived,
)

RACE_ENTRIES = "race_entries"


def build_race_entries(con: duckdb.DuckDBPyConnection) -> str:
    """Materialize `race_entries` (TEMP): one row per race × group, with place and margins.

    Columns: title_key, format_key, group_key, release_id, pre_at, status, nuke_reason,
    place (1 = winner), entrants, margin_to_next_s (seconds to the next entrant, NULL for the
    last), behind_winner_s.
    """
    build_group_releases(con)
    if derived_is_current(con, RACE_ENTRIES):
        return RACE_ENTRIES
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {RACE_ENTRIES} AS
        WITH firsts AS (
          SELECT title_key, format_key, group_key, min(pre_at) AS pre_at,
                 arg_min({{'release_id': release_id, 'status': status,
                          'nuke_reason': nuke_reason}}, pre_at) AS entry
          FROM {GROUP_RELEASES}
          WHERE title_key IS NOT NULL AND NOT is_proper AND NOT is_repack
          GROUP BY title_key, format_key, group_key
        )
        SELECT title_key, format_key, group_key, entry.release_id, pre_at, entry.status,
               entry.nuke_reason,
               row_number() OVER w AS place,
               count(*) OVER (PARTITION BY title_key, format_key) AS entrants,
               epoch(lead(pre_at) OVER w - pre_at) AS margin_to_next_s,
               epoch(pre_at - first_value(pre_at) OVER w) AS behind_winner_s
        FROM firsts
        WINDOW w AS (PARTITION BY title_key, format_key ORDER BY pre_at, group_key)
        """
    )
    mark_derived(con, RACE_ENTRIES)
    return RACE_ENTRIES


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


def _races(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[Race]:
    rows = con.execute(
        f"""
        WITH picked AS (SELECT DISTINCT title_key, format_key FROM {RACE_ENTRIES} e
                        WHERE {where})
        SELECT e.title_key, concat_ws(' ', r.title, CAST(r.year AS VARCHAR),
                 CASE WHEN r.season IS NOT NULL THEN 'S' || lpad(CAST(r.season AS VARCHAR), 2, '0')
                      || coalesce(list_aggregate(list_transform(r.episodes,
                           lambda x: 'E' || lpad(CAST(x AS VARCHAR), 2, '0')), 'string_agg', ''),
                         '') END),
               e.format_key, e.place, n.group_name, r.name, e.pre_at, e.behind_winner_s, e.status,
               e.nuke_reason, min(e.pre_at) OVER (PARTITION BY e.title_key, e.format_key) AS start
        FROM {RACE_ENTRIES} e SEMI JOIN picked USING (title_key, format_key)
        JOIN releases r USING (release_id) JOIN {GROUP_NAMES} n ON n.group_key = e.group_key
        ORDER BY start, e.title_key, e.format_key, e.place
        """,
        params,
    ).fetchall()
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


def races_for_title(con: duckdb.DuckDBPyConnection, title: str) -> list[Race]:
    """Races for a catalog title id, or for parsed titles starting with `title` (normalized)."""
    build_race_entries(con)
    query = _normalized(title)
    if not query:
        raise ValueError("the title to look up is empty")
    return _races(
        con,
        "e.release_id IN (SELECT g.release_id FROM group_releases g JOIN releases r "
        "USING (release_id) WHERE g.title_id = ? OR regexp_replace(lower(coalesce(r.title, '')) "
        "|| coalesce(CAST(r.year AS VARCHAR), ''), '[^a-z0-9]+', '', 'g') LIKE ? || '%')",
        [title.strip(), query],
    )


def races_for_group(
    con: duckdb.DuckDBPyConnection, group: str, *, contested_only: bool = True
) -> list[Race]:
    """The races a group entered (by default only those with a rival)."""
    build_race_entries(con)
    extra = " AND e.entrants > 1" if contested_only else ""
    return _races(con, f"e.group_key = lower(?){extra}", [group.strip()])


def group_race_records(con: duckdb.DuckDBPyConnection) -> list[GroupRaceRecord]:
    """Every group's race record, most wins first."""
    build_race_entries(con)
    rows = con.execute(
        f"""
        SELECT group_key, any_value(n.group_name),
               count(*) FILTER (WHERE entrants > 1) AS entered,
               count(*) FILTER (WHERE entrants > 1 AND place = 1) AS won,
               median(margin_to_next_s) FILTER (WHERE entrants > 1 AND place = 1),
               count(*) FILTER (WHERE entrants = 1) AS uncontested,
               count(*) FILTER (WHERE place > 1 AND status = 'nuked') AS dupes_nuked
        FROM {RACE_ENTRIES} JOIN {GROUP_NAMES} n USING (group_key) GROUP BY group_key
        ORDER BY won DESC, entered DESC, group_key
        """
    ).fetchall()
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
