"""The evidence on every candidate pair of groups, computed in SQL over the engine's relations:
joint drops in complementary formats (against the pair's rhythm and against chance), races
and dupe nukes between them, specialty and format overlap, shared early (pre-official) timing,
and whether they appear and disappear together. One call's tables live in a scratch pad.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenescope.engine import Engine, Scratch

if TYPE_CHECKING:
    from scenescope.analysis.affiliation import AffiliationSettings

_PAIRS_SQL = """
WITH gt AS (
  -- formats (exact source, resolution, codec, dub language: a dub complements the original)
  -- as two hashes: exact for groups doing up to two formats of a title, nearly all of them
  SELECT e.gid, g.title_key, epoch(min(g.pre_at)) AS pre_s,
         min(hash(lower(g.source), g.resolution, g.codec, list_sort(g.languages))) AS f1,
         max(hash(lower(g.source), g.resolution, g.codec, list_sort(g.languages))) AS f2,
         bool_or(g.source_class = 'retail-disc') AS retail,
         bool_or(l.lead_days > 0) AS early
  FROM {releases} g JOIN {eligible} e USING (group_key)
  LEFT JOIN {leads} l USING (release_id)
  WHERE g.title_key IS NOT NULL AND NOT g.is_proper AND NOT g.is_repack
  GROUP BY e.gid, g.title_key
), pairs AS (
  SELECT a.gid AS a, b.gid AS b, abs(a.pre_s - b.pre_s) AS gap_s,
         a.f1 = b.f1 OR a.f1 = b.f2 OR a.f2 = b.f1 OR a.f2 = b.f2 AS same_format,
         a.retail AND b.retail AS both_retail,
         coalesce(a.early AND b.early, false) AS both_early
  FROM gt a JOIN gt b ON a.title_key = b.title_key AND a.gid < b.gid
  WHERE b.pre_s BETWEEN a.pre_s - $horizon AND a.pre_s + $horizon
), windows AS (
  -- each pair's own rhythm: a supply that drops its formats over hours widens the window
  -- to a multiple of the pair's median gap, within [together, max_together], once that
  -- median is measured on enough titles
  SELECT a, b,
         CASE WHEN count(*) FILTER (WHERE NOT same_format) >= $min_rhythm_titles
              THEN least($max_together, greatest($together,
                         $gap_multiple * median(gap_s) FILTER (WHERE NOT same_format)))
              ELSE $together END AS window_s
  FROM pairs GROUP BY a, b
), judged AS (
  SELECT p.*, w.window_s, NOT p.same_format AND p.gap_s <= w.window_s AS together
  FROM pairs p JOIN windows w USING (a, b)
)
SELECT a, b, count(*) AS shared,
       count(*) FILTER (WHERE together) AS together,
       count(*) FILTER (WHERE NOT same_format AND gap_s <= $together) AS tight,
       avg(gap_s) FILTER (WHERE together) AS mean_gap_s,
       any_value(window_s) AS window_s,
       count(*) FILTER (WHERE same_format) AS races,
       count(*) FILTER (WHERE both_retail AND NOT same_format AND gap_s <= $retail)
         AS retail_together,
       count(*) FILTER (WHERE both_early AND NOT same_format AND gap_s <= $retail)
         AS early_together
FROM judged GROUP BY a, b
HAVING count(*) FILTER (WHERE together) >= $min_together
    OR count(*) FILTER (WHERE same_format) >= $min_together
"""

# a nuke of one group's entry for a dupe, in a race the other entered first
_DUPES_SQL = """
SELECT least(ew.gid, el.gid) AS a, greatest(ew.gid, el.gid) AS b, count(*) AS dupe_nukes
FROM {entries} w
JOIN {entries} l ON l.title_key = w.title_key AND l.format_key = w.format_key
                AND l.place > w.place
JOIN {eligible} ew ON ew.group_key = w.group_key
JOIN {eligible} el ON el.group_key = l.group_key
WHERE w.entrants > 1 AND l.status = 'nuked' AND l.nuke_reason ILIKE 'dupe%'
GROUP BY 1, 2
"""

# cosine of two groups' output mixes: exact formats (partners split them) and specialty
# (source class and language: partners share it, and so do rivals)
_MIX_SQL = """
WITH mix AS (
  SELECT e.gid, 'format' AS kind,
         g.format_key || '|' || coalesce(list_sort(g.languages)[1], '') AS feature, count(*) AS n
  FROM {releases} g JOIN {eligible} e USING (group_key) GROUP BY ALL
  UNION ALL
  SELECT e.gid, 'specialty',
         coalesce(g.source_class, '') || '|' || coalesce(list_sort(g.languages)[1], ''), count(*)
  FROM {releases} g JOIN {eligible} e USING (group_key) GROUP BY ALL
), unit AS (
  SELECT gid, kind, feature, n / sqrt(sum(n * n) OVER (PARTITION BY gid, kind)) AS w FROM mix
)
SELECT p.a, p.b,
       coalesce(sum(x.w * y.w) FILTER (WHERE x.kind = 'format'), 0) AS format_overlap,
       coalesce(sum(x.w * y.w) FILTER (WHERE x.kind = 'specialty'), 0) AS specialty_overlap
