"""Affiliation families: which groups share a supply, inferred from the releases alone.

`Families().fit(engine, params)` reads the evidence on every candidate pair of groups
(analysis.affiliation_evidence), turns it into a probability per pair (analysis.
affiliation_model), finds communities with Leiden (leidenalg on igraph), splits rivals out,
and gives every family and every membership a calibrated probability. Each edge names the
evidence that carried it and the evidence against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis import affiliation_model as model
from scenescope.analysis.affiliation_evidence import pair_evidence
from scenescope.analysis.base import Estimator
from scenescope.engine import Engine, Source


@dataclass(frozen=True, slots=True)
class AffiliationSettings:
    """Thresholds of the evidence; defaults follow the Scene's rhythm, not one world."""

    together_window_s: float = 30 * 60  # complementary formats within this = same drop
    max_together_window_s: float = 4 * 3600  # ... or within gap_multiple × the pair's median gap
    gap_multiple: float = 3.0
    min_rhythm_titles: int = 20  # complementary shared titles before the pair's median counts
    horizon_s: float = 3 * 86400  # pairs farther apart than this are different events
    retail_window_s: float = 6 * 3600  # two retail-disc / early rips of one title this close
    min_releases: int = 5  # groups with fewer releases stay out of the graph
    min_together: int = 5  # fewer joint drops than this is coincidence
    min_class_titles: int = 20  # smaller niche classes merge into their popularity step
    prior_titles: float = 5.0  # pseudo-titles without a joint drop in every pair's share
    min_probability: float = 0.5  # pairs less likely than this carry no edge
    resolution: float = 1.0  # Leiden (RB configuration) resolution
    seed: int = 7


@dataclass(frozen=True, slots=True)
class AffiliationEdge:
    """Why two groups look affiliated: the evidence, its probability and what carried it."""

    group_a: str
    group_b: str
    weight: float  # the probability the pair shares a supply (edge model)
    shared_titles: int  # titles both released within the horizon
    together: int  # of those, in complementary formats within the pair's window
    mean_gap_s: float | None  # between their complementary releases
    races: int  # shared titles where both released the same format
    retail_together: int  # retail-disc rips of one title close together
    coactivity: float  # overlap of active periods, 0..1
    ended_together: bool  # both stopped (visibly) within a week of each other
    tight: int = 0  # joint drops within the fixed together window
    window_s: float | None = None  # the pair's together window
    expected_shared: float = 0.0  # shared titles chance alone would give
    early_together: int = 0  # both pred the title before its official date, close together
    dupe_nukes: int = 0  # one nuked as a dupe of the other's release
    format_overlap: float = 0.0  # cosine of exact format mixes (partners split formats)
    specialty_overlap: float = 0.0  # cosine of source class x language mixes
    started_together: bool = False
    span_mismatch: bool = False  # one came or went while the other stayed
    carried_by: tuple[str, ...] = ()  # evidence kinds that raised the probability
    against: tuple[str, ...] = ()  # evidence kinds that lowered it

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_a": self.group_a,
            "group_b": self.group_b,
            "weight": round(self.weight, 4),
            "probability": round(self.weight, 4),
            "shared_titles": self.shared_titles,
            "together": self.together,
            "tight": self.tight,
            "window_s": None if self.window_s is None else round(self.window_s, 1),
            "expected_shared": round(self.expected_shared, 2),
            "mean_gap_s": None if self.mean_gap_s is None else round(self.mean_gap_s, 1),
            "races": self.races,
            "dupe_nukes": self.dupe_nukes,
            "retail_together": self.retail_together,
            "early_together": self.early_together,
            "format_overlap": round(self.format_overlap, 3),
            "specialty_overlap": round(self.specialty_overlap, 3),
            "coactivity": round(self.coactivity, 3),
            "started_together": self.started_together,
            "ended_together": self.ended_together,
            "span_mismatch": self.span_mismatch,
            "carried_by": list(self.carried_by),
            "against": list(self.against),
        }


@dataclass(frozen=True, slots=True)
class Family:
    """A community of groups that share a supply, with calibrated probabilities."""

    family_id: int
    members: tuple[str, ...]  # display names, most releases first
    member_keys: tuple[str, ...]
    confidence: float  # calibrated probability that every member belongs (no outsider)
    edges: tuple[AffiliationEdge, ...]
    memberships: tuple[float, ...] = ()  # per member (same order): probability it belongs
    evidence_kinds: tuple[str, ...] = ()  # kinds that carried at least one inside edge

    @property
    def single_evidence(self) -> bool:
        """The family rests on one kind of evidence only."""
        return len(self.evidence_kinds) <= 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "family_id": self.family_id,
            "members": list(self.members),
            "confidence": round(self.confidence, 3),
            "memberships": {
                m: round(p, 3) for m, p in zip(self.members, self.memberships, strict=False)
            },
            "evidence_kinds": list(self.evidence_kinds),
            "single_evidence": self.single_evidence,
            "edges": [e.to_dict() for e in self.edges],
        }


