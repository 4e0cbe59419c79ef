"""Families and successors against the truth of several unseen worlds, through the production
path, beside the previous heuristic (the peer, measured on the same evidence in the same run).

Per seed: simulate a world (files; variants: the default, without a successor, families of two),
ingest pres and nukes through the file feed into a real store, import the catalog and match
titles; infer families and successors; score them. Then worlds from the independent generator
(tests/test_families_independent.py: other timings, racing and busy independents). Prints per
world ARI (groups with >= 20 releases), false families, the successor's rank, score and
runner-up; then the reliability tables (probability bins vs share right) of families and
memberships, for ours and the peer.

    .venv/bin/python benchmarks/families.py --seeds 10 --scale 0.1
    .venv/bin/python benchmarks/families.py --calibrate     # refit on the calibration seeds
    .venv/bin/python benchmarks/families.py --successors    # each seed with and without one
    .venv/bin/python benchmarks/families.py --successors --tuning  # on the calibration seeds

The reported seeds (101.., independent 301..) are never the calibration seeds (CALIBRATION).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scenescope.analysis import affiliation_model as model
from scenescope.analysis.affiliation import (
    AffiliationResult,
    AffiliationSettings,
    Families,
    build_result,
)
from scenescope.analysis.affiliation_evidence import pair_evidence
from scenescope.analysis.family_metrics import (
    FamilyMetric,
    SuccessorMetric,
    family_outcomes,
    reliability_table,
)
from scenescope.analysis.successors import (
    SuccessorCandidate,
    SuccessorResult,
    Successors,
    SuccessorSettings,
)
from scenescope.catalog.importer import import_catalog
from scenescope.catalog.match_run import match_releases
from scenescope.engine import Engine
from scenescope.feeds.files import FileFeed
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate
from scenescope.world.truth_records import WorldTruth

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_families_independent import generate

CALIBRATION = {
    "simulated": (11, 29, 2024, 7001, 7002, 7003, 7004, 7005),
    "independent": (41, 43, 47, 53),
}
FAMILIES_OF_TWO: dict[str, Any] = {
    "families": [
        {
            "family_id": "F1",
            "members": ["EMBERS", "NEWTS"],
            "specialty": "retail-disc",
            "formats": [["1080p.bluray.x264"], ["720p.bluray.x264", "bdrip"]],
            "fronts": 3,
            "title_coverage": 0.5,
            "lead_days_mean": 13.0,
            "founded": "2011-03-01",
        },
        {
            "family_id": "F2",
            "members": ["VOLTAGE", "AMPERE"],
            "specialty": "web",
            "formats": [["1080p.web.h264", "2160p.web.h265"], ["720p.web.h264", "web.h264.sd"]],
            "fronts": 0,
            "title_coverage": 0.35,
            "lead_days_mean": 0.0,
            "founded": "2016-05-01",
        },
        {
            "family_id": "F3",
            "members": ["LUMEN", "FLAMME"],
            "specialty": "foreign-fr",
            "formats": [["french.1080p.bluray.x264"], ["french.dvdr", "french.720p.bluray.x264"]],
            "fronts": 1,
            "title_coverage": 0.3,
            "lead_days_mean": 4.0,
            "founded": "2015-02-01",
        },
    ]
}
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "no successor": {"enforcement": {"successor_name": ""}},
    "families of two": FAMILIES_OF_TWO,
}


@dataclass
class World:
    label: str
    engine: Engine
    truth: WorldTruth
    store: Store | None = None


def simulated(directory: Path, seed: int, scale: float, variant: str) -> World:
    config = load_config(overrides=VARIANTS[variant] or None).with_world(
        seed=seed, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31), scale=scale
    )
    files = directory / f"world-{seed}"
    simulate(config, files)
    store = Store.open(directory / f"world-{seed}.duckdb")
    store.apply(FileFeed(files / "pres.csv"))
    store.apply(FileFeed(files / "nukes.csv"))
    import_catalog(
        store, [files / "titles.csv", files / "release_dates.csv", files / "episodes.csv"]
    )
    match_releases(store)
    return World(f"seed {seed} ({variant})", Engine.of(store), WorldTruth.load(files), store)


def independent(directory: Path, seed: int) -> World:
    pres, nukes, truth = generate(seed)
    store = Store.open(directory / f"independent-{seed}.duckdb")
    store.apply(pres)
    store.apply(nukes)
    return World(f"independent {seed}", Engine.of(store), WorldTruth.from_dict(truth), store)


def worlds(
    directory: Path, seeds: list[int], scale: float, independents: list[int]
) -> Iterator[World]:
    names = list(VARIANTS)
    for i, seed in enumerate(seeds):
        yield simulated(directory, seed, scale, names[i % len(names)])
    for seed in independents:
        yield independent(directory, seed)


def evidence_of(
    world: World, settings: AffiliationSettings
) -> tuple[dict[str, np.ndarray], list[tuple[Any, ...]]]:
    """The pair evidence and the eligible groups (key, name, releases) of one world."""
    with world.engine.scratch() as pad:
        evidence, eligible = pair_evidence(world.engine, pad, settings)
        rows = world.engine.rows(
            f"SELECT e.group_key, n.group_name, e.releases FROM {eligible} e "
            f"JOIN {world.engine.relation('group_names')} n USING (group_key) ORDER BY e.gid"
        )
    return evidence, rows


def peer_result(world: World, settings: AffiliationSettings) -> AffiliationResult:
    """The previous heuristic on the same evidence: weight = lifted share² × race discount ×
    activity × retail, confidence = internal weight share × pair density."""
    evidence, rows = evidence_of(world, settings)
    x = model.features(evidence, settings.prior_titles, settings.together_window_s)
    lift = x[:, model.FEATURES.index("lift")] if len(x) else np.zeros(0)
    f = {k: np.asarray(v, dtype=float) for k, v in evidence.items()}
    smaller = np.maximum(np.minimum(f.get("titles_a", 0), f.get("titles_b", 0)), 1)
    weight = (
        lift**2
        * (1 - f["races"] / np.maximum(f["shared"], 1)) ** 2
        * (0.6 + 0.2 * f["coactivity"] + 0.2 * (f["ended_together"] > 0))
        * (1 + 0.5 * np.minimum(f["retail_together"] / smaller, 1))
    )
    weight[(f["together"] < settings.min_together) | (weight < 0.15)] = 0.0
    loose = dataclasses.replace(settings, min_probability=0.15)  # the old min_weight
    result = build_result(evidence, rows, loose, probability=weight, calibrate=False)
    strength: dict[str, float] = {}
    for e in result.edges:
        for name in (e.group_a, e.group_b):
            strength[name] = strength.get(name, 0.0) + e.weight
    families = []
    for fam in result.families:
        internal = sum(e.weight for e in fam.edges)
        total = sum(strength.get(m, 0.0) for m in fam.members) - internal
        density = len(fam.edges) / (len(fam.members) * (len(fam.members) - 1) / 2)
        confidence = (internal / total if total > 0 else 0.0) * density
        families.append(
            type(fam)(
                fam.family_id,
                fam.members,
                fam.member_keys,
                confidence,
                fam.edges,
                tuple(confidence for _ in fam.members),
                fam.evidence_kinds,
            )
        )
    return AffiliationResult(
        result.groups,
        result.names,
        result.releases,
        result.community,
        result.edges,
        tuple(families),
    )


def calibrate(directory: Path, scale: float) -> None:
    """Fit the edge model on the calibration worlds' candidate pairs, then the Platt maps of
    the membership and family scores on the families it finds; print them as Python."""
    settings = AffiliationSettings()
    cases = list(
        worlds(directory, list(CALIBRATION["simulated"]), scale, list(CALIBRATION["independent"]))
    )
    xs, ys, kept = [], [], []
    for world in cases:
        evidence, rows = evidence_of(world, settings)
        labels = world.truth.family_labels()
        keys = [str(r[0]) for r in rows]
        same = np.array(
            [
                labels.get(keys[int(a)], "solo:a") == labels.get(keys[int(b)], "solo:b")
                and not labels.get(keys[int(a)], "solo:").startswith("solo:")
                for a, b in zip(evidence["a"], evidence["b"], strict=True)
            ],
            dtype=float,
        )
        xs.append(model.features(evidence, settings.prior_titles, settings.together_window_s))
        ys.append(same)
        kept.append((world, evidence, rows))
        print(f"{world.label}: {len(same)} candidate pairs, {int(same.sum())} same-family")
    edge = model.fit_edge_model(np.vstack(xs), np.concatenate(ys))
    raw_members, right_members, raw_families, right_families = [], [], [], []
    for world, evidence, rows in kept:
        result = build_result(evidence, rows, settings, edge_model=edge, calibrate=False)
        for outcome in family_outcomes(result, world.truth):
            raw_families.append(outcome.confidence)
            right_families.append(outcome.right)
            raw_members.extend(outcome.memberships)
            right_members.extend(outcome.members_right)
    membership = model.fit_platt(np.array(raw_members), np.array(right_members))
    family = model.fit_platt(np.array(raw_families), np.array(right_families))
    print(f"EDGE_MODEL = {edge!r}")
    print(f"MEMBERSHIP = {membership!r}")
    print(f"FAMILY = {family!r}")
    for world in cases:
        if world.store is not None:
            world.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="simulated worlds to report")
    parser.add_argument("--first-seed", type=int, default=101)
    parser.add_argument("--independent", type=int, default=3, help="independent worlds")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--min-releases", type=int, default=20)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument(
        "--successors", action="store_true", help="successors only, each seed with and without"
    )
    parser.add_argument(
        "--tuning", action="store_true", help="the calibration seeds (what settings are chosen on)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.calibrate:
            calibrate(Path(tmp), args.scale)
            return
        if args.successors:
            seeds = [args.first_seed + i for i in range(args.seeds)]
            if args.tuning:
                seeds = list(CALIBRATION["simulated"])
            successor_report(Path(tmp), seeds, args.scale)
            return
        seeds = [args.first_seed + i for i in range(args.seeds)]
        report(Path(tmp), seeds, args.scale, [301 + i for i in range(args.independent)], args)


def report(
    directory: Path, seeds: list[int], scale: float, independents: list[int], args: Any
) -> None:
    ours, peers, ranks = [], [], []
    family_metric = FamilyMetric(min_releases=args.min_releases)
    timings = {"families": 0.0, "successors": 0.0}
    print(f"{'world':<30} {'ARI':>7} {'peer':>7} {'false':>5} {'peer':>5}  successor")
    for world in worlds(directory, seeds, scale, independents):
        started = time.perf_counter()
        result = Families().fit(world.engine)
        timings["families"] += time.perf_counter() - started
        started = time.perf_counter()
        successors: SuccessorResult = Successors().fit(world.engine)
        timings["successors"] += time.perf_counter() - started
        peer = peer_result(world, AffiliationSettings())
        score, peer_score = (
            family_metric.score(result, world.truth),
            family_metric.score(peer, world.truth),
        )
        ours.append(family_outcomes(result, world.truth))
        peers.append(family_outcomes(peer, world.truth))
        succession = SuccessorMetric().score(successors, world.truth)
        ranks.append(succession)
        print(
            f"{world.label:<30} {score['ari'] or 0:7.4f} {peer_score['ari'] or 0:7.4f} "
            f"{int(score['false_families'] or 0):5d} {int(peer_score['false_families'] or 0):5d}  "
            f"{succession.details['summary']}"
        )
        if world.store is not None:
            world.store.close()
    for label, outcomes in (("ours", ours), ("peer (previous heuristic)", peers)):
        flat = [o for per_world in outcomes for o in per_world]
        print(f"\nreliability, families ({label}): probability bin, families, share right")
        for line in reliability_table([o.confidence for o in flat], [o.right for o in flat]):
            print("  " + line)
        members = [
            (p, r) for o in flat for p, r in zip(o.memberships, o.members_right, strict=True)
        ]
        print(f"reliability, memberships ({label}):")
        for line in reliability_table([p for p, _ in members], [r for _, r in members]):
            print("  " + line)
        high = [o.right for o in flat if o.confidence >= 0.9]
        high_m = [r for p, r in members if p >= 0.9]
        print(
            f"  families >= 0.9 right: {sum(high)}/{len(high)}; "
            f"memberships >= 0.9 right: {sum(high_m)}/{len(high_m)}"
        )
    simulated_ranks = [s for s in ranks if s.details.get("true_pairs")]
    first = sum(1 for s in simulated_ranks if s["first_share"] == 1.0)
    above = sum(1 for s in simulated_ranks if s["first_above_threshold_share"] == 1.0)
    print(
        f"\nsuccessor ranked first in {first} of {len(simulated_ranks)} worlds with one "
        f"({above} of them above the threshold); "
        f"worlds without one reporting a successor above the threshold: "
        f"{sum(1 for s in ranks if not s.details.get('true_pairs') and s['reported'])}"
    )
    print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))


def naive_successors(result: SuccessorResult) -> dict[str, SuccessorCandidate]:
    """The peer: per dark group, the newcomer whose releases look most alike (raw signature
    similarity, no chance level), scored by that similarity."""
    best: dict[str, SuccessorCandidate] = {}
    for c in result.candidates:
        key = c.predecessor.lower()
        if key not in best or c.specialty_similarity > best[key].specialty_similarity:
            best[key] = c
    return best


def successor_line(result: SuccessorResult, truth: WorldTruth) -> str:
    """Ours and the naive peer on one world: the true successor's rank, score and runner-up, or
    (no successor) the top score against the threshold."""
    naive = naive_successors(result)
    threshold = result.threshold
    if truth.successors:
        parts = []
        for s in truth.successors:
            mine = [c for c in result.candidates if c.predecessor.lower() == s.old.lower()]
            hit = next((c for c in mine if c.successor.lower() == s.new.lower()), None)
            top = next((c for c in mine if c.rank == 1), None)
            peer = naive.get(s.old.lower())
            runner = (
                (top.runner_up_score or 0.0) if top and hit is top else (top.score if top else 0)
            )
            parts.append(
                f"{s.old} -> {s.new}: ours rank {hit.rank if hit else '-'} score "
                f"{hit.score if hit else 0:.2f} runner-up "
                f"{runner:.2f}"
                f"{' (above)' if hit and hit.above_threshold else ''}; naive first "
                f"{peer.successor if peer else '-'} {peer.specialty_similarity if peer else 0:.2f}"
            )
        return " | ".join(parts)
    tops = [c for c in result.candidates if c.rank == 1]
    best = max(tops, key=lambda c: c.score, default=None)
    peer = max(naive.values(), key=lambda c: c.specialty_similarity, default=None)
    return (
        f"no successor: ours top {best.score if best else 0:.2f} "
        f"({best.predecessor + '->' + best.successor if best else '-'}) vs threshold "
        f"{threshold:.2f}, {sum(c.above_threshold for c in tops)} above; naive top "
        f"{peer.specialty_similarity if peer else 0:.2f}, "
        f"{sum(c.specialty_similarity >= threshold for c in naive.values())} above"
    )


def successor_report(directory: Path, seeds: list[int], scale: float) -> None:
    """Each seed twice, with the renamed successor and without: ours beside the naive peer."""
    firsts = above = false_worlds = naive_firsts = naive_false = 0
    for seed in seeds:
        for variant in ("default", "no successor"):
            world = simulated(directory / variant.replace(" ", "-"), seed, scale, variant)
            result = Successors().fit(world.engine, SuccessorSettings(top=50))
            print(f"{world.label:<30} {successor_line(result, world.truth)}")
            naive = naive_successors(result)
            if world.truth.successors:
                for s in world.truth.successors:
                    top = next(
                        (
                            c
                            for c in result.candidates
                            if c.predecessor.lower() == s.old.lower() and c.rank == 1
                        ),
                        None,
                    )
                    right = top is not None and top.successor.lower() == s.new.lower()
                    firsts += right
                    above += right and top is not None and top.above_threshold
                    peer = naive.get(s.old.lower())
                    naive_firsts += peer is not None and peer.successor.lower() == s.new.lower()
            else:
                false_worlds += bool(result.successors())
                naive_false += any(
                    c.specialty_similarity >= result.threshold for c in naive.values()
                )
            if world.store is not None:
                world.store.close()
    print(
        f"\nours: true successor first on {firsts} of {len(seeds)} seeds ({above} above the "
        f"threshold); worlds without one reporting one: {false_worlds} of {len(seeds)}"
    )
    print(
        f"naive peer (most alike newcomer): first on {naive_firsts} of {len(seeds)}; worlds "
        f"without one with a newcomer that alike: {naive_false} of {len(seeds)}"
    )


if __name__ == "__main__":
    main()