FROM {candidates} p
JOIN unit x ON x.gid = p.a
JOIN unit y ON y.gid = p.b AND y.kind = x.kind AND y.feature = x.feature
GROUP BY p.a, p.b
"""

# titles two groups would share by chance inside their markets (source class x language x
# film or TV, by the section: retail discs of French films are a market of their own): per
# market, a's titles x b's titles / the market's titles. Two specialists of a small market
# share most of it without a supply.
_MARKET_SQL = """
WITH tm AS (
  SELECT DISTINCT e.gid, g.title_key,
         coalesce(g.source_class, '') || '|' || coalesce(list_sort(g.languages)[1], '') || '|'
           || CASE WHEN upper(coalesce(g.category, '')) LIKE 'TV%' THEN 'tv' ELSE 'film' END
           AS market
  FROM {releases} g JOIN {eligible} e USING (group_key)
  WHERE g.title_key IS NOT NULL AND NOT g.is_proper AND NOT g.is_repack
), size AS (
  SELECT market, count(DISTINCT title_key) AS titles FROM tm GROUP BY market
), per AS (
  SELECT gid, market, count(*) AS titles FROM tm GROUP BY gid, market
)
SELECT p.a, p.b, sum(x.titles * y.titles / s.titles) AS expected_market
FROM {candidates} p
JOIN per x ON x.gid = p.a
JOIN per y ON y.gid = p.b AND y.market = x.market
JOIN size s ON s.market = x.market
WHERE s.titles >= {min_class_titles}  -- a market too small to estimate a rate from
GROUP BY p.a, p.b
"""

NUMERIC = (
    "shared",
    "together",
    "tight",
    "races",
    "retail_together",
    "early_together",
    "dupe_nukes",
    "titles_a",
    "titles_b",
)


def pair_evidence(
    engine: Engine, pad: Scratch, settings: AffiliationSettings
) -> tuple[dict[str, np.ndarray], str]:
    """Evidence for every candidate pair of eligible groups (at least `min_together` joint
    drops or races), as numpy columns, and the scratch table of eligible groups.

    Keys: a, b (group ids: row numbers of the eligible table, ordered by group key), shared,
    together, tight, mean_gap_s, window_s, races, retail_together, early_together,
    dupe_nukes, format_overlap, specialty_overlap, titles_a, titles_b, coactivity,
    started_together, ended_together, span_mismatch, expected_market (chance within the pair's
    markets), expected_shared (chance: the larger of that and the niche-and-popularity one).
    """
    releases = engine.relation("group_releases")
    leads = engine.relation("release_leads")
    entries = engine.relation("race_entries")
    eligible = pad.create(
        "eligible",
        f"""
        SELECT row_number() OVER (ORDER BY group_key) - 1 AS gid, group_key, count(*) AS releases,
               min(pre_at) AS first_pre, max(pre_at) AS last_pre,
               count(DISTINCT title_key) AS titles
        FROM {releases} GROUP BY group_key HAVING count(*) >= ?
        """,
        [settings.min_releases],
    )
    # which group released which title (title ids dense) and the title's niche: the category
    # and language most of its releases carry (a German title is its own market)
    incidence = engine.connection.execute(
        f"""
        WITH r AS (
          SELECT e.gid, g.title_key, g.category, coalesce(list_sort(g.languages)[1], '') AS lang
          FROM {releases} g JOIN {eligible} e USING (group_key)
          WHERE g.title_key IS NOT NULL AND NOT g.is_proper AND NOT g.is_repack
        ), niche AS (
          SELECT title_key, dense_rank() OVER (ORDER BY title_key) - 1 AS t,
                 dense_rank() OVER (ORDER BY mode(coalesce(upper(category), '') || '|' || lang))
                   - 1 AS niche
          FROM r GROUP BY title_key
        )
        SELECT DISTINCT r.gid, n.t, n.niche FROM r JOIN niche n USING (title_key)
        """
    ).fetchnumpy()
    params = {
        "horizon": settings.horizon_s,
        "together": settings.together_window_s,
        "max_together": settings.max_together_window_s,
        "gap_multiple": settings.gap_multiple,
        "min_rhythm_titles": settings.min_rhythm_titles,
        "retail": settings.retail_window_s,
        "min_together": settings.min_together,
    }
    pairs = pad.create(
        "pairs",
        _PAIRS_SQL.format(releases=releases, eligible=eligible, leads=leads),
        params,  # type: ignore[arg-type]
    )
    dupes = pad.create("dupes", _DUPES_SQL.format(entries=entries, eligible=eligible))
    mixes = pad.create(
        "mixes", _MIX_SQL.format(releases=releases, eligible=eligible, candidates=pairs)
    )
    markets = pad.create(
        "markets",
        _MARKET_SQL.format(
            releases=releases,
            eligible=eligible,
            candidates=pairs,
            min_class_titles=int(settings.min_class_titles),
        ),
    )
    bounds = engine.rows(f"SELECT min(first_pre), max(last_pre) FROM {eligible}")[0]
    observed = (
        "ea.first_pre > $start::TIMESTAMPTZ + INTERVAL 28 DAY "
        "AND eb.first_pre > $start::TIMESTAMPTZ + INTERVAL 28 DAY",
        "ea.last_pre < $end::TIMESTAMPTZ - INTERVAL 28 DAY "
        "AND eb.last_pre < $end::TIMESTAMPTZ - INTERVAL 28 DAY",
    )
    sql = f"""
        SELECT p.*, coalesce(d.dupe_nukes, 0) AS dupe_nukes,
               coalesce(m.format_overlap, 0) AS format_overlap,
               coalesce(m.specialty_overlap, 0) AS specialty_overlap,
               coalesce(k.expected_market, 0) AS expected_market,
               ea.titles AS titles_a, eb.titles AS titles_b,
               greatest(0.0, epoch(least(ea.last_pre, eb.last_pre)
                                   - greatest(ea.first_pre, eb.first_pre)))
                 / greatest(1.0, epoch(greatest(ea.last_pre, eb.last_pre)
                                       - least(ea.first_pre, eb.first_pre))) AS coactivity,
               ({observed[0]}) AND abs(epoch(ea.first_pre - eb.first_pre)) <= 14 * 86400
                 AS started_together,
               ({observed[1]}) AND abs(epoch(ea.last_pre - eb.last_pre)) <= 7 * 86400
                 AS ended_together,
               -- one was seen starting (or stopping) while the other had long been (and stayed)
               -- active: a supply's members come and go together
               (ea.first_pre > $start::TIMESTAMPTZ + INTERVAL 28 DAY
                  AND ea.first_pre > eb.first_pre + INTERVAL 28 DAY)
               OR (eb.first_pre > $start::TIMESTAMPTZ + INTERVAL 28 DAY
                  AND eb.first_pre > ea.first_pre + INTERVAL 28 DAY)
               OR (ea.last_pre < $end::TIMESTAMPTZ - INTERVAL 28 DAY
                  AND eb.last_pre > ea.last_pre + INTERVAL 28 DAY)
               OR (eb.last_pre < $end::TIMESTAMPTZ - INTERVAL 28 DAY
                  AND ea.last_pre > eb.last_pre + INTERVAL 28 DAY)
                 AS span_mismatch
        FROM {pairs} p
        JOIN {eligible} ea ON ea.gid = p.a JOIN {eligible} eb ON eb.gid = p.b
        LEFT JOIN {dupes} d USING (a, b)
        LEFT JOIN {mixes} m USING (a, b)
        LEFT JOIN {markets} k USING (a, b)
        ORDER BY p.a, p.b
    """
    columns = engine.connection.execute(sql, {"start": bounds[0], "end": bounds[1]}).fetchnumpy()
    out: dict[str, np.ndarray] = {}
    for name, values in columns.items():
        if isinstance(values, np.ma.MaskedArray):
            floating = name in ("mean_gap_s", "window_s")
            values = np.ma.filled(
                values.astype(float) if floating else values, np.nan if floating else 0
            )
        out[name] = np.asarray(values)
    if not out:
        out = {name: np.zeros(0) for name in ("a", "b", "expected_market", *NUMERIC)}
    by_popularity = expected_shared(incidence, out["a"], out["b"], settings.min_class_titles)
    # chance is at least what either view of the market gives: by the titles' niche and
    # popularity (busy groups share the blockbusters), and by the pair's own markets (two
    # specialists of one small market share most of it); never more than the smaller's titles
    smaller = np.minimum(out["titles_a"], out["titles_b"]).astype(float)
    out["expected_shared"] = np.minimum(
        np.maximum(by_popularity, np.asarray(out["expected_market"], dtype=float)), smaller
    )
    return out, eligible


# Above this many candidate pairs the chance expectation skips the per-pair leave-out.
EXACT_CHANCE_PAIRS = 50_000


def expected_shared(
    incidence: dict[str, np.ndarray], a: np.ndarray, b: np.ndarray, min_class_titles: int
) -> np.ndarray:
    """Titles two groups would share by chance given how popular their titles are.

    Titles are classed by niche (category and language) and popularity: how many *other*
    groups released the title (the pair itself left out, so a family does not make its own
    supply look popular), in log2 steps of (others + 2), so the titles only the pair released
    share the rarest step with every single group's own titles; per class the expectation is
    (a's titles × b's titles) / titles of the class. A niche class with fewer than
    `min_class_titles` titles merges into its popularity step.
    """
    if a.size == 0 or incidence["gid"].size == 0:
        return np.zeros(a.size)
    # Sparse on purpose: a groups x titles matrix is gigabytes at scale. Only the pair's own
    # titles change class when the pair is left out, so each pair costs its titles, not all.
    gid, title = incidence["gid"].astype(np.int64), incidence["t"].astype(np.int64)
    order = np.lexsort((title, gid))
    gid, title = gid[order], title[order]
    groups = int(gid.max()) + 1
    bounds = np.searchsorted(gid, np.arange(groups + 1))
    titles_of = [title[bounds[g] : bounds[g + 1]] for g in range(groups)]
    popularity = np.bincount(title)
    niche = np.zeros(popularity.size, dtype=np.int64)
    niche[incidence["t"].astype(np.int64)] = incidence["niche"].astype(np.int64)
    steps = int(np.log2(groups + 1)) + 1
    merged_base = (int(niche.max()) + 1) * steps  # where a too-small niche class merges
    n_classes = merged_base + steps
    base_class = niche * steps + np.floor(np.log2(popularity + 2)).astype(np.int64)
    base_counts = np.bincount(base_class, minlength=n_classes)
    class_ids = np.arange(n_classes)
    merge_target = np.where(class_ids < merged_base, merged_base + class_ids % steps, class_ids)
    if a.size > EXACT_CHANCE_PAIRS:
        return _expected_shared_unadjusted(
            gid, title, base_class, base_counts, merge_target, a, b, min_class_titles
        )
    out = np.zeros(a.size)
    for i, (x, y) in enumerate(zip(a.astype(int).tolist(), b.astype(int).tolist(), strict=True)):
        tx, ty = titles_of[x], titles_of[y]
        union, removed = np.unique(np.concatenate((tx, ty)), return_counts=True)
        new_class = niche[union] * steps + np.floor(
            np.log2(popularity[union] - removed + 2)
        ).astype(np.int64)
        counts = base_counts.copy()
        np.subtract.at(counts, base_class[union], 1)
        np.add.at(counts, new_class, 1)
        # a niche class too small to estimate a rate from merges into its popularity step
        small = (counts < min_class_titles) & (class_ids < merged_base)
        final = np.where(small, merge_target, class_ids)
        totals = np.bincount(final, weights=counts, minlength=n_classes)
        class_of_union = final[new_class]  # union is sorted: each title found by bisection
        per_a = np.bincount(class_of_union[np.searchsorted(union, tx)], minlength=n_classes)
        per_b = np.bincount(class_of_union[np.searchsorted(union, ty)], minlength=n_classes)
        out[i] = float((per_a * per_b / np.maximum(totals, 1.0)).sum())
    return out


def _expected_shared_unadjusted(
    gid: np.ndarray,
    title: np.ndarray,
    base_class: np.ndarray,
    base_counts: np.ndarray,
    merge_target: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    min_class_titles: int,
) -> np.ndarray:
    """The same expectation without leaving each pair out of its titles' popularity: one
    groups x classes matrix for all pairs, used when there are too many pairs (a store of
    millions of releases) for the exact per-pair pass. It slightly overstates the chance of
    a family's exclusive titles, so it errs towards fewer, not more, families."""
    class_ids = np.arange(base_counts.size)
    small = (base_counts < min_class_titles) & (merge_target != class_ids)
    final = np.where(small, merge_target, class_ids)
    totals = np.bincount(final, weights=base_counts, minlength=base_counts.size)
    per_group = np.zeros((int(gid.max()) + 1, base_counts.size))
    np.add.at(per_group, (gid, final[base_class[title]]), 1.0)
    scaled = per_group / np.maximum(totals, 1.0)
    out = np.empty(a.size)
    for start in range(0, a.size, 50_000):  # chunks keep pairs x classes in memory bounds
        ia, ib = a[start : start + 50_000].astype(int), b[start : start + 50_000].astype(int)
        out[start : start + ia.size] = (scaled[ia] * per_group[ib]).sum(axis=1)
    return out