@dataclass(frozen=True, slots=True)
class AffiliationResult:
    """The whole inference: every group considered, its community, the edges and families."""

    groups: tuple[str, ...]  # group keys in the graph
    names: dict[str, str]  # group key -> display name
    releases: dict[str, int]
    community: dict[str, int]  # group key -> community id (singletons included)
    edges: tuple[AffiliationEdge, ...]  # keyed by display names, most probable first
    families: tuple[Family, ...] = field(default=())

    def family_of(self, group: str) -> Family | None:
        key = group.lower()
        return next((f for f in self.families if key in f.member_keys), None)

    def family(self, ref: str) -> Family | None:
        """A family by its number or by any member's name."""
        ref = ref.strip()
        if ref.isdigit():
            return next((f for f in self.families if f.family_id == int(ref)), None)
        return self.family_of(ref)

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": len(self.groups),
            "edges": [e.to_dict() for e in self.edges],
            "families": [f.to_dict() for f in self.families],
        }


class Families(Estimator[AffiliationSettings, AffiliationResult]):
    """Which groups share a supply."""

    name: ClassVar[str] = "families"

    def default_params(self) -> AffiliationSettings:
        return AffiliationSettings()

    def fit(self, engine: Engine, params: AffiliationSettings | None = None) -> AffiliationResult:
        settings = params or self.default_params()
        names_table = engine.relation("group_names")
        with engine.scratch() as pad:
            evidence, eligible = pair_evidence(engine, pad, settings)
            rows = engine.rows(
                f"SELECT e.group_key, n.group_name, e.releases "
                f"FROM {eligible} e JOIN {names_table} n USING (group_key) ORDER BY e.gid"
            )
        return build_result(evidence, rows, settings)


def infer_families(
    source: Source, settings: AffiliationSettings | None = None
) -> AffiliationResult:
    """Families().fit on a store, a connection or an engine."""
    return Families()(source, settings)


def build_result(
    evidence: dict[str, np.ndarray],
    rows: list[tuple[Any, ...]],
    settings: AffiliationSettings,
    edge_model: model.EdgeModel | None = None,
    *,
    probability: np.ndarray | None = None,
    calibrate: bool = True,
) -> AffiliationResult:
    """Edges, communities and calibrated families from the pair evidence. `probability`
    replaces the edge model's (a peer's weights); without `calibrate` the raw membership and
    family scores are kept (what the calibration fits its maps on)."""
    import igraph as ig
    import leidenalg

    edge_model = edge_model or model.EDGE_MODEL
    keys = [str(r[0]) for r in rows]
    names = {str(r[0]): str(r[1]) for r in rows}
    releases = {str(r[0]): int(r[2]) for r in rows}
    x = model.features(evidence, settings.prior_titles, settings.together_window_s)
    if probability is None:
        probability = edge_model.probability(x) if len(x) else np.zeros(0)
    weights = np.where(probability >= settings.min_probability, probability, 0.0)
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
    membership = split_rivals(membership, evidence, weights, settings)
    community = {k: int(membership[i]) for i, k in enumerate(keys)}
    contributions = edge_model.contributions(x) if len(x) else {}
    edges = tuple(_edges(evidence, probability, keep, contributions, [names[k] for k in keys]))
    pair_p = {
        (int(a), int(b)): float(p)
        for a, b, p in zip(evidence["a"], evidence["b"], probability, strict=True)
    }
    return AffiliationResult(
        groups=tuple(keys),
        names=names,
        releases=releases,
        community=community,
        edges=edges,
        families=tuple(_families(keys, membership, pair_p, edges, names, releases, calibrate)),
    )


