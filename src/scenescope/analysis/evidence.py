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
from typing import Any, ClassVar

import pyarrow as pa

from scenescope.analysis.base import Estimator
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
from scenescope.evidence.candidates import Candidate, DiscItem, Found, Layout, find_candidates
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
        releases = _match_releases(engine, pad, found.candidates, labels)
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


_WORD_SPLIT = r"[ ._\-\[\](){}]+"


def _words(name: str) -> list[str]:
    """A name's words as written (case kept), as the SQL splits the store's names."""
    return [w for w in re.split(_WORD_SPLIT, name) if w]


def _norm(title: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "", (title or "").lower())


def _match_releases(
    engine: Engine, pad: Scratch, candidates: list[Candidate], labels: dict[int, str]
) -> list[FoundRelease]:
    if not candidates:
        return []
    has_store = engine.has_table("releases")
    ids: dict[int, tuple[int, str]] = {}  # candidate index -> (release_id, how)
    if has_store:
        table = pa.table(
            {
                "cid": list(range(len(candidates))),
                "low": [layout.strip_site_tags(c.name).lower() for c in candidates],
            }
        )
        cands = pad.register("cand_names", table)
        for cid, release_id in engine.rows(
            f"SELECT c.cid, min(r.release_id) FROM {cands} c "
            "JOIN releases r ON lower(r.name) = c.low GROUP BY c.cid"
        ):
            ids[cid] = (release_id, "exact")
        _match_fields(engine, pad, candidates, ids)
    facts = _release_facts(engine, pad, [rid for rid, _ in ids.values()]) if ids else {}
    unmatched_titles = _catalog_titles(
        engine, {i: c.name for i, c in enumerate(candidates) if i not in ids}
    )
    out = []
    for i, c in enumerate(candidates):
        hit = ids.get(i)
        fact = facts.get(hit[0]) if hit else None
        pre_at = fact["pre_at"] if fact else None
        if fact is None:
            verdict, gap = "not-in-record", None
        elif pre_at is None:
            verdict, gap = "no-pre", None
        elif c.first_at is None:
            verdict, gap = "no-time", None
        else:
            gap = (pre_at - c.first_at).total_seconds()
            verdict = "before-pre" if gap > 0 else "after-pre"
        title_id = fact["title_id"] if fact else unmatched_titles.get(i, (None, None))[0]
        title = fact["title"] if fact else unmatched_titles.get(i, (None, None))[1]
        group = fact["group_name"] if fact else parse(c.name).group
        out.append(
            FoundRelease(
                label=labels[c.medium_id],
                found_name=c.name,
                path=c.path,
                kind=c.kind,
                match=hit[1] if hit else "none",
                release=fact["name"] if fact else None,
                group=group,
                title_id=title_id,
                title=title,
                pre_at=pre_at,
                first_at=c.first_at,
                verdict=verdict,
                gap_s=gap,
                files=c.files,
                size_bytes=c.size_bytes,
                nfo=c.nfo > 0,
                sfv=c.sfv > 0,
                rar_volumes=c.rar_volumes,
                sample=c.sample,
                proof=c.proof,
                proof_at=c.proof_at,
                subs=c.subs,
                disc_structure=c.disc_structure,
                parent=c.parent,
            )
        )
    return out


_RELEASE_FLAGS = frozenset({"proper", "repack", "rerip", "real", "internal", "dirfix", "nfofix"})


def _resolution_class(resolution: str | None) -> str:
    """'sd' for no resolution and the SD ones (P2P names write [SD] where scene names write
    nothing), else the resolution."""
    low = (resolution or "").lower()
    return "sd" if low in ("", "sd", "480p", "576p", "360p") else low


def _episodes_text(episodes: tuple[int, ...]) -> str:
    return f"[{', '.join(str(e) for e in episodes)}]" if episodes else ""


