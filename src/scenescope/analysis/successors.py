"""Successors: when a group goes dark, which new group picks up where it left off.

A candidate is a group that first appears within weeks of the dark group's last pre. Its score
is a probability measured against chance: how many of the groups active across the silence
(the field) look as much like the dark group, and whether the candidate continues more of its
drop partners and titles than those look-alike peers do (SQL in `successor_evidence`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis.base import Estimator
from scenescope.analysis.groups import GroupSummary, _utc, dormant_groups
from scenescope.analysis.successor_evidence import LeadProfile, PairEvidence, pair_evidence
from scenescope.analysis.successor_records import (
    SuccessorCandidate,
    SuccessorResult,
    SuccessorSettings,
)
from scenescope.engine import Engine, Source

__all__ = [
    "SuccessorCandidate",
    "SuccessorResult",
    "SuccessorSettings",
    "Successors",
    "find_successors",
]


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
            evidence = pair_evidence(
                engine,
                pad,
                [d.group_key for d in dark],
                min_releases=settings.min_releases,
                before_days=settings.before_days,
                after_days=settings.after_days,
                early_days=settings.early_days,
            )
        return SuccessorResult(_rank(evidence, dark, settings), settings.threshold)


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


@dataclass(frozen=True, slots=True)
class _Weighed:
    """One candidate's evidence against its dark group's field."""

    row: tuple[Any, ...]
    consistent: bool
    as_close: int
    field_size: int
    partner_margin: float
    continuity_margin: float
    rhythm_margin: float
    supply: str  # the supply test: "kept", "lost", "" (no supply to keep, or too few leads)
    field_supplied: int  # field groups with a lead profile like the dark group's
    log_lr: float


def _critical(df: int, z: float) -> float:
    """The chi-square quantile at standard-normal z (Wilson-Hilferty)."""
    df = max(df, 1)
    return float(df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3)


def _weigh(
    old: str, rows: list[tuple[Any, ...]], ev: PairEvidence, settings: SuccessorSettings
) -> list[_Weighed]:
    """The likelihood ratio of each candidate of one dark group: its profile (format and
    flags as written) against the field's at its sample size, its supply (leads) against the
    field's, then partners, continuity and rhythm beyond its look-alike peers."""
    candidates = [r for r in rows if r[10]]
    field = [r for r in rows if not r[10]]
    span = settings.before_days + settings.after_days

    def divergence(row: tuple[Any, ...]) -> tuple[float, int]:
        return ev.divergence.get((old, row[1]), (2.0, 2))

    field_div = np.array([divergence(r)[0] for r in field], dtype=float)
    field_crit = np.array([_critical(divergence(r)[1] - 1, settings.profile_z) for r in field])
    field_partners = np.array([ev.partners.get((old, r[1]), 0.0) for r in field])
    field_continued = np.array([_continued(ev, old, r[1], settings) for r in field])
    field_clock = np.array([ev.clock.get((old, r[1]), np.nan) for r in field], dtype=float)
    field_rate = np.log(np.array([max(float(r[7]), 1e-6) for r in field], dtype=float))
    supply = [_supplied(ev.leads.get(old), ev.leads.get(r[1]), settings) for r in field]
    known = [s for s in supply if s is not None]
    field_supplied = sum(1 for s in known if s)
    out = []
    for row in candidates:
        sample = min(settings.max_sample, row[8] * row[9] / max(row[8] + row[9], 1))
        value, signatures = divergence(row)
        consistent = 2 * sample * value <= _critical(signatures - 1, settings.profile_z)
        # which field groups would pass the same test at this candidate's sample size
        passing = 2 * sample * field_div <= field_crit
        as_close = int(passing.sum())
        share = (as_close + settings.chance_pseudo) / (len(field) + 2 * settings.chance_pseudo)
        log_lr = (
            math.log((1 - settings.drift) / share)
            if consistent
            else math.log(settings.drift / max(1 - share, 1e-9))
        )
        # the supply: a renamed group keeps its discs and their lead; chance is the share of
        # the field with such a supply (no evidence when the dark group had none)
        kept = _supplied(ev.leads.get(old), ev.leads.get(row[1]), settings)
        verdict = ""
        if (
            kept is not None
            and ev.leads.get(old) is not None
            and _has_supply(ev.leads[old], settings)
        ):
            supplied_share = (field_supplied + settings.chance_pseudo) / (
                len(known) + 2 * settings.chance_pseudo
            )
            verdict = "kept" if kept else "lost"
            log_lr += (
                math.log((1 - settings.lead_drift) / supplied_share)
                if kept
                else math.log(settings.lead_drift / max(1 - supplied_share, 1e-9))
            )
        # the look-alike peers: the field groups closest to the dark group's profile
        order = np.argsort(field_div, kind="stable")
        peers = np.zeros(len(field), dtype=bool)
        peers[order[: settings.peers]] = True
        partner_margin = ev.partners.get((old, row[1]), 0.0) - _median(field_partners[peers])
        # continuity grows with volume (a big group continues most works of its niche): its
        # peers are the look-alikes of the closest weekly rate
        alike = order[: max(as_close, 3 * settings.peers)]
        by_rate = alike[np.argsort(np.abs(field_rate[alike] - math.log(max(float(row[7]), 1e-6))))][
            : settings.peers
        ]
        continued = _continued(ev, old, row[1], settings)
        continuity_margin = (
            continued - _median(field_continued[by_rate]) if not math.isnan(continued) else 0.0
        )
        clock = ev.clock.get((old, row[1]))
        # no field, no chance level: the rhythm then says nothing
        rhythm_margin = 0.0 if clock is None or not field else clock - _median(field_clock[peers])
        # a few releases say little about partners, titles and rhythm: shrink towards none
        weight = row[9] / (row[9] + settings.pseudo_releases)
        log_lr += weight * settings.partner_weight * max(partner_margin, 0.0)
        log_lr += weight * settings.continuity_weight * max(continuity_margin, 0.0)
        # a rhythm unlike the old one is no evidence against: a rename often comes with new
        # people, sites and hours (and an hour profile is noisy); only a closer one counts
        log_lr += weight * settings.rhythm_weight * max(rhythm_margin, 0.0)
        # when: most successors start after the silence; newcomers arrive any time
        gap = (row[5] - row[4]).total_seconds() / 86400.0
        if gap >= 0:
            log_lr += math.log(settings.after_share * span / settings.after_days)
        else:
            log_lr += math.log((1 - settings.after_share) * span / settings.before_days)
        out.append(
            _Weighed(
                row,
                consistent,
                as_close,
                len(field),
                partner_margin,
                continuity_margin,
                rhythm_margin,
                verdict,
                field_supplied,
                log_lr,
            )
        )
    return out


