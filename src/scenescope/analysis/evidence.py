"""Seized-media triage: which releases and discs are on a case's media, held before or after
the pre (or the street date), which groups and families they tie together, and the role of
each medium, with the evidence for it.

    triage = EvidenceTriage().fit(engine, TriageParams(case_id="op-2020"))

Release candidates come from the listings alone (`evidence.candidates`); they are matched to
the store by exact name, then by parsed fields (title, year, episode, resolution, source and
the group when the name keeps it), and to catalog titles through the release's match or the
catalog matcher. Disc items are matched to titles and compared with the physical street date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa

from scenescope.analysis.base import Estimator
from scenescope.analysis.evidence_match import match_found_releases, titles_for
from scenescope.analysis.evidence_records import (
    CaseTriage,
    FoundDisc,
    FoundRelease,
    MediumTriage,
)
from scenescope.analysis.evidence_roles import RoleSettings, _median, assign_role
from scenescope.engine import Engine, rules
from scenescope.engine.core import Scratch
from scenescope.evidence import layout
from scenescope.evidence.candidates import DiscItem, Found, Layout, find_candidates
from scenescope.evidence.store import bounded_memory
from scenescope.names import parse

_WIP_WORDS = re.compile(
    r"(?i)(^|[ ._-])(test|encode[sd]?|final|wip|raw|rip|remux|demux|crf\d+|v\d|t\d\d|title\d*|"
    r"track\d*|main|feature|sample|untouched|makemkv|done|new|old)(?=$|[ ._-])"
)


@dataclass(frozen=True, slots=True)
class TriageParams:
    case_id: str
    families: bool = True  # infer families from the store (affiliation) for the groups found
    roles: RoleSettings = field(default_factory=RoleSettings)


class EvidenceTriage(Estimator[TriageParams, CaseTriage]):
    name: ClassVar[str] = "evidence"

    def default_params(self) -> TriageParams:
        raise ValueError("the triage needs a case: TriageParams(case_id=...)")

    def fit(self, engine: Engine, params: TriageParams | None = None) -> CaseTriage:
        if params is None:
            params = self.default_params()
        return triage_case(engine, params)


def triage_case(engine: Engine, params: TriageParams) -> CaseTriage:
    media = engine.records(
        "SELECT medium_id, label, source_path, source_kind, tool, source_hash, seized_at, timezone,"
        " entries, skipped_lines, repaired_lines FROM evidence_media WHERE case_id = ?"
        " ORDER BY label",
        [params.case_id],
    )
    if not media:
        raise ValueError(f"no media in case {params.case_id!r}: add some (scenescope evidence add)")
    labels = {m["medium_id"]: m["label"] for m in media}
    with bounded_memory(engine.connection), engine.scratch() as pad:
        found = find_candidates(engine, pad, params.case_id)
        releases = match_found_releases(engine, pad, found.candidates, labels)
        discs = _match_discs(engine, pad, found, labels, releases)
    families = _families(engine, releases) if params.families else {}
    triaged = []
    for m in media:
        mine = [r for r in releases if r.label == m["label"]]
        my_discs = [d for d in discs if d.label == m["label"]]
        info = found.layouts.get(m["medium_id"]) or Layout()
        role, evidence = assign_role(info, mine, my_discs, params.roles)
        groups = sorted({r.group for r in mine if r.group})
        fams = sorted({families[g.lower()] for g in groups if g.lower() in families})
        structure = sorted(info.sections)[:8] + sorted(f"_PRE/{g}" for g in info.pre_folders)[:8]
        structure += sorted(info.download_markers)[:4]
        triaged.append(
            MediumTriage(
                label=m["label"],
                source=m["source_path"],
                kind=m["source_kind"],
                tool=m["tool"],
                source_hash=m["source_hash"],
                seized_at=m["seized_at"],
                timezone=m["timezone"],
                entries=m["entries"],
                skipped_lines=m["skipped_lines"],
                repaired_lines=m["repaired_lines"],
                role=role,
                evidence=evidence,
                releases=len(mine),
                before_pre=sum(1 for r in mine if r.verdict == "before-pre"),
                after_pre=sum(1 for r in mine if r.verdict == "after-pre"),
                not_in_record=sum(1 for r in mine if r.verdict == "not-in-record"),
                discs=len(my_discs),
                discs_before_street=sum(1 for d in my_discs if d.before_street),
                median_gap_before_s=_median(
                    [r.gap_s for r in mine if r.verdict == "before-pre" and r.gap_s is not None]
                ),
                median_gap_after_s=_median(
                    [-r.gap_s for r in mine if r.verdict == "after-pre" and r.gap_s is not None]
                ),
                groups=tuple(groups),
                families=tuple(fams),
                structure=tuple(structure),
                first_at=info.first_at,
                last_at=info.last_at,
            )
        )
    holders: dict[str, set[str]] = defaultdict(set)
    group_media: dict[str, set[str]] = defaultdict(set)
    for r in releases:
        if r.release:
            holders[r.release].add(r.label)
        if r.group:
            group_media[r.group].add(r.label)
    family_groups: dict[str, set[str]] = defaultdict(set)
    for group in group_media:
        if group.lower() in families:
            family_groups[families[group.lower()]].add(group)
    problems = engine.records(
        "SELECT m.label, p.source || ':' || p.line AS where, p.reason, p.kept"
        " FROM evidence_problems p JOIN evidence_media m USING (medium_id)"
        " WHERE m.case_id = ? ORDER BY m.label, p.line LIMIT 200",
        [params.case_id],
    )
    return CaseTriage(
        case_id=params.case_id,
        media=tuple(triaged),
        releases=tuple(sorted(releases, key=lambda r: (r.label, r.path))),
        discs=tuple(sorted(discs, key=lambda d: (d.label, d.path))),
        shared=tuple((n, tuple(sorted(ls))) for n, ls in sorted(holders.items()) if len(ls) > 1),
        groups=tuple((g, tuple(sorted(ls))) for g, ls in sorted(group_media.items())),
        families=tuple((f, tuple(sorted(gs))) for f, gs in sorted(family_groups.items())),
        problems=tuple(problems),
    )


def _disc_query(item: DiscItem) -> tuple[str, int | None] | None:
    name = item.name
    if layout.is_volume_label(name) or ("_" in name and " " not in name and "." not in name):
        title, year = layout.label_title(name)
        return (title, year) if title else None
    cleaned = _WIP_WORDS.sub(" ", name)
    p = parse(cleaned)
    if not p.title:
        return None
    return p.title, p.year


def _match_discs(
    engine: Engine, pad: Scratch, found: Found, labels: dict[int, str], releases: list[FoundRelease]
) -> list[FoundDisc]:
    queries: dict[int, tuple[str, int | None, bool]] = {}
    for i, item in enumerate(found.discs):
        q = _disc_query(item)
        if q:
            queries[i] = (q[0], q[1], False)
    titles = titles_for(engine, queries)
    title_ids = sorted({tid for tid, _ in titles.values()})
    street: dict[str, dt.date] = {}
    leaks: dict[str, list[str]] = defaultdict(list)
    shipments: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    if title_ids:
        wanted = pad.register("disc_titles", pa.table({"title_id": title_ids}))
        street = dict(
            engine.rows(
                "SELECT title_id, min(date) FROM catalog_release_dates "
                "WHERE release_window = 'physical' "
                f"AND title_id IN (SELECT title_id FROM {wanted}) GROUP BY title_id"
            )
        )
        if engine.has_table("releases"):
            leads = engine.relation("release_leads")
            for title_id, name in engine.rows(
                f"SELECT title_id, name FROM {leads} "
                "WHERE source_class = 'retail-disc' AND lead_days > 0 "
                f"AND title_id IN (SELECT title_id FROM {wanted}) ORDER BY pre_at"
            ):
                leaks[title_id].append(name)
        if engine.has_table("supply_shipments"):
            for title_id, shipped, account in engine.rows(
                f"SELECT title_id, shipped_at, account_id FROM supply_shipments "
                f"WHERE title_id IN (SELECT title_id FROM {wanted}) ORDER BY shipped_at, account_id"
            ):
                shipments[title_id].append((shipped, account))
    out = []
    for i, item in enumerate(found.discs):
        hit = titles.get(i)
        if hit is None and item.kind == "encode":
            continue  # an untagged video that is no catalog title: not disc evidence
        title_id, title = hit if hit else (None, None)
        date = street.get(title_id) if title_id else None
        lead = before = None
        if date is not None and item.first_at is not None:
            lead = (rules.day_start(date) - item.first_at).total_seconds() / 86400.0
            before = lead > 0
        held_day = item.first_at.date() if item.first_at else None
        accounts = tuple(
            dict.fromkeys(
                a for d, a in shipments.get(title_id or "", []) if held_day and d <= held_day
            )
        )[:10]
        out.append(
            FoundDisc(
                label=labels[item.medium_id],
                name=item.name,
                path=item.path,
                kind=item.kind,
                title_id=title_id,
                title=title,
                street_date=date,
                first_at=item.first_at,
                before_street=before,
                lead_days=lead,
                leaks=tuple(leaks.get(title_id or "", [])[:10]),
                accounts=accounts,
            )
        )
    return out


def _families(engine: Engine, releases: list[FoundRelease]) -> dict[str, str]:
    """group key -> family label (F1, F2 ... by the affiliation inference) for the groups the
    case touches; empty when the store is too small to infer families."""
    groups = {r.group.lower() for r in releases if r.group}
    if len(groups) < 1 or not engine.has_table("releases"):
        return {}
    from scenescope.analysis.affiliation import infer_families

    result = infer_families(engine.connection)
    out: dict[str, str] = {}
    for family in result.families:
        if set(family.member_keys) & groups:
            label = "+".join(family.members[:3]) + ("…" if len(family.members) > 3 else "")
            for key in family.member_keys:
                out[key] = f"family {label}"
    return out
