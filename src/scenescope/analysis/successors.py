"""Successors: when a group goes dark, which new group picks up where it left off.

A candidate is a group that first appears within weeks of the dark group's last pre; it is
scored, in SQL, on the same specialty (category / source / resolution / codec / language
mix, and the naming habits of its release names), what it continues (the same shows, or
the same drop partners where titles do not recur) and the same timing profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from scenescope.analysis.base import Estimator
from scenescope.analysis.groups import _utc, dormant_groups
from scenescope.engine import Engine, Scratch, Source


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
    threshold: float = 0.6  # a candidate scoring at least this is reported as a successor
    top: int = 5  # candidates kept per dark group
    now: dt.datetime | None = None  # "now" for dormancy (default: the store's last pre)


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
    runner_up: str | None = None  # for rank 1: the next candidate, and its score
    runner_up_score: float | None = None
    above_threshold: bool = False  # rank 1 and scoring at least the threshold

    @property
    def margin(self) -> float | None:
        """How far the best candidate leads the next (None below rank 1 or alone)."""
        if self.rank != 1:
            return None
        return self.score - (self.runner_up_score or 0.0)

    def describe(self) -> str:
        if self.above_threshold:
            return f"likely successor of {self.predecessor} (score {self.score:.2f})"
        return f"possible successor of {self.predecessor} (score {self.score:.2f})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "predecessor": self.predecessor,
            "successor": self.successor,
            "rank": self.rank,
            "score": round(self.score, 4),
            "note": self.describe(),
            "above_threshold": self.above_threshold,
            "runner_up": self.runner_up,
            "runner_up_score": None
            if self.runner_up_score is None
            else round(self.runner_up_score, 4),
            "margin": None if self.margin is None else round(self.margin, 4),
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
        WHERE g.group_key IN (SELECT group_key FROM {keys})) g
  UNION ALL
  -- drop partners: groups that released the same title in another format within hours; a
  -- renamed group keeps its supply, so it drops with the same partners
  SELECT x.group_key, 'partners', 'p:' || y.group_key
  FROM {t} x JOIN {t} y ON y.title_key = x.title_key AND y.group_key <> x.group_key
   AND y.format_key <> x.format_key
   AND y.pre_at BETWEEN x.pre_at - INTERVAL 2 HOUR AND x.pre_at + INTERVAL 2 HOUR
  WHERE x.group_key IN (SELECT group_key FROM {keys})
), counted AS (
  SELECT group_key, kind, feature, count(*) AS n FROM raw
  WHERE group_key IN (SELECT group_key FROM {keys})
  GROUP BY ALL
)
SELECT group_key, kind, feature,
       n / sqrt(sum(n * n) OVER (PARTITION BY group_key, kind)) AS w
FROM counted
"""

_TITLES_SQL = """
SELECT DISTINCT group_key, work_key AS work
FROM {t}
WHERE work_key IS NOT NULL AND group_key IN (SELECT group_key FROM {keys})
"""

