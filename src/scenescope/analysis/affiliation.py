"""Affiliation families: which groups share a supply, inferred from the releases alone.

Evidence per pair of groups, computed in SQL: the same titles in complementary formats
within minutes of each other, shared retail-disc timing, never racing each other in one
format, and appearing / disappearing together. Edges are weighted from that evidence and
Leiden (leidenalg on igraph) finds the communities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from scenescope.analysis.groups import build_group_releases, group_names_table


@dataclass(frozen=True, slots=True)
class AffiliationSettings:
    """Thresholds of the evidence; defaults follow the Scene's rhythm, not one world."""

    together_window_s: float = 30 * 60  # complementary formats within this = same drop
    max_together_window_s: float = 4 * 3600  # ... or within gap_multiple × the pair's median gap
    gap_multiple: float = 3.0
    min_rhythm_titles: int = 20  # complementary shared titles before the pair's median counts
    horizon_s: float = 3 * 86400  # pairs farther apart than this are different events
    retail_window_s: float = 6 * 3600  # two retail-disc rips of one title this close
    min_releases: int = 5  # groups with fewer releases stay out of the graph
    min_together: int = 5  # fewer joint drops than this is coincidence
    share_exponent: float = 2.0  # on the lifted together share: near-all counts, half little
    min_class_titles: int = 20  # smaller niche classes merge into their popularity step
    prior_titles: float = 5.0  # pseudo-titles without a joint drop in every pair's share
    min_weight: float = 0.15
    resolution: float = 1.0  # Leiden (RB configuration) resolution
    seed: int = 7


@dataclass(frozen=True, slots=True)
class AffiliationEdge:
    """Why two groups look affiliated: the evidence and the weight it earns."""

    group_a: str
    group_b: str
    weight: float
    shared_titles: int  # titles both released within the horizon
    together: int  # of those, in complementary formats within the together window
    mean_gap_s: float | None  # between their complementary releases
    races: int  # shared titles where both released the same format
    retail_together: int  # retail-disc rips of one title close together
    coactivity: float  # overlap of active periods, 0..1
    ended_together: bool  # last pres within a week of each other

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_a": self.group_a,
            "group_b": self.group_b,
            "weight": round(self.weight, 4),
            "shared_titles": self.shared_titles,
            "together": self.together,
            "mean_gap_s": None if self.mean_gap_s is None else round(self.mean_gap_s, 1),
            "races": self.races,
            "retail_together": self.retail_together,
            "coactivity": round(self.coactivity, 3),
            "ended_together": self.ended_together,
        }


@dataclass(frozen=True, slots=True)
class Family:
    """A community of groups that share a supply."""

    family_id: int
    members: tuple[str, ...]  # display names, most releases first
    member_keys: tuple[str, ...]
    confidence: float  # 0..1: internal share of the members' edge weight × pair density
    edges: tuple[AffiliationEdge, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "family_id": self.family_id,
            "members": list(self.members),
            "confidence": round(self.confidence, 3),
            "edges": [e.to_dict() for e in self.edges],
        }


@dataclass(frozen=True, slots=True)
class AffiliationResult:
    """The whole inference: every group considered, its community, the edges and families."""

    groups: tuple[str, ...]  # group keys in the graph
    names: dict[str, str]  # group key -> display name
    releases: dict[str, int]
    community: dict[str, int]  # group key -> community id (singletons included)
    edges: tuple[AffiliationEdge, ...]  # keyed by display names
    families: tuple[Family, ...] = field(default=())

    def family_of(self, group: str) -> Family | None:
        key = group.lower()
        return next((f for f in self.families if key in f.member_keys), None)


