"""The evidence behind successor scores, in SQL: who is a candidate (a newcomer around a
group's silence), who is the field (the groups active across it: what chance looks like), and
for every dark group against both, its releases' signatures, drop partners and titles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from scenescope.engine import Engine, Scratch

# one row per (dark group, other group): the other is a candidate (a newcomer of the window)
# or belongs to the field (active before the silence and still active at it)
_PAIRS_SQL = """
WITH g AS (
  SELECT group_key, any_value(n.group_name) AS name, min(pre_at) AS first_pre,
         max(pre_at) AS last_pre, count(*) AS releases,
         count(*) / greatest(epoch(max(pre_at) - min(pre_at)) / 604800.0, 1.0) AS rate
  FROM {t} JOIN {names} n USING (group_key)
  GROUP BY group_key HAVING count(*) >= $min_releases
)
SELECT o.group_key AS old_key, n.group_key AS new_key, o.name AS old_name,
       n.name AS new_name, o.last_pre AS old_last, n.first_pre AS new_first,
       o.rate AS old_rate, n.rate AS new_rate, o.releases AS old_releases,
       n.releases AS new_releases,
       n.first_pre BETWEEN o.last_pre - to_seconds($before) AND o.last_pre + to_seconds($after)
         AND n.first_pre > o.first_pre AS candidate
FROM g o JOIN g n ON n.group_key <> o.group_key
 AND ((n.first_pre BETWEEN o.last_pre - to_seconds($before) AND o.last_pre + to_seconds($after)
       AND n.first_pre > o.first_pre)
      OR (n.first_pre < o.last_pre - to_seconds($before) AND n.last_pre >= o.last_pre))
WHERE o.group_key IN (SELECT group_key FROM {dark})
"""

# a release's signature: its section, the flags as the group writes them (REPACK, PROPER,
# iNTERNAL, LIMITED, READ.NFO ...: which, how cased, in which order) and the name's format as
# written from the first format word on (language, resolution, service, source, codec:
# `GERMAN.DL.1080p.BluRay.x264`, `2160p.DSNP.WEB.H265`); title words, years, episode numbers
# and titles and editions do not count (they belong to the work, not the group)
_SIGNATURES_SQL = """
WITH named AS (
  SELECT g.group_key, coalesce(g.category, '') AS category,
         string_split(regexp_replace(r.name, '-[^-]*$', ''), '.') AS tokens,
         list_concat([lower(coalesce(r.resolution, '')), lower(coalesce(r.source, '')),
                      lower(coalesce(r.streaming_service, ''))],
                     coalesce(list_transform(r.languages, lambda x: lower(x)), [])) AS marks
  FROM {t} g JOIN releases r USING (release_id)
  WHERE g.group_key IN (SELECT group_key FROM {keys})
), started AS (
  SELECT group_key, category, tokens,
         coalesce(list_filter(range(1, len(tokens) + 1),
                              lambda i: list_contains(marks, lower(tokens[i]))
                                        OR regexp_full_match(tokens[i], '(?i)[xh]26[45]|xvid'))[1],
                  len(tokens) + 1) AS start
  FROM named
), flagged AS (
  SELECT group_key, category, tokens, start,
         list_filter(tokens[:start - 1], lambda x: regexp_full_match(x,
           '(?i)repack|proper|rerip|real|internal|limited|read|nfo|dirfix|nfofix|subfix|'
           || 'subbed|dubbed|festival|retail|uncut|hybrid|ws|fs|dc')) AS flags
  FROM started
)
SELECT group_key,
       category || '|' || array_to_string(flags, '.') || '|' || array_to_string(tokens[start:], '.')
         AS signature,
       count(*) AS n