def _match_fields(
    engine: Engine, pad: Scratch, candidates: list[Candidate], ids: dict[int, tuple[int, str]]
) -> None:
    """Names the record does not hold as written (P2P renames, case, site tags): the store's
    releases with the same parsed title, year, episode, resolution, source (and group when
    the name keeps one). Several: the earliest pre is taken and the match says ambiguous."""
    keys = (
        "cid",
        "tn",
        "year",
        "season",
        "ep",
        "day",
        "res",
        "src",
        "codec",
        "grp",
        "flags",
        "langs",
        "service",
        "etitle",
        "words",
        "first_at",
    )
    rows: dict[str, list[Any]] = {k: [] for k in keys}
    for i, c in enumerate(candidates):
        if i in ids:
            continue
        name = layout.strip_site_tags(c.name)
        p = parse(name)
        if not p.title:
            continue
        rows["cid"].append(i)
        rows["service"].append((p.streaming_service or "").lower())
        rows["etitle"].append(_norm(p.episode_title))
        rows["words"].append(_words(name))
        rows["day"].append(p.date)
        rows["flags"].append(",".join(sorted(f for f in p.flags if f in _RELEASE_FLAGS)))
        rows["langs"].append(",".join(sorted(x.lower() for x in p.languages)))
        rows["tn"].append(_norm(p.title))
        rows["year"].append(p.year)
        rows["season"].append(p.season)
        rows["ep"].append(_episodes_text(p.episodes))
        rows["res"].append(_resolution_class(p.resolution))
        rows["src"].append((p.source or "").lower())
        rows["codec"].append((p.video_codec or "").lower())
        rows["grp"].append((p.group or "").lower())
        rows["first_at"].append(c.first_at)
    if not rows["cid"]:
        return
    text = pa.string()
    schema = pa.schema(
        [
            ("cid", pa.int64()),
            ("tn", text),
            ("year", pa.int64()),
            ("season", pa.int64()),
            ("ep", text),
            ("day", pa.date32()),
            ("res", text),
            ("src", text),
            ("codec", text),
            ("grp", text),
            ("flags", text),
            ("langs", text),
            ("service", text),
            ("etitle", text),
            ("words", pa.list_(text)),
            ("first_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    cands = pad.register("cand_fields", pa.table(rows, schema=schema))
    state = rules.release_state_sql("WHERE release_id IN (SELECT release_id FROM r)")
    # Among several releases with the fields the name kept, prefer the one that agrees on
    # what the name left out too (no resolution = SD, the codec) and on what it kept beyond
    # the key (the streaming service, the episode title), then one pred before the copy's
    # first file time, then the one sharing most words as written (a renamer keeps 'h264'
    # or 'H264' as the release wrote it), the latest pre before the copy first.
    found = engine.rows(
        f"""
WITH r AS (
  SELECT release_id, group_key, year, season,
         CASE WHEN len(episodes) > 0 THEN CAST(episodes AS VARCHAR) ELSE '' END AS ep,
         CASE WHEN lower(coalesce(resolution, '')) IN ('', 'sd', '480p', '576p', '360p') THEN 'sd'
              ELSE lower(resolution) END AS res, lower(coalesce(source, '')) AS src,
         lower(coalesce(video_codec, '')) AS codec, date AS day,
         array_to_string(list_sort(list_filter(coalesce(flags, []),
           lambda f: f IN ({", ".join(repr(f) for f in sorted(_RELEASE_FLAGS))}))), ',') AS flags,
         array_to_string(list_sort(list_transform(coalesce(languages, []), lambda x: lower(x))),
                         ',') AS langs,
         regexp_replace(lower(title), '[^a-z0-9]+', '', 'g') AS tn,
         lower(coalesce(streaming_service, '')) AS service,
         regexp_replace(lower(coalesce(episode_title, '')), '[^a-z0-9]+', '', 'g') AS etitle,
         string_split_regex(name, '{_WORD_SPLIT}') AS words
  FROM releases
  WHERE title IS NOT NULL
    AND regexp_replace(lower(title), '[^a-z0-9]+', '', 'g') IN (SELECT tn FROM {cands})
), {state.ctes},
pairs AS (
  SELECT c.cid, r.release_id,
         (r.res <> c.res)::INT + (c.codec <> '' AND r.codec <> c.codec)::INT
           + (r.flags <> c.flags)::INT + (c.langs <> '' AND r.langs <> c.langs)::INT
           + (c.service <> '' AND r.service <> c.service)::INT
           + (c.etitle <> '' AND r.etitle <> c.etitle)::INT AS misses,
         len(list_intersect(c.words, r.words)) AS shared,
         (pre.pre_at IS NULL OR c.first_at IS NULL OR pre.pre_at > c.first_at)::INT AS late,
         epoch(coalesce(c.first_at - pre.pre_at, INTERVAL 1 DAY * 36500)) AS behind
  FROM {cands} c JOIN r ON r.tn = c.tn
    AND r.year IS NOT DISTINCT FROM c.year AND r.season IS NOT DISTINCT FROM c.season
    AND r.ep = c.ep AND r.day IS NOT DISTINCT FROM c.day
    AND (c.res = '' OR r.res = c.res) AND (c.src = '' OR r.src = c.src)
    AND (c.grp = '' OR r.group_key = c.grp)
  LEFT JOIN pre USING (release_id)
)
SELECT cid, arg_min(release_id, (misses, late, -shared, abs(behind))), count(*)
FROM pairs GROUP BY cid"""
    )
    for cid, release_id, count in found:
        ids[cid] = (release_id, "fields" if count == 1 else "fields-ambiguous")


def _release_facts(
    engine: Engine, pad: Scratch, release_ids: list[int]
) -> dict[int, dict[str, Any]]:
    wanted = pad.register("wanted", pa.table({"release_id": sorted(set(release_ids))}))
    state = rules.release_state_sql(f"WHERE release_id IN (SELECT release_id FROM {wanted})")
    has_matches = engine.has_table("release_matches") and engine.has_table("catalog_titles")
    title_join = (
        "LEFT JOIN (SELECT release_id, any_value(title_id) AS title_id FROM release_matches"
        " WHERE status = 'matched' GROUP BY release_id) m USING (release_id)"
        " LEFT JOIN catalog_titles t ON t.title_id = m.title_id"
        if has_matches
        else ""
    )
    title_cols = "m.title_id, t.title" if has_matches else "NULL, NULL"
    rows = engine.rows(
        f"WITH {state.ctes} SELECT r.release_id, r.name, r.group_name, pre.pre_at, {title_cols} "
        f"FROM releases r JOIN {wanted} w USING (release_id) LEFT JOIN pre USING (release_id) "
        f"{title_join}"
    )
    return {
        r[0]: {"name": r[1], "group_name": r[2], "pre_at": r[3], "title_id": r[4], "title": r[5]}
        for r in rows
    }


def _catalog_titles(engine: Engine, names: dict[int, str]) -> dict[int, tuple[str, str]]:
    """Catalog titles for names the record does not hold (parsed title and year)."""
    queries = {}
    for key, name in names.items():
        p = parse(name)
        if p.title:
            queries[key] = (p.title, p.year, p.season is not None or bool(p.episodes))
    return _titles_for(engine, queries)


def _titles_for(
    engine: Engine, queries: dict[Any, tuple[str, int | None, bool]]
) -> dict[Any, tuple[str, str]]:
    if (
        not queries
        or not engine.has_table("catalog_titles")
        or not engine.scalar("SELECT count(*) FROM catalog_titles")
    ):
        return {}
    from scenescope.catalog.match_run import load_index
    from scenescope.catalog.matcher import Matcher, ReleaseQuery

    matcher = Matcher(load_index(engine.connection))
    titles = dict(engine.rows("SELECT title_id, title FROM catalog_titles"))
    out = {}
    for key, (title, year, episode_like) in queries.items():
        found = matcher.match(ReleaseQuery(title=title, year=year, episode_like=episode_like))
        if found and found[0].status == "matched":
            out[key] = (found[0].title_id, titles.get(found[0].title_id, ""))
    return out


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
    titles = _titles_for(engine, queries)
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
