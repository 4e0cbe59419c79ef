"""Successors: when a group goes dark, which new group picks up where it left off.

A candidate is a group that first appears within weeks of the dark group's last pre; it is
scored, in SQL, on the same specialty (category / source / resolution / codec / language
mix, and the naming habits of its release names), what it continues (the same shows, or
the same drop partners where titles do not recur) and the same timing profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from scenescope.analysis.groups import (
    _utc,
    build_group_releases,
    dormant_groups,
    group_names_table,
)
from scenescope.engine import Engine


@dataclass(frozen=True, slots=True)
class SuccessorSettings:
    """How far around the silence to look, and how the evidence is weighed."""

    before_days: float = 14.0  # a successor may start a little before the old group stops
    after_days: float = 84.0  # ... and up to twelve weeks after
    min_releases: int = 5
    proximity_scale_days: float = 28.0
    weight_specialty: float = 0.35
    weight_titles: float = 0.25
    weight_timing: float = 0.2
    weight_volume: float = 0.1
    weight_proximity: float = 0.1
    specialty_sharpness: float = 4.0  # exponent on the specialty similarity in the score
    partner_sharpness: float = 4.0  # exponent on the drop-partner similarity
    lead_scale_days: float = 7.0  # median leads this far apart apart: similarity e^-1
    min_leads: int = 3  # matched releases needed before a group's lead profile counts


@dataclass(frozen=True, slots=True)
class SuccessorCandidate:
    """A possible successor of a group that went dark, with its score and the evidence."""

    predecessor: str
    successor: str
    rank: int  # 1 = best candidate for this predecessor
    score: float  # 0..1
    predecessor_last_pre: dt.datetime
    successor_first_pre: dt.datetime
    gap_days: float  # successor's first pre minus predecessor's last pre
    specialty_similarity: float  # format / category / language mix and naming habits (cosines)
    title_overlap: float  # shared titles over the smaller title set
    timing_similarity: float  # clock profile (hour, weekday) and lead against official dates
    volume_ratio: float  # smaller weekly rate over the larger
    lead_days: tuple[float | None, float | None] = (None, None)  # median lead, old and new
    partner_similarity: float = 0.0  # cosine of the groups each dropped together with

    def describe(self) -> str:
        return f"possible successor of {self.predecessor} (score {self.score:.2f})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "predecessor": self.predecessor,
            "successor": self.successor,
            "rank": self.rank,
            "score": round(self.score, 4),
            "note": self.describe(),
            "predecessor_last_pre": self.predecessor_last_pre.isoformat(),
            "successor_first_pre": self.successor_first_pre.isoformat(),
            "gap_days": round(self.gap_days, 2),
            "evidence": {
                "specialty_similarity": round(self.specialty_similarity, 4),
                "title_overlap": round(self.title_overlap, 4),
                "timing_similarity": round(self.timing_similarity, 4),
                "volume_ratio": round(self.volume_ratio, 4),
                "partner_similarity": round(self.partner_similarity, 4),
                "median_lead_days": [None if v is None else round(v, 2) for v in self.lead_days],
            },
        }


_FEATURES_SQL = """
CREATE OR REPLACE TEMP TABLE successor_features AS
WITH raw AS (
  SELECT group_key, 'specialty' AS kind, 'c:' || coalesce(lower(category), '') AS feature
  FROM {t}
  UNION ALL SELECT group_key, 'specialty', 's:' || source_class FROM {t}
  UNION ALL SELECT group_key, 'specialty', 'r:' || resolution FROM {t}
  UNION ALL SELECT group_key, 'specialty', 'v:' || codec FROM {t}
  UNION ALL SELECT group_key, 'specialty', 'l:' || coalesce(list_sort(languages)[1], '')
  FROM {t}
  UNION ALL SELECT group_key, 'timing', 'h:' || CAST(hour(pre_at AT TIME ZONE 'UTC') AS VARCHAR)
  FROM {t}
  UNION ALL SELECT group_key, 'timing', 'd:' || CAST(isodow(pre_at AT TIME ZONE 'UTC') AS VARCHAR)
  FROM {t}
  UNION ALL
  -- naming habits: the name's tokens as written (case kept: H264 vs h264, BluRay vs BLURAY),
  -- without the title's words, numbers and the group tag
  SELECT g.group_key, 'habits', 'w:' || token
  FROM (SELECT g.group_key,
               unnest(list_filter(string_split(regexp_replace(r.name, '-[^-]*$', ''), '.'),
                      lambda t: NOT list_contains(string_split(lower(coalesce(r.title, '')), ' '),
                                                  lower(t))
                                AND NOT regexp_full_match(t, '[0-9]+|S[0-9]+E[0-9]+'))) AS token
        FROM {t} g JOIN releases r USING (release_id)
        WHERE g.group_key IN (SELECT group_key FROM successor_pairs_keys)) g
  UNION ALL
  -- drop partners: groups that released the same title in another format within hours; a
  -- renamed group keeps its supply, so it drops with the same partners
  SELECT x.group_key, 'partners', 'p:' || y.group_key
  FROM {t} x JOIN {t} y ON y.title_key = x.title_key AND y.group_key <> x.group_key
   AND y.format_key <> x.format_key
   AND y.pre_at BETWEEN x.pre_at - INTERVAL 2 HOUR AND x.pre_at + INTERVAL 2 HOUR
  WHERE x.group_key IN (SELECT group_key FROM successor_pairs_keys)
), counted AS (
  SELECT group_key, kind, feature, count(*) AS n FROM raw
  WHERE group_key IN (SELECT group_key FROM successor_pairs_keys)
  GROUP BY ALL
)
SELECT group_key, kind, feature,
       n / sqrt(sum(n * n) OVER (PARTITION BY group_key, kind)) AS w