_SCORE_SQL = """
WITH sim AS (
  SELECT p.old_key, p.new_key, fx.kind, sum(fx.w * fy.w) AS cosine
  FROM {pairs} p
  JOIN {features} fx ON fx.group_key = p.old_key
  JOIN {features} fy ON fy.group_key = p.new_key AND fy.kind = fx.kind
                            AND fy.feature = fx.feature
  GROUP BY ALL
), shared AS (
  SELECT p.old_key, p.new_key, count(*) AS n
  FROM {pairs} p
  JOIN {titles} tx ON tx.group_key = p.old_key
  JOIN {titles} ty ON ty.group_key = p.new_key AND ty.work = tx.work
  GROUP BY ALL
), sizes AS (SELECT group_key, count(*) AS works FROM {titles} GROUP BY ALL)
SELECT p.old_key, p.new_key, p.old_name, p.new_name, p.old_last, p.new_first,
       epoch(p.new_first - p.old_last) / 86400.0 AS gap_days,
       (coalesce(max(s.cosine) FILTER (WHERE s.kind = 'specialty'), 0)
        + coalesce(max(s.cosine) FILTER (WHERE s.kind = 'habits'), 0)) / 2 AS specialty,
       coalesce(max(s.cosine) FILTER (WHERE s.kind = 'timing'), 0) AS timing,
       coalesce(any_value(sh.n), 0) / greatest(1, least(any_value(zx.works),
                                                       any_value(zy.works))) AS titles,
       least(p.old_rate, p.new_rate) / greatest(p.old_rate, p.new_rate, 1e-9) AS volume,
       coalesce(max(s.cosine) FILTER (WHERE s.kind = 'partners'), 0) AS partners
FROM {pairs} p
LEFT JOIN sim s USING (old_key, new_key)
LEFT JOIN shared sh USING (old_key, new_key)
LEFT JOIN sizes zx ON zx.group_key = p.old_key
LEFT JOIN sizes zy ON zy.group_key = p.new_key
GROUP BY p.old_key, p.new_key, p.old_name, p.new_name, p.old_last, p.new_first,
         p.old_rate, p.new_rate
"""


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
       o.rate AS old_rate, n.rate AS new_rate
FROM g o JOIN g n
  ON n.first_pre BETWEEN o.last_pre - to_seconds($before) AND o.last_pre + to_seconds($after)
 AND n.first_pre > o.first_pre AND n.group_key <> o.group_key
