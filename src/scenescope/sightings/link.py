"""Link each sighting to the release it is a copy of, and to the title.

Lower tiers rename: a site tag in brackets or as a `www.site.org - ` prefix, spaces for dots,
a file extension, a folder with the file inside it, `Title (Year) [1080p] [GRP]`. The cascade,
most certain first, each step only for what the one before left:

1. **exact** — the name is a release's name;
2. **normalized** — a Scene form of the name (site tags, extension and path stripped, spaces
   as dots; each folder of a path tried on its own) is a release's name, case-insensitively;
3. **parsed** — the parsed title + year, season and episodes, and where the name says them the
   resolution, source class and group, leave exactly one release;
4. **title** — several releases remain and they are all one catalog title: the sighting is
   linked to the title, not to a release.

A sighting seen more than an hour before its release's pre cannot be a copy of it: it keeps
its link but `lag_ok` is false, it is reported with file:line and stays out of every lag.
Nothing is dropped; what no step links is counted as unlinked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

from scenescope.engine import rules
from scenescope.names import parse_many
from scenescope.names.vocabulary import EXTENSIONS
from scenescope.store import Store

EARLY_TOLERANCE_MINUTES = 60  # clock skew between a pre database and a tier's own clock
_SITE_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]{2,40}\]|\([^)]{2,40}\)|www\.[\w-]+\.[a-z]{2,6}|[\w-]+\.(?:org|com|net|to|se|"
    r"me|cc|io|tv|ws|info|xyz|club|example))\s*(?:-\s+|_|\s)\s*",
    re.IGNORECASE,
)
_SITE_SUFFIX = re.compile(
    r"\s*(?:\[[^\]]{2,40}\]|\([^)]{2,40}\)|\{[^}]{2,40}\})\s*$|\s+-\s+[\w.-]+\.[a-z]{2,6}\s*$",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"-[A-Za-z0-9_]{2,}$")


@dataclass(frozen=True, slots=True)
class LinkReport:
    """How the sightings in the store are linked after one pass."""

    total: int
    by_method: dict[str, int]
    unlinked: int
    early: int  # linked, but seen before the release's pre: kept out of the lags
    early_examples: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "sightings": self.total,
            "linked": dict(self.by_method),
            "unlinked": self.unlinked,
            "before_pre": self.early,
            "before_pre_examples": list(self.early_examples),
        }


def scene_forms(name: str) -> list[str]:
    """Candidate Scene names for a lower-tier name, most likely first (lowercase)."""
    forms: list[str] = []
    parts = [p for p in re.split(r"[\\/]", name) if p.strip()]
    for part in [*parts[:-1], parts[-1]] if parts else [name]:
        text = part.strip()
        low = text.lower()
        dot = low.rfind(".")
        if dot > 0 and low[dot + 1 :] in EXTENSIONS:
            text = text[:dot]
        for _ in range(3):  # several tags: `[site] www.x.org - Name [tag]`
            stripped = _SITE_SUFFIX.sub("", _SITE_PREFIX.sub("", text))
            if stripped == text or not stripped:
                break
            text = stripped
        dotted = re.sub(r"[\s_]+", ".", text.strip()).strip(".")
        for form in (text.strip(), dotted):
            low = form.lower()
            if low and low not in forms:
                forms.append(low)
    # a folder named like a release beats the file inside it
    forms.sort(key=lambda f: 0 if _GROUPED.search(f) else 1)
    return forms


def link_sightings(store: Store) -> LinkReport:
    """Link every sighting not yet linked to a release; re-running links what new pres allow."""
    conn = store.connection
    conn.execute(
        """
        UPDATE sightings s SET release_id = r.release_id, link_method = 'exact', title_id = NULL
        FROM releases r WHERE s.release_id IS NULL AND r.name = s.name
        """
    )
    pending = _unlinked_names(store)
    if pending:
        _link_normalized(store, pending)
        pending = _unlinked_names(store)
    if pending:
        _link_parsed(store, pending)
    conn.execute(
        """
        UPDATE sightings s SET title_id = m.title_id
        FROM (SELECT release_id, any_value(title_id) AS title_id FROM release_matches
              WHERE status = 'matched' GROUP BY release_id) m
        WHERE s.release_id = m.release_id AND s.title_id IS DISTINCT FROM m.title_id
        """
    )
    state = rules.release_state_sql()
    conn.execute(
        f"""
        WITH {state.ctes}
        UPDATE sightings s
        SET lag_ok = s.seen_at >= pre.pre_at - INTERVAL {EARLY_TOLERANCE_MINUTES} MINUTE
        FROM pre WHERE s.release_id = pre.release_id
        """
    )
    return link_report(store)


def _unlinked_names(store: Store) -> list[str]:
    rows = store.connection.execute(
        "SELECT DISTINCT name FROM sightings WHERE release_id IS NULL"
    ).fetchall()
    return [row[0] for row in rows]


def link_report(store: Store, *, examples: int = 10) -> LinkReport:
    """How the sightings in the store are linked now."""
    conn = store.connection
    rows = conn.execute(
        "SELECT coalesce(link_method, 'unlinked'), count(*) FROM sightings GROUP BY ALL"
    ).fetchall()
    counts = {str(k): int(v) for k, v in rows}
    early = conn.execute(
        "SELECT s.source || ':' || s.line || ' [seen_at]: seen ' || "
        "CAST(date_diff('minute', s.seen_at, pre.pre_at) AS VARCHAR) || ' min before the pre of ' "
        "|| r.name FROM sightings s JOIN releases r USING (release_id) "
        f"JOIN ({_pre_sql()}) pre USING (release_id) WHERE lag_ok = false "
        "ORDER BY s.source, s.line LIMIT ?",
        [examples],
    ).fetchall()
    early_count = conn.execute("SELECT count(*) FROM sightings WHERE lag_ok = false").fetchall()[0]
    unlinked = counts.pop("unlinked", 0)
    return LinkReport(
        total=sum(counts.values()) + unlinked,
        by_method=counts,
        unlinked=unlinked,
        early=int(early_count[0]) if early_count else 0,
        early_examples=tuple(str(e[0]) for e in early),
    )


def _pre_sql() -> str:
    return (
        "SELECT release_id, min(pre_at) AS pre_at FROM pre_reports "
        "WHERE trusted GROUP BY release_id"
    )


def _link_normalized(store: Store, names: list[str]) -> None:
    rows = [(n, i, f) for n in names for i, f in enumerate(scene_forms(n))]
    if not rows:
        return
    table = pa.table(
        {
            "name": [r[0] for r in rows],
            "rank": pa.array([r[1] for r in rows], pa.int32()),
            "form": [r[2] for r in rows],
        }
    )
    conn = store.connection
    conn.register("_sighting_forms", table)
    try:
        conn.execute(
            """
            UPDATE sightings s SET release_id = best.release_id, link_method = 'normalized'
            FROM (
              SELECT f.name, arg_min(r.release_id, f.rank) AS release_id
              FROM _sighting_forms f JOIN releases r ON lower(r.name) = f.form
              GROUP BY f.name
            ) best
            WHERE s.release_id IS NULL AND s.name = best.name
            """
        )
    finally:
        conn.unregister("_sighting_forms")


def _link_parsed(store: Store, names: list[str]) -> None:
    parsed = parse_many(names)
    keep = [(n, p) for n, p in zip(names, parsed, strict=True) if p.title]
    if not keep:
        return
    table = pa.table(
        {
            "name": [n for n, _ in keep],
            "title_norm": [
                re.sub(r"[^a-z0-9]+", "", (p.title or "").lower()) or None for _, p in keep
            ],
            "year": pa.array([p.year for _, p in keep], pa.int32()),
            "season": pa.array([p.season for _, p in keep], pa.int32()),
            "episodes": pa.array([list(p.episodes) for _, p in keep], pa.list_(pa.int32())),
            "resolution": [(p.resolution or "").lower() or None for _, p in keep],
            "source_class": [
                rules.source_class_name(p.source, p.streaming_service) if p.source else None
                for _, p in keep
            ],
            # a group the parser found, else bracketed words it left over (`[GRP]` at the end)
            "groups": pa.array(
                [
                    [p.group.lower()] if p.group else [u.lower() for u in p.unparsed]
                    for _, p in keep
                ],
                pa.list_(pa.string()),
            ),
        }
    )
    source_class = rules.source_class_sql("r.source", "r.streaming_service")
    conn = store.connection
    conn.register("_sighting_parsed", table)
    try:
        conn.execute(
            f"""
            WITH candidates AS (
              SELECT p.name, r.release_id, m.title_id,
                     (len(p.groups) > 0 AND list_contains(p.groups, r.group_key)) AS group_hit
              FROM _sighting_parsed p
              JOIN releases r
                ON regexp_replace(lower(coalesce(r.title, '')), '[^a-z0-9]+', '', 'g')
                   = p.title_norm
               AND r.year IS NOT DISTINCT FROM p.year
               AND r.season IS NOT DISTINCT FROM p.season
               AND coalesce(r.episodes, []) = coalesce(p.episodes, [])
              LEFT JOIN (SELECT release_id, any_value(title_id) AS title_id FROM release_matches
                         WHERE status = 'matched' GROUP BY release_id) m USING (release_id)
              WHERE (p.resolution IS NULL OR lower(coalesce(r.resolution, '')) = p.resolution)
                AND (p.source_class IS NULL OR {source_class} = p.source_class)
            ), narrowed AS (  -- a group named in the sighting narrows the candidates, if it can
              SELECT c.* FROM candidates c
              WHERE c.group_hit OR NOT EXISTS
                (SELECT 1 FROM candidates d WHERE d.name = c.name AND d.group_hit)
            ), verdict AS (
              SELECT name, count(*) AS n, any_value(release_id) AS release_id,
                     count(DISTINCT title_id) AS titles, any_value(title_id) AS title_id,
                     count(title_id) AS with_title
              FROM narrowed GROUP BY name
            )
            UPDATE sightings s
            SET release_id = CASE WHEN v.n = 1 THEN v.release_id END,
                title_id = CASE WHEN v.n > 1 THEN v.title_id END,
                link_method = CASE WHEN v.n = 1 THEN 'parsed' ELSE 'title' END
            FROM verdict v
            WHERE s.release_id IS NULL AND s.name = v.name
              AND (v.n = 1 OR (v.titles = 1 AND v.with_title = v.n))
            """
        )
    finally:
        conn.unregister("_sighting_parsed")