_PAIRS_SQL = """
WITH gt AS (
  -- formats (exact source, resolution, codec, dub language: a dub complements the original)
  -- as two hashes: exact for groups doing up to two formats of a title, nearly all of them
  SELECT e.gid, g.title_key, epoch(min(g.pre_at)) AS pre_s,
         min(hash(lower(g.source), g.resolution, g.codec, list_sort(g.languages))) AS f1,
         max(hash(lower(g.source), g.resolution, g.codec, list_sort(g.languages))) AS f2,
         bool_or(g.source_class = 'retail-disc') AS retail
  FROM {table} g JOIN eligible e USING (group_key)
  WHERE g.title_key IS NOT NULL AND NOT g.is_proper AND NOT g.is_repack
  GROUP BY e.gid, g.title_key
), pairs AS (
  SELECT a.gid AS a, b.gid AS b, abs(a.pre_s - b.pre_s) AS gap_s,
         a.f1 = b.f1 OR a.f1 = b.f2 OR a.f2 = b.f1 OR a.f2 = b.f2 AS same_format,
         a.retail AND b.retail AS both_retail
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
       avg(gap_s) FILTER (WHERE together) AS mean_gap_s,
       any_value(window_s) AS window_s,
       count(*) FILTER (WHERE same_format) AS races,
       count(*) FILTER (WHERE both_retail AND NOT same_format AND gap_s <= $retail)
         AS retail_together
FROM judged GROUP BY a, b
HAVING count(*) FILTER (WHERE together) >= $min_together
    OR count(*) FILTER (WHERE same_format) >= $min_together
"""