FROM counted
"""

_TITLES_SQL = """
CREATE OR REPLACE TEMP TABLE successor_titles AS
SELECT DISTINCT group_key, work_key AS work
FROM {t}
WHERE work_key IS NOT NULL AND group_key IN (SELECT group_key FROM successor_pairs_keys)
"""

_SCORE_SQL = """
WITH sim AS (
  SELECT p.old_key, p.new_key, fx.kind, sum(fx.w * fy.w) AS cosine
  FROM successor_pairs p
  JOIN successor_features fx ON fx.group_key = p.old_key
  JOIN successor_features fy ON fy.group_key = p.new_key AND fy.kind = fx.kind
                            AND fy.feature = fx.feature
  GROUP BY ALL
), shared AS (
  SELECT p.old_key, p.new_key, count(*) AS n
  FROM successor_pairs p
  JOIN successor_titles tx ON tx.group_key = p.old_key
  JOIN successor_titles ty ON ty.group_key = p.new_key AND ty.work = tx.work
  GROUP BY ALL
), sizes AS (SELECT group_key, count(*) AS works FROM successor_titles GROUP BY ALL)
SELECT p.old_key, p.new_key, p.old_name, p.new_name, p.old_last, p.new_first,
       epoch(p.new_first - p.old_last) / 86400.0 AS gap_days,
       (coalesce(max(s.cosine) FILTER (WHERE s.kind = 'specialty'), 0)
        + coalesce(max(s.cosine) FILTER (WHERE s.kind = 'habits'), 0)) / 2 AS specialty,
       coalesce(max(s.cosine) FILTER (WHERE s.kind = 'timing'), 0) AS timing,
       coalesce(any_value(sh.n), 0) / greatest(1, least(any_value(zx.works),
                                                       any_value(zy.works))) AS titles,
       least(p.old_rate, p.new_rate) / greatest(p.old_rate, p.new_rate, 1e-9) AS volume,
       coalesce(max(s.cosine) FILTER (WHERE s.kind = 'partners'), 0) AS partners
FROM successor_pairs p
LEFT JOIN sim s USING (old_key, new_key)
LEFT JOIN shared sh USING (old_key, new_key)
LEFT JOIN sizes zx ON zx.group_key = p.old_key
LEFT JOIN sizes zy ON zy.group_key = p.new_key
GROUP BY p.old_key, p.new_key, p.old_name, p.new_name, p.old_last, p.new_first,
         p.old_rate, p.new_rate