FROM flagged GROUP BY ALL
"""

# triangular discrimination sum((p - q)^2 / (p + q)) over the union of signatures, from the
# shared ones only: each unshared signature adds its own share
_DIVERGENCE_SQL = """
WITH shares AS (
  SELECT group_key, signature, n / sum(n) OVER (PARTITION BY group_key) AS p,
         count(*) OVER (PARTITION BY group_key) AS kinds
  FROM {signatures}
), common AS (
  SELECT x.group_key AS old_key, y.group_key AS new_key, count(*) AS shared,
         sum((x.p - y.p) * (x.p - y.p) / (x.p + y.p) - x.p - y.p) AS overlap
  FROM shares x JOIN shares y ON y.signature = x.signature AND y.group_key <> x.group_key
  WHERE x.group_key IN (SELECT group_key FROM {dark})
  GROUP BY ALL
), kinds AS (SELECT DISTINCT group_key, kinds FROM shares)
SELECT p.old_key, p.new_key, 2 + coalesce(c.overlap, 0) AS divergence,
       kx.kinds + ky.kinds - coalesce(c.shared, 0) AS signatures
FROM {pairs} p
JOIN kinds kx ON kx.group_key = p.old_key
JOIN kinds ky ON ky.group_key = p.new_key
LEFT JOIN common c USING (old_key, new_key)
"""

# the tail of a profile comparison: a CTE `counted` (group_key, feature, n) becomes unit
# vectors per group, and each (old_key, new_key) pair of {pairs} gets their cosine
_PAIR_COSINE = """
), unit AS (
  SELECT group_key, feature, n / sqrt(sum(n * n) OVER (PARTITION BY group_key)) AS w
  FROM counted
)
SELECT p.old_key, p.new_key, sum(x.w * y.w) AS cosine
FROM {pairs} p
JOIN unit x ON x.group_key = p.old_key
JOIN unit y ON y.group_key = p.new_key AND y.feature = x.feature
GROUP BY ALL
"""

# drop partners: the groups that released the same title in another format within hours (a
# renamed group keeps its supply, so it drops beside the same partners), as unit vectors
_PARTNERS_SQL = """
WITH raw AS (
  SELECT x.group_key, y.group_key AS partner, count(*) AS n
  FROM {t} x JOIN {t} y ON y.title_key = x.title_key AND y.group_key <> x.group_key
   AND y.format_key <> x.format_key
   AND y.pre_at BETWEEN x.pre_at - INTERVAL 2 HOUR AND x.pre_at + INTERVAL 2 HOUR
  WHERE x.group_key IN (SELECT group_key FROM {keys})
  GROUP BY ALL
), counted AS (SELECT group_key, partner AS feature, n FROM raw
""" + _PAIR_COSINE

# what the other group continues: of the dark group's works that anyone other than it
# released after its silence, the share this group released then
_CONTINUITY_SQL = """
WITH after AS (
  SELECT DISTINCT p.old_key, g.group_key, g.work_key
  FROM (SELECT DISTINCT old_key, old_last FROM {pairs}) p
  JOIN {t} g ON g.pre_at > p.old_last AND g.group_key <> p.old_key
  JOIN (SELECT DISTINCT group_key, work_key FROM {t}
        WHERE group_key IN (SELECT group_key FROM {dark}) AND work_key IS NOT NULL) w
    ON w.group_key = p.old_key AND w.work_key = g.work_key
), opportunity AS (
  SELECT old_key, count(DISTINCT work_key) AS works FROM after GROUP BY ALL
)
SELECT a.old_key, a.group_key AS new_key, count(*) AS continued, any_value(o.works) AS works
FROM after a JOIN opportunity o USING (old_key)
WHERE (a.old_key, a.group_key) IN (SELECT (old_key, new_key) FROM {pairs})
GROUP BY ALL
"""

# the rhythm: hour-of-day and weekday profiles as unit vectors, cosine per pair (field too)
_FEATURES_SQL = """
WITH raw AS (
  SELECT group_key, 'h:' || CAST(hour(pre_at AT TIME ZONE 'UTC') AS VARCHAR) AS feature FROM {t}
  UNION ALL
  SELECT group_key, 'd:' || CAST(isodow(pre_at AT TIME ZONE 'UTC') AS VARCHAR) FROM {t}
), counted AS (
  SELECT group_key, feature, count(*) AS n FROM raw
  WHERE group_key IN (SELECT group_key FROM {keys}) GROUP BY ALL
""" + _PAIR_COSINE

# the supply: per group, releases with a lead against their official date, how many of them
# came more than `early` days before it (discs before street date), and the median lead
_LEADS_SQL = """
SELECT g.group_key, median(l.lead_days), count(*),
       count(*) FILTER (WHERE l.lead_days >= $early),
       median(l.lead_days) FILTER (WHERE l.lead_days >= $early)
FROM {t} g JOIN {leads} l USING (release_id)
WHERE l.lead_days IS NOT NULL AND g.group_key IN (SELECT group_key FROM {keys})
GROUP BY g.group_key
"""


@dataclass(frozen=True, slots=True)
class LeadProfile:
    """How early a group's releases come against their official dates."""

    median_days: float
    matched: int  # releases with a lead
    early: int  # of those, how many came `early_days` or more before the date
    early_median_days: float | None  # median lead of the early ones

    @property
    def early_share(self) -> float:
        return self.early / self.matched if self.matched else 0.0


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """Per (dark group, other group): the pair row, and the measures keyed by the pair."""

    pairs: list[tuple[Any, ...]]  # old_key, new_key, names, times, rates, releases, candidate
    divergence: dict[tuple[str, str], tuple[float, int]]  # signature divergence, signatures
    partners: dict[tuple[str, str], float]
    continuity: dict[tuple[str, str], tuple[int, int]]  # works continued, of works continued
    clock: dict[tuple[str, str], float]  # hour / weekday profile cosine
    leads: dict[str, LeadProfile]  # lead against official dates, per group


def pair_evidence(
    engine: Engine,
    pad: Scratch,
    dark: list[str],
    *,
    min_releases: int,
    before_days: float,
    after_days: float,
    early_days: float,
) -> PairEvidence:
    """Everything the scorer weighs, for each dark group against its candidates and field."""
    t = engine.relation("group_releases")
    dark_table = pad.register("dark", pa.table({"group_key": pa.array(dark, pa.string())}))
    pairs = pad.create(
        "pairs",
        _PAIRS_SQL.format(t=t, names=engine.relation("group_names"), dark=dark_table),
        {  # type: ignore[arg-type]
            "min_releases": min_releases,
            "before": before_days * 86400.0,
            "after": after_days * 86400.0,
        },
    )
    keys = pad.create(
        "keys", f"SELECT old_key AS group_key FROM {pairs} UNION SELECT new_key FROM {pairs}"
    )
    signatures = pad.create("signatures", _SIGNATURES_SQL.format(t=t, keys=keys))

    def keyed(sql: str) -> dict[tuple[str, str], Any]:
        return {(str(r[0]), str(r[1])): r[2:] for r in engine.rows(sql)}

    divergence = keyed(_DIVERGENCE_SQL.format(signatures=signatures, dark=dark_table, pairs=pairs))
    partners = keyed(_PARTNERS_SQL.format(t=t, keys=keys, pairs=pairs))
    continuity = keyed(_CONTINUITY_SQL.format(t=t, pairs=pairs, dark=dark_table))
    clock = keyed(_FEATURES_SQL.format(t=t, keys=keys, pairs=pairs))
    lead_rows = engine.rows(
        _LEADS_SQL.format(t=t, leads=engine.relation("release_leads"), keys=keys),
        {"early": early_days},
    )
    return PairEvidence(
        pairs=engine.rows(f"SELECT * FROM {pairs} ORDER BY old_key, new_key"),
        divergence={k: (float(v[0]), int(v[1])) for k, v in divergence.items()},
        partners={k: float(v[0]) for k, v in partners.items()},
        continuity={k: (int(v[0]), int(v[1])) for k, v in continuity.items()},
        clock={k: float(v[0]) for k, v in clock.items()},
        leads={
            str(r[0]): LeadProfile(
                float(r[1]), int(r[2]), int(r[3]), None if r[4] is None else float(r[4])
            )
            for r in lead_rows
            if r[1] is not None
        },
    )