WHERE o.group_key IN (SELECT group_key FROM {dark})
"""


@dataclass(frozen=True, slots=True)
class SuccessorResult:
    """Ranked candidates per dark group (most recently dark first)."""

    candidates: tuple[SuccessorCandidate, ...]
    threshold: float

    def successors(self) -> tuple[SuccessorCandidate, ...]:
        """The best candidate of each dark group, where it scores above the threshold."""
        return tuple(c for c in self.candidates if c.above_threshold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "candidates": [c.to_dict() for c in self.candidates],
        }


class Successors(Estimator[SuccessorSettings, SuccessorResult]):
    """When a group goes dark, which new group picks up where it left off."""

    name: ClassVar[str] = "successors"

    def default_params(self) -> SuccessorSettings:
        return SuccessorSettings()

    def fit(self, engine: Engine, params: SuccessorSettings | None = None) -> SuccessorResult:
        settings = params or self.default_params()
        dark = dormant_groups(engine, now=settings.now)
        if not dark:
            return SuccessorResult((), settings.threshold)
        with engine.scratch() as pad:
            rows, leads = _scored_pairs(engine, pad, [d.group_key for d in dark], settings)
        return SuccessorResult(_rank(rows, leads, settings), settings.threshold)


def find_successors(
    source: Source,
    settings: SuccessorSettings | None = None,
    *,
    now: dt.datetime | None = None,
    top: int | None = None,
) -> list[SuccessorCandidate]:
    """Ranked possible successors of every group that went dark (Successors().fit)."""
    import dataclasses

    settings = settings or SuccessorSettings()
    changes: dict[str, Any] = {}
    if now is not None:
        changes["now"] = now
    if top is not None:
        changes["top"] = top
    return list(Successors()(source, dataclasses.replace(settings, **changes)).candidates)


def _scored_pairs(
    engine: Engine, pad: Scratch, dark: list[str], settings: SuccessorSettings
) -> tuple[list[tuple[Any, ...]], dict[str, float]]:
    table = engine.relation("group_releases")
    names = engine.relation("group_names")
    leads_table = engine.relation("release_leads")
    dark_table = pad.register("dark", pa.table({"group_key": pa.array(dark, pa.string())}))
    pairs = pad.create(
        "pairs",
        _PAIRS_SQL.format(t=table, names=names, dark=dark_table),
        {  # type: ignore[arg-type]
            "min_releases": settings.min_releases,
            "before": settings.before_days * 86400.0,
            "after": settings.after_days * 86400.0,
        },
    )
    keys = pad.create(
        "keys", f"SELECT old_key AS group_key FROM {pairs} UNION SELECT new_key FROM {pairs}"
    )
    features = pad.create("features", _FEATURES_SQL.format(t=table, keys=keys))
    titles = pad.create("titles", _TITLES_SQL.format(t=table, keys=keys))
    rows = engine.rows(_SCORE_SQL.format(pairs=pairs, features=features, titles=titles))
    lead_rows = engine.rows(
        f"""
        SELECT g.group_key, median(l.lead_days)
        FROM {table} g JOIN {leads_table} l USING (release_id)
        WHERE l.lead_days IS NOT NULL AND g.group_key IN (SELECT group_key FROM {keys})
        GROUP BY g.group_key HAVING count(*) >= ?
        """,
        [settings.min_leads],
    )
    return rows, {str(k): float(v) for k, v in lead_rows if v is not None}


def _rank(
    rows: list[tuple[Any, ...]], leads: dict[str, float], settings: SuccessorSettings
) -> tuple[SuccessorCandidate, ...]:
    if not rows:
        return ()
    gap = np.array([r[6] for r in rows], dtype=float)
    evidence = np.array([r[7:11] for r in rows], dtype=float)  # specialty, clock, titles, vol
    partners = np.array([r[11] for r in rows], dtype=float)
    # what the new group continues: the old one's titles (a show) or, where titles do not
    # recur (films), its supply, seen as the same drop partners; peers of the same format share
    # many partners by chance, so only near-identity counts (sharpened like the specialty)
    continuity = np.maximum(evidence[:, 2], partners**settings.partner_sharpness)
    # ... beyond what the other newcomers continue too: a show that keeps airing is picked up
    # by every group of its format, so only what sets one newcomer apart is succession
    olds = np.array([r[0] for r in rows], dtype=object)
    continuity = _beyond_field(continuity, olds)
    old_lead = np.array([leads.get(r[0], np.nan) for r in rows], dtype=float)
    new_lead = np.array([leads.get(r[1], np.nan) for r in rows], dtype=float)
    known = ~np.isnan(old_lead) & ~np.isnan(new_lead)
    lead_similarity = np.exp(-np.abs(np.nan_to_num(old_lead - new_lead)) / settings.lead_scale_days)
    # timing: the clock profile, and where both are known, how early against official dates
    evidence[:, 1] = np.where(known, 0.5 * evidence[:, 1] + 0.5 * lead_similarity, evidence[:, 1])
    proximity = np.exp(-np.maximum(gap, 0.0) / settings.proximity_scale_days)
    # a renamed group keeps its exact habits; peers of the same specialty are only alike, so
    # near-identity must count far more than resemblance, and only beyond what the other
    # newcomers share with the dark group anyway (every MP3 group looks alike)
    specialty = _beyond_field(evidence[:, 0] ** settings.specialty_sharpness, olds)
    timing = _beyond_field(evidence[:, 1], olds)
    score = (
        settings.weight_specialty * specialty
        + settings.weight_timing * timing
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
        second = indices[1] if len(indices) > 1 else None
        for rank, i in enumerate(indices[: settings.top], start=1):
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
                    runner_up=rows[second][3] if rank == 1 and second is not None else None,
                    runner_up_score=float(score[second])
                    if rank == 1 and second is not None
                    else None,
                    above_threshold=rank == 1 and float(score[i]) >= settings.threshold,
                )
            )
    out.sort(key=lambda c: (-c.predecessor_last_pre.timestamp(), c.predecessor, c.rank))
    return tuple(out)


def _beyond_field(values: np.ndarray, olds: np.ndarray) -> np.ndarray:
    """Each value as the share of the way from the field's median to 1, the field being the
    dark group's candidates (all candidates' when it has fewer than three)."""
    level = np.full(values.size, float(np.median(values)) if values.size else 0.0)
    for old in set(olds.tolist()):
        mine = olds == old
        if mine.sum() >= 3:
            level[mine] = float(np.median(values[mine]))
    return np.clip((values - level) / np.maximum(1.0 - level, 1e-9), 0.0, 1.0)


def _maybe(value: float) -> float | None:
    return None if value != value else float(value)  # NaN -> None