def split_rivals(
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
        left = membership[loser]
        membership[loser] = fresh
        fresh += 1
        # groups the loser alone tied to the community leave with it (or alone): a community
        # is held together by its own edges, never by a member that was split out
        rest = [g for g, c in enumerate(membership) if c == left]
        parts = _components(rest, a_ids, b_ids, weights)
        parts.sort(key=len, reverse=True)
        rivals_of_loser = {o for r in rivals for o in r if loser in r and o != loser}
        touches = ((a_ids == loser) | (b_ids == loser)) & (weights > 0)
        neighbours = set(np.where(a_ids[touches] == loser, b_ids[touches], a_ids[touches]).tolist())
        for part in parts[1:]:
            linked = bool(neighbours & set(part))
            target = membership[loser] if linked and not rivals_of_loser & set(part) else fresh
            fresh += target == fresh
            for g in part:
                membership[g] = target


def _components(
    nodes: list[int], a_ids: np.ndarray, b_ids: np.ndarray, weights: np.ndarray
) -> list[list[int]]:
    """Connected parts of `nodes` over the edges that carry weight."""
    inside = set(nodes)
    parent = {n: n for n in nodes}

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for u, v, w in zip(a_ids.tolist(), b_ids.tolist(), weights.tolist(), strict=True):
        if w > 0 and u in inside and v in inside:
            parent[root(u)] = root(v)
    parts: dict[int, list[int]] = {}
    for n in nodes:
        parts.setdefault(root(n), []).append(n)
    return list(parts.values())


def _edges(
    evidence: dict[str, np.ndarray],
    probability: np.ndarray,
    keep: np.ndarray,
    contributions: dict[str, np.ndarray],
    names: list[str],
) -> list[AffiliationEdge]:
    out = []
    for i in np.flatnonzero(keep).tolist():
        gap, window = evidence["mean_gap_s"][i], evidence["window_s"][i]
        carried = tuple(k for k, c in contributions.items() if c[i] >= model.CARRY_LOGIT)
        against = tuple(k for k, c in contributions.items() if c[i] <= -model.CARRY_LOGIT)
        out.append(
            AffiliationEdge(
                group_a=names[int(evidence["a"][i])],
                group_b=names[int(evidence["b"][i])],
                weight=float(probability[i]),
                shared_titles=int(evidence["shared"][i]),
                together=int(evidence["together"][i]),
                mean_gap_s=None if np.isnan(gap) else float(gap),
                races=int(evidence["races"][i]),
                retail_together=int(evidence["retail_together"][i]),
                coactivity=float(evidence["coactivity"][i]),
                ended_together=bool(evidence["ended_together"][i]),
                tight=int(evidence["tight"][i]),
                window_s=None if np.isnan(window) else float(window),
                expected_shared=float(evidence["expected_shared"][i]),
                early_together=int(evidence["early_together"][i]),
                dupe_nukes=int(evidence["dupe_nukes"][i]),
                format_overlap=float(evidence["format_overlap"][i]),
                specialty_overlap=float(evidence["specialty_overlap"][i]),
                started_together=bool(evidence["started_together"][i]),
                span_mismatch=bool(evidence["span_mismatch"][i]),
                carried_by=carried,
                against=against,
            )
        )
    return sorted(out, key=lambda e: (-e.weight, e.group_a, e.group_b))


def membership_scores(
    members: list[int], pair_p: dict[tuple[int, int], float]
) -> tuple[list[float], float]:
    """Raw scores before calibration: a member belongs if any inside pair says so (noisy-or of
    its pairs' probabilities); a family is right if every member belongs (their product)."""
    raw = []
    for m in members:
        miss = 1.0
        for o in members:
            if o != m:
                miss *= 1.0 - pair_p.get((min(m, o), max(m, o)), 0.0)
        raw.append(1.0 - miss)
    return raw, float(np.prod(raw))


def _families(
    keys: list[str],
    membership: list[int],
    pair_p: dict[tuple[int, int], float],
    edges: tuple[AffiliationEdge, ...],
    names: dict[str, str],
    releases: dict[str, int],
    calibrate: bool = True,
) -> list[Family]:
    members: dict[int, list[int]] = {}
    for gid, cid in enumerate(membership):
        members.setdefault(cid, []).append(gid)
    families = []
    for gids in members.values():
        if len(gids) < 2:
            continue
        gids.sort(key=lambda g: (-releases[keys[g]], keys[g]))
        raw, family_raw = membership_scores(gids, pair_p)
        inside_names = {names[keys[g]] for g in gids}
        inside = tuple(e for e in edges if e.group_a in inside_names and e.group_b in inside_names)
        kinds = tuple(sorted({k for e in inside for k in e.carried_by}))
        families.append(
            Family(
                family_id=0,
                members=tuple(names[keys[g]] for g in gids),
                member_keys=tuple(keys[g] for g in gids),
                confidence=float(model.FAMILY(np.array([family_raw]))[0])
                if calibrate
                else family_raw,
                edges=inside,
                memberships=tuple(
                    float(p) for p in (model.MEMBERSHIP(np.array(raw)) if calibrate else raw)
                ),
                evidence_kinds=kinds,
            )
        )
    families.sort(key=lambda f: (-len(f.members), -f.confidence, f.members))
    return [
        Family(
            i + 1, f.members, f.member_keys, f.confidence, f.edges, f.memberships, f.evidence_kinds
        )
        for i, f in enumerate(families)
    ]
