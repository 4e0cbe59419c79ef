"""The releases found on seized media matched to the record: by exact name (site tags
stripped), then by the fields a rename kept (title, year, episode, date, resolution, source,
the group when the name keeps one), ties going to the release the copy agrees with beyond
the key; unmatched ones to catalog titles."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from scenescope.analysis.evidence_records import FoundRelease
from scenescope.engine import Engine, rules
from scenescope.engine.core import Scratch
from scenescope.evidence import layout
from scenescope.evidence.candidates import Candidate
from scenescope.names import parse

_WORD_SPLIT = r"[ ._\-\[\](){}]+"


def _words(name: str) -> list[str]:
    """A name's words as written (case kept), as the SQL splits the store's names."""
    return [w for w in re.split(_WORD_SPLIT, name) if w]


def _norm(title: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "", (title or "").lower())


def match_found_releases(
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
    return titles_for(engine, queries)


def titles_for(
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