def pair_evidence(
    con: duckdb.DuckDBPyConnection, settings: AffiliationSettings | None = None
) -> dict[str, np.ndarray]:
    """Evidence for every pair of eligible groups with at least `min_together` joint drops
    (pairs with fewer carry no weight), as numpy columns.

    Keys: a, b (group ids: row numbers of `eligible`, ordered by group key), shared,
    together, mean_gap_s, races, retail_together, titles_a, titles_b, coactivity,
    ended_together.
    """
    settings = settings or AffiliationSettings()
    table = build_group_releases(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE eligible AS
        SELECT row_number() OVER (ORDER BY group_key) - 1 AS gid, group_key, count(*) AS releases,
               min(pre_at) AS first_pre, max(pre_at) AS last_pre,
               count(DISTINCT title_key) AS titles
        FROM {table} GROUP BY group_key HAVING count(*) >= ?
        """,
        [settings.min_releases],
    )
    # which group released which title (title ids dense) and the title's niche (the category
    # most of its releases carry), for the chance expectation
    incidence = con.execute(
        f"""
        WITH r AS (
          SELECT e.gid, g.title_key, g.category
          FROM {table} g JOIN eligible e USING (group_key)
          WHERE g.title_key IS NOT NULL AND NOT g.is_proper AND NOT g.is_repack
        ), niche AS (
          SELECT title_key, dense_rank() OVER (ORDER BY title_key) - 1 AS t,
                 dense_rank() OVER (ORDER BY mode(coalesce(upper(category), ''))) - 1 AS niche
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
    sql = f"""
        WITH p AS ({_PAIRS_SQL.format(table=table)})
        SELECT p.*, ea.titles AS titles_a, eb.titles AS titles_b,
               greatest(0.0, epoch(least(ea.last_pre, eb.last_pre)
                                   - greatest(ea.first_pre, eb.first_pre)))
                 / greatest(1.0, epoch(greatest(ea.last_pre, eb.last_pre)
                                       - least(ea.first_pre, eb.first_pre))) AS coactivity,
               abs(epoch(ea.last_pre - eb.last_pre)) <= 7 * 86400 AS ended_together
        FROM p JOIN eligible ea ON ea.gid = p.a JOIN eligible eb ON eb.gid = p.b
    """
    columns = con.execute(sql, params).fetchnumpy()
    out: dict[str, np.ndarray] = {}
    for name, values in columns.items():
        if isinstance(values, np.ma.MaskedArray):
            fill = np.nan if name == "mean_gap_s" else 0
            values = np.ma.filled(values.astype(float) if name == "mean_gap_s" else values, fill)
        out[name] = np.asarray(values)
    out["expected_shared"] = _expected_shared(
        incidence, out["a"], out["b"], settings.min_class_titles
    )
    return out


# Above this many candidate pairs the chance expectation skips the per-pair leave-out.
EXACT_CHANCE_PAIRS = 50_000


def _expected_shared(
    incidence: dict[str, np.ndarray], a: np.ndarray, b: np.ndarray, min_class_titles: int
) -> np.ndarray:
    """Titles two groups would share by chance given how popular their titles are.

    Titles are classed by niche (category) and popularity: how many *other* groups released
    the title (the pair itself left out, so a family does not make its own supply look
    popular), in log2 steps of (others + 2), so the titles only the pair released share the
    rarest step with every single group's own titles; per class the expectation is
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


def edge_weights(evidence: dict[str, np.ndarray], settings: AffiliationSettings) -> np.ndarray:
    """Weight per pair: how much of the smaller group's output dropped with the other's,
    discounted by how often they raced each other, lifted by shared retail timing and by
    appearing and disappearing together."""
    together = evidence["together"].astype(float)
    if together.size == 0:
        return together
    shared = np.maximum(evidence["shared"].astype(float), 1.0)
    smaller = np.maximum(np.minimum(evidence["titles_a"], evidence["titles_b"]).astype(float), 1)
    # lift over chance: two busy groups releasing the same blockbusters share many titles
    # without a shared supply, so only the joint drops beyond that expectation count;
    # `prior_titles` titles without a joint drop are added so a share seen on a handful of
    # titles stays modest (small groups prove little); each race (the same title in the same
    # format) is a title they demonstrably did not share
    races = evidence["races"].astype(float)
    expected = np.minimum(evidence["expected_shared"], together)
    together_share = np.clip(
        (together - races - expected) / (smaller - expected + settings.prior_titles), 0.0, 1.0
    )
    race_share = evidence["races"].astype(float) / shared
    retail_share = np.minimum(evidence["retail_together"].astype(float) / smaller, 1.0)
    coactivity = evidence["coactivity"].astype(float)
    ended = evidence["ended_together"].astype(bool)
    # squared: a shared supply drops (nearly) everything together beyond chance; what is left
    # of a coincidental overlap after the lift is small and squaring keeps it small
    weight = (
        together_share**settings.share_exponent
        * (1.0 - race_share) ** 2
        * (0.6 + 0.2 * coactivity + 0.2 * ended)
        * (1.0 + 0.5 * retail_share)
    )
    weight[together < settings.min_together] = 0.0
    weight[weight < settings.min_weight] = 0.0
    return weight


def infer_families(
    con: duckdb.DuckDBPyConnection, settings: AffiliationSettings | None = None
) -> AffiliationResult:
    """Build the weighted group graph and find families with Leiden."""
    import igraph as ig
    import leidenalg

    settings = settings or AffiliationSettings()
    evidence = pair_evidence(con, settings)
    weights = edge_weights(evidence, settings)
    rows = con.execute(
        f"SELECT e.group_key, n.group_name, e.releases "
        f"FROM eligible e JOIN {group_names_table(con)} n USING (group_key) ORDER BY e.gid"
    ).fetchall()
    keys = [r[0] for r in rows]
    names = {r[0]: r[1] for r in rows}
    releases = {r[0]: int(r[2]) for r in rows}
    keep = weights > 0
    a_ids, b_ids = evidence["a"][keep].astype(int), evidence["b"][keep].astype(int)
    graph = ig.Graph(n=len(keys), edges=list(zip(a_ids.tolist(), b_ids.tolist(), strict=True)))
    graph.es["weight"] = weights[keep].tolist()
    if graph.ecount():
        partition = leidenalg.find_partition(
            graph,
            leidenalg.RBConfigurationVertexPartition,
            weights="weight",
            resolution_parameter=settings.resolution,
            seed=settings.seed,
        )
        membership = list(partition.membership)
    else:
        membership = list(range(len(keys)))
    membership = _split_rivals(membership, evidence, weights, settings)
    community = {k: int(membership[i]) for i, k in enumerate(keys)}
    edges = tuple(_edges(evidence, weights, keep, [names[k] for k in keys]))
    return AffiliationResult(
        groups=tuple(keys),
        names=names,
        releases=releases,
        community=community,
        edges=edges,
        families=tuple(_families(community, edges, names, releases)),
    )


def _split_rivals(
    membership: list[int],
    evidence: dict[str, np.ndarray],
    weights: np.ndarray,
    settings: AffiliationSettings,
) -> list[int]:
    """Groups that race each other (the same titles in the same format, more often than they
    drop together) do not share a supply: while a community holds such a pair, the member less
    tied to the rest leaves it."""
    membership = list(membership)
    a_ids, b_ids = evidence["a"].astype(int), evidence["b"].astype(int)
    races, together = evidence["races"], evidence["together"]
    rivals = [
        (int(x), int(y))
        for x, y, r, t in zip(a_ids, b_ids, races, together, strict=True)
        if r >= settings.min_together and r > t
    ]
    fresh = max(membership, default=-1) + 1
    while True:
        clash = [(x, y) for x, y in rivals if membership[x] == membership[y]]
        if not clash:
            return membership
        x, y = clash[0]

        def tie(node: int) -> float:  # weight of the node's edges inside its community
            touches = (a_ids == node) | (b_ids == node)
            others = np.where(a_ids[touches] == node, b_ids[touches], a_ids[touches])
            inside = np.array([membership[o] == membership[node] for o in others], dtype=bool)
            return float(weights[touches][inside].sum())

        loser = x if tie(x) < tie(y) else y
        membership[loser] = fresh
        fresh += 1


def _edges(
    evidence: dict[str, np.ndarray], weights: np.ndarray, keep: np.ndarray, names: list[str]
) -> list[AffiliationEdge]:
    picked = {k: v[keep] for k, v in evidence.items()}
    out = []
    for i in range(int(keep.sum())):
        gap = picked["mean_gap_s"][i]
        out.append(
            AffiliationEdge(
                group_a=names[int(picked["a"][i])],
                group_b=names[int(picked["b"][i])],
                weight=float(weights[keep][i]),
                shared_titles=int(picked["shared"][i]),
                together=int(picked["together"][i]),
                mean_gap_s=None if gap is None or np.isnan(gap) else float(gap),
                races=int(picked["races"][i]),
                retail_together=int(picked["retail_together"][i]),
                coactivity=float(picked["coactivity"][i]),
                ended_together=bool(picked["ended_together"][i]),
            )
        )
    return sorted(out, key=lambda e: -e.weight)


def _families(
    community: dict[str, int],
    edges: tuple[AffiliationEdge, ...],
    names: dict[str, str],
    releases: dict[str, int],
) -> list[Family]:
    members: dict[int, list[str]] = {}
    for key, cid in community.items():
        members.setdefault(cid, []).append(key)
    key_of = {name: key for key, name in names.items()}
    strength: dict[str, float] = {}
    for e in edges:
        for name in (e.group_a, e.group_b):
            strength[key_of[name]] = strength.get(key_of[name], 0.0) + e.weight
    families = []
    for cid, keys in members.items():
        if len(keys) < 2:
            continue
        keys.sort(key=lambda k: (-releases[k], k))
        inside = [
            e for e in edges if community[key_of[e.group_a]] == cid == community[key_of[e.group_b]]
        ]
        internal = sum(e.weight for e in inside)
        total = sum(strength.get(k, 0.0) for k in keys) - internal
        density = len(inside) / (len(keys) * (len(keys) - 1) / 2)
        confidence = (internal / total if total > 0 else 0.0) * density
        families.append(
            Family(
                family_id=0,
                members=tuple(names[k] for k in keys),
                member_keys=tuple(keys),
                confidence=confidence,
                edges=tuple(inside),
            )
        )
    families.sort(key=lambda f: (-len(f.members), -f.confidence, f.members))
    return [
        Family(i + 1, f.members, f.member_keys, f.confidence, f.edges)
        for i, f in enumerate(families)
    ]