"""


def find_successors(
    con: duckdb.DuckDBPyConnection,
    settings: SuccessorSettings | None = None,
    *,
    now: dt.datetime | None = None,
    top: int = 5,
) -> list[SuccessorCandidate]:
    """Ranked possible successors of every group that went dark (best `top` per group)."""
    import numpy as np

    settings = settings or SuccessorSettings()
    table = build_group_releases(con)
    dark = dormant_groups(con, now=now)
    if not dark:
        return []
    con.execute("CREATE OR REPLACE TEMP TABLE successor_dark (group_key VARCHAR)")
    con.executemany("INSERT INTO successor_dark VALUES (?)", [[d.group_key] for d in dark])
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE successor_pairs AS
        WITH g AS (
          SELECT group_key, any_value(n.group_name) AS name, min(pre_at) AS first_pre,
                 max(pre_at) AS last_pre, count(*) AS releases,
                 count(*) / greatest(epoch(max(pre_at) - min(pre_at)) / 604800.0, 1.0) AS rate
          FROM {table} JOIN {group_names_table(con)} n USING (group_key)
          GROUP BY group_key HAVING count(*) >= $min_releases
        )
        SELECT o.group_key AS old_key, n.group_key AS new_key, o.name AS old_name,
               n.name AS new_name, o.last_pre AS old_last, n.first_pre AS new_first,
               o.rate AS old_rate, n.rate AS new_rate
        FROM g o JOIN g n
          ON n.first_pre BETWEEN o.last_pre - to_seconds($before)
                             AND o.last_pre + to_seconds($after)
         AND n.first_pre > o.first_pre AND n.group_key <> o.group_key
        WHERE o.group_key IN (SELECT group_key FROM successor_dark)
        """,
        {
            "min_releases": settings.min_releases,
            "before": settings.before_days * 86400.0,
            "after": settings.after_days * 86400.0,
        },
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE successor_pairs_keys AS SELECT old_key AS group_key "
        "FROM successor_pairs UNION SELECT new_key FROM successor_pairs"
    )
    con.execute(_FEATURES_SQL.format(t=table))
    con.execute(_TITLES_SQL.format(t=table))
    rows = con.execute(_SCORE_SQL).fetchall()
    if not rows:
        return []
    gap = np.array([r[6] for r in rows], dtype=float)
    evidence = np.array([r[7:11] for r in rows], dtype=float)  # specialty, clock, titles, vol
    partners = np.array([r[11] for r in rows], dtype=float)
    # what the new group continues: the old one's titles (a show) or, where titles do not
    # recur (films), its supply, seen as the same drop partners; peers of the same format share
    # many partners by chance, so only near-identity counts (sharpened like the specialty)
    continuity = np.maximum(evidence[:, 2], partners**settings.partner_sharpness)
    leads = _median_leads(con, settings.min_leads)
    old_lead = np.array([leads.get(r[0], np.nan) for r in rows], dtype=float)
    new_lead = np.array([leads.get(r[1], np.nan) for r in rows], dtype=float)
    known = ~np.isnan(old_lead) & ~np.isnan(new_lead)
    lead_similarity = np.exp(-np.abs(np.nan_to_num(old_lead - new_lead)) / settings.lead_scale_days)
    # timing: the clock profile, and where both are known, how early against official dates
    evidence[:, 1] = np.where(known, 0.5 * evidence[:, 1] + 0.5 * lead_similarity, evidence[:, 1])
    proximity = np.exp(-np.maximum(gap, 0.0) / settings.proximity_scale_days)
    # a renamed group keeps its exact habits; peers of the same specialty are only alike, so
    # near-identity must count far more than resemblance
    score = (
        settings.weight_specialty * evidence[:, 0] ** settings.specialty_sharpness
        + settings.weight_timing * evidence[:, 1]
        + settings.weight_titles * continuity
        + settings.weight_volume * evidence[:, 3]
        + settings.weight_proximity * proximity
    )
    by_old: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_old.setdefault(row[0], []).append(i)
    out: list[SuccessorCandidate] = []
    for indices in by_old.values():
        indices.sort(key=lambda i: (-score[i], rows[i][1]))
        for rank, i in enumerate(indices[:top], start=1):
            r = rows[i]
            out.append(
                SuccessorCandidate(
                    predecessor=r[2],
                    successor=r[3],
                    rank=rank,
                    score=float(score[i]),
                    predecessor_last_pre=_utc(r[4]),
                    successor_first_pre=_utc(r[5]),
                    gap_days=float(gap[i]),
                    specialty_similarity=float(evidence[i, 0]),
                    timing_similarity=float(evidence[i, 1]),
                    title_overlap=float(evidence[i, 2]),
                    volume_ratio=float(evidence[i, 3]),
                    partner_similarity=float(partners[i]),
                    lead_days=(_maybe(old_lead[i]), _maybe(new_lead[i])),
                )
            )
    out.sort(key=lambda c: (-c.predecessor_last_pre.timestamp(), c.predecessor, c.rank))
    return out


def _maybe(value: float) -> float | None:
    return None if value != value else float(value)  # NaN -> None


def _median_leads(con: duckdb.DuckDBPyConnection, min_leads: int) -> dict[str, float]:
    """Median lead in days (official date of the release's window minus pre) per candidate
    group, for groups with at least `min_leads` matched releases."""
    engine = Engine.of(con)
    rows = con.execute(
        f"""
        SELECT g.group_key, median(l.lead_days)
        FROM {engine.relation("group_releases")} g
        JOIN {engine.relation("release_leads")} l USING (release_id)
        WHERE l.lead_days IS NOT NULL
          AND g.group_key IN (SELECT group_key FROM successor_pairs_keys)
        GROUP BY g.group_key HAVING count(*) >= ?
        """,
        [min_leads],
    ).fetchall()
    return {str(k): float(v) for k, v in rows if v is not None}