def _has_supply(profile: LeadProfile, settings: SuccessorSettings) -> bool:
    return (
        profile.matched >= settings.min_leads
        and profile.early >= settings.min_leads
        and profile.early_share >= settings.min_supply_share
    )


def _supplied(
    old: LeadProfile | None, new: LeadProfile | None, settings: SuccessorSettings
) -> bool | None:
    """Whether `new` has a supply like `old`'s: enough early releases, a similar early lead
    (None: too few leads to tell)."""
    if old is None or new is None or new.matched < settings.min_leads:
        return None
    if not _has_supply(old, settings) or old.early_median_days is None:
        return False
    if new.early_share < settings.lead_keep * old.early_share or new.early_median_days is None:
        return False
    tolerance = max(
        settings.lead_tolerance_days, settings.lead_tolerance_share * old.early_median_days
    )
    return abs(new.early_median_days - old.early_median_days) <= tolerance


def _continued(ev: PairEvidence, old: str, new: str, settings: SuccessorSettings) -> float:
    continued, works = ev.continuity.get((old, new), (0, 0))
    if works < settings.min_continued_works:
        return math.nan if works else 0.0
    return continued / works


def _median(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)] if values.size else values
    return float(np.median(finite)) if finite.size else 0.0


def _rank(
    ev: PairEvidence, dark: list[GroupSummary], settings: SuccessorSettings
) -> tuple[SuccessorCandidate, ...]:
    by_old: dict[str, list[tuple[Any, ...]]] = {}
    for row in ev.pairs:
        by_old.setdefault(str(row[0]), []).append(row)
    last = {d.group_key: d.last_pre_at for d in dark}
    joint = settings.joint_hours * 3600.0
    out: list[SuccessorCandidate] = []
    for old, rows in by_old.items():
        weighed = _weigh(old, rows, ev, settings)
        if not weighed:
            continue
        together = any(
            k != old and abs((at - last[old]).total_seconds()) <= joint for k, at in last.items()
        )
        prior = settings.prior_joint if together else settings.prior_alone
        # one of the candidates (each equally likely beforehand) or none of them
        odds = np.exp(np.array([w.log_lr for w in weighed]) - math.log(len(weighed)))
        score = prior * odds / ((1 - prior) + prior * odds.sum())
        order = sorted(range(len(weighed)), key=lambda i: (-score[i], weighed[i].row[3]))
        second = order[1] if len(order) > 1 else None
        for rank, i in enumerate(order[: settings.top], start=1):
            out.append(_candidate(weighed[i], ev, rank, float(score[i]), settings))
            if rank == 1 and second is not None:
                out[-1] = _with_runner_up(
                    out[-1], weighed[second].row[3], float(score[second]), settings
                )
    out.sort(key=lambda c: (-c.predecessor_last_pre.timestamp(), c.predecessor, c.rank))
    return tuple(out)


