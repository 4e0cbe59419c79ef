"""Which groups an impact study or a what-if targets: `--groups G,G` as given, or `--family F`
resolved through the affiliation families (F is a family number as `families` prints it, or
any member's name: the family that member belongs to) — or, when the analyst names none, the
inferred family that went quietest across the day. The report (one study per drop it finds),
the CLI and the web study page (`/impact/study?event=DATE`) all choose targets here, so they
name the same groups for the same store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from scenescope.analysis.impact import Impact, ImpactParams, ImpactResult
from scenescope.engine import Engine

MAX_TARGET_GROUPS = 8
TARGET_WINDOW_DAYS = 28
MIN_TARGET_DROP = 0.5  # the family's pres fell by half at least across the day
MIN_TARGET_PRES = 10  # ... from at least this many in the weeks before

Family = tuple[tuple[str, ...], tuple[str, ...]]  # (member names, member keys)


def family_members(engine: Engine, table: pa.Table | None = None) -> list[Family]:
    """(member names, member keys) of each inferred family: from the Families view's table
    when the caller has it, else inferred."""
    if table is not None and {"group", "family_id"} <= set(table.column_names):
        members: dict[Any, list[str]] = {}
        for row in table.select(["group", "family_id"]).to_pylist():
            if row["family_id"] is not None and row["group"]:
                members.setdefault(row["family_id"], []).append(str(row["group"]))
        return [(tuple(m), tuple(g.lower() for g in m)) for m in members.values()]
    from scenescope.analysis.affiliation import infer_families

    found = infer_families(engine.connection).families
    return [(tuple(f.members), tuple(f.member_keys)) for f in found]


def quietest_family(engine: Engine, day: dt.date, families: Sequence[Family]) -> tuple[str, ...]:
    """The family that went quietest across `day`: its pres in the four weeks after against
    the four weeks before fell the most (by at least half); none if no family did."""
    start = dt.datetime.combine(day, dt.time.min, dt.UTC)
    window = dt.timedelta(days=TARGET_WINDOW_DAYS)
    counts = {
        key: (int(before), int(after))
        for key, before, after in engine.rows(
            "SELECT group_key, count(*) FILTER (WHERE pre_at < ?), count(*) FILTER (WHERE pre_at"
            " >= ?) FROM release_state WHERE pre_at >= ? AND pre_at < ? GROUP BY group_key",
            [start, start, start - window, start + window],
        )
    }
    best: tuple[str, ...] = ()
    best_drop = MIN_TARGET_DROP
    for members, keys in families:
        before = sum(counts.get(k, (0, 0))[0] for k in keys)
        after = sum(counts.get(k, (0, 0))[1] for k in keys)
        if before >= MIN_TARGET_PRES and 1 - after / before >= best_drop:
            best, best_drop = members, 1 - after / before
    return best[:MAX_TARGET_GROUPS]


def study(
    engine: Engine,
    event: dt.date,
    groups: Sequence[str] | None = None,
    *,
    categories: Sequence[str] = (),
    name: str | None = None,
    families: Sequence[Family] | None = None,
) -> ImpactResult:
    """The impact study of `event`; the targeted groups are `groups` when given, else the
    quietest family across the day (none: the whole drop is then counted as chill)."""
    if groups is None:
        groups = quietest_family(
            engine, event, family_members(engine) if families is None else families
        )
    params = ImpactParams(
        event=event, groups=tuple(groups), categories=tuple(categories), name=name
    )
    return Impact().fit(engine, params)


def resolve_targets(
    engine: Engine, *, family: str | None = None, groups: Sequence[str] = ()
) -> tuple[str, ...]:
    """The targeted group names; a ValueError names what could not be resolved."""
    chosen = [g.strip() for g in groups if g.strip()]
    if family is None:
        return tuple(chosen)
    from scenescope.analysis.affiliation import infer_families

    result = infer_families(engine.connection)
    wanted = family.strip().lower()
    for fam in result.families:
        labels = {str(fam.family_id), f"f{fam.family_id}", *(k.lower() for k in fam.member_keys)}
        if wanted in labels:
            return tuple(dict.fromkeys([*fam.members, *chosen]))
    known = ", ".join(f"{f.family_id} ({'/'.join(f.members[:3])})" for f in result.families)
    raise ValueError(
        f"--family {family}: no inferred family has that number or member "
        f"(families: {known or 'none found'}); or name the groups with --groups"
    )