def _candidate(
    w: _Weighed, ev: PairEvidence, rank: int, score: float, settings: SuccessorSettings
) -> SuccessorCandidate:
    r = w.row
    old, new = str(r[0]), str(r[1])
    old_profile, new_profile = ev.leads.get(old), ev.leads.get(new)
    old_lead = old_profile.median_days if old_profile else None
    new_lead = new_profile.median_days if new_profile else None
    timing = ev.clock.get((old, new), 0.0)
    if old_lead is not None and new_lead is not None:
        lead = math.exp(-abs(old_lead - new_lead) / settings.lead_scale_days)
        timing = 0.5 * timing + 0.5 * lead
    continued = _continued(ev, old, new, settings)
    return SuccessorCandidate(
        predecessor=r[2],
        successor=r[3],
        rank=rank,
        score=score,
        predecessor_last_pre=_utc(r[4]),
        successor_first_pre=_utc(r[5]),
        gap_days=(r[5] - r[4]).total_seconds() / 86400.0,
        specialty_similarity=1.0 - ev.divergence.get((old, new), (2.0, 2))[0] / 2,
        title_overlap=0.0 if math.isnan(continued) else continued,
        timing_similarity=timing,
        volume_ratio=min(r[6], r[7]) / max(r[6], r[7], 1e-9),
        lead_days=(old_lead, new_lead),
        partner_similarity=ev.partners.get((old, new), 0.0),
        above_threshold=rank == 1 and score >= settings.threshold,
        profile_consistent=w.consistent,
        field_size=w.field_size,
        field_as_close=w.as_close,
        partner_margin=w.partner_margin,
        continuity_margin=w.continuity_margin,
        rhythm_margin=w.rhythm_margin,
        supply=w.supply,
        field_supplied=w.field_supplied,
        early_share=(
            old_profile.early_share if old_profile else None,
            new_profile.early_share if new_profile else None,
        ),
        likelihood_ratio=math.exp(min(w.log_lr, 700.0)),
    )


def _with_runner_up(
    c: SuccessorCandidate, name: str, score: float, settings: SuccessorSettings
) -> SuccessorCandidate:
    import dataclasses

    return dataclasses.replace(c, runner_up=name, runner_up_score=score)
