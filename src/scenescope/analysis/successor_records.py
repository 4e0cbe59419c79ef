"""What the successors analysis is told and what it answers: its settings, each ranked
candidate with the evidence that carried it, and the result (analysis.successors scores them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SuccessorSettings:
    """How far around the silence to look, and how the evidence is weighed."""

    before_days: float = 14.0  # a successor may start a little before the old group stops
    after_days: float = 84.0  # ... and up to twelve weeks after
    min_releases: int = 5
    # the profile test: a candidate whose releases' signatures (section, format as written)
    # could be a sample of the dark group's passes the chi-square test at this z (0.1%);
    # samples count at most this many releases, so a big group may drift a little
    profile_z: float = 3.09
    max_sample: float = 300.0
    drift: float = 0.05  # chance a true successor changed its profile enough to fail the test
    # field groups added to each chance count: none of 270 alike is no proof that a newcomer
    # looks this alike less than once in 270 (and a rare profile has many candidates to match)
    chance_pseudo: float = 1.0
    peers: int = 5  # look-alike peers: the field groups closest to the dark group's profile
    partner_weight: float = 6.0  # log-likelihood per unit partner cosine above the peers'
    continuity_weight: float = 4.0  # ... per unit share of continued works above the peers'
    pseudo_releases: float = 20.0  # a candidate with this many releases gets half that weight
    min_continued_works: int = 2  # works others continued after the silence before it counts
    after_share: float = 0.9  # share of successors that start after the silence, not before
    # prior that a dark group has a successor among its candidates: groups that went dark at
    # the same hour as others (a raid) rename more often than a group that fades alone
    prior_alone: float = 0.05  # chosen on the tuning seeds: the top look-alike there 0.66
    prior_joint: float = 0.5
    joint_hours: float = 6.0
    lead_scale_days: float = 7.0  # median leads this far apart: similarity e^-1 (shown only)
    min_leads: int = 5  # matched releases needed before a group's lead profile counts
    # the supply test: a group with a supply (a share of its releases `early_days` or more
    # before their official date) is continued by one that keeps at least `lead_keep` of that
    # share with a similar early lead (within `lead_tolerance_days`, or that share of it)
    early_days: float = 2.0
    min_supply_share: float = 0.3  # the dark group's early share before its supply counts
    lead_keep: float = 0.25
    lead_tolerance_days: float = 4.0
    lead_tolerance_share: float = 0.35
    lead_drift: float = 0.2  # chance a true successor lost the supply or changed its lead
    # the rhythm: log-likelihood per unit hour/weekday cosine above the peers' (both signs)
    rhythm_weight: float = 6.0
    threshold: float = 0.8  # a candidate with at least this probability is reported
    top: int = 5  # candidates kept per dark group
    now: dt.datetime | None = None  # "now" for dormancy (default: the store's last pre)


@dataclass(frozen=True, slots=True)
class SuccessorCandidate:
    """A possible successor of a group that went dark, with its score and the evidence."""

    predecessor: str
    successor: str
    rank: int  # 1 = best candidate for this predecessor
    score: float  # 0..1: the probability that this candidate is the successor
    predecessor_last_pre: dt.datetime
    successor_first_pre: dt.datetime
    gap_days: float  # successor's first pre minus predecessor's last pre
    specialty_similarity: float  # 1 - half the signature divergence: 1 = the same mix
    title_overlap: float  # share of the works others continued after the silence it continued
    timing_similarity: float  # clock profile (hour, weekday) and lead against official dates
    volume_ratio: float  # smaller weekly rate over the larger
    lead_days: tuple[float | None, float | None] = (None, None)  # median lead, old and new
    partner_similarity: float = 0.0  # cosine of the groups each dropped together with
    runner_up: str | None = None  # for rank 1: the next candidate, and its score
    runner_up_score: float | None = None
    above_threshold: bool = False  # rank 1 and scoring at least the threshold
    profile_consistent: bool = False  # its releases could be a sample of the dark group's
    field_size: int = 0  # groups active across the silence (what chance looks like)
    field_as_close: int = 0  # of those, how many pass the profile test at its sample size
    partner_margin: float = 0.0  # partner cosine above its look-alike peers' median
    continuity_margin: float = 0.0  # continued share above its look-alike peers' (same volume)
    rhythm_margin: float = 0.0  # hour/weekday cosine above its look-alike peers' median
    supply: str = ""  # "kept": early discs with the dark group's lead; "lost"; "" no evidence
    field_supplied: int = 0  # field groups with a supply like the dark group's
    early_share: tuple[float | None, float | None] = (None, None)  # share pred early, old/new
    likelihood_ratio: float = 1.0  # P(evidence | successor) / P(evidence | a field group)

    @property
    def margin(self) -> float | None:
        """How far the best candidate leads the next (None below rank 1 or alone)."""
        if self.rank != 1:
            return None
        return self.score - (self.runner_up_score or 0.0)

    def chance(self) -> str:
        """What the profile evidence is worth, in words."""
        if not self.profile_consistent:
            words = "its releases do not look like a sample of the dark group's"
        else:
            words = (
                f"{self.field_as_close} of {self.field_size} groups active at the silence look "
                "as much like the dark group"
            )
        if self.supply == "kept":
            words += (
                f"; it pres discs early with the dark group's lead, as {self.field_supplied} "
                "of those groups do"
            )
        elif self.supply == "lost":
            words += "; it does not pre discs early as the dark group did"
        return words

    def describe(self) -> str:
        kind = "likely" if self.above_threshold else "possible"
        return f"{kind} successor of {self.predecessor} (score {self.score:.2f}; {self.chance()})"

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
                "profile_consistent": self.profile_consistent,
                "field_size": self.field_size,
                "field_as_close": self.field_as_close,
                "partner_margin": round(self.partner_margin, 4),
                "continuity_margin": round(self.continuity_margin, 4),
                "rhythm_margin": round(self.rhythm_margin, 4),
                "supply": self.supply,
                "field_supplied": self.field_supplied,
                "early_share": [None if v is None else round(v, 4) for v in self.early_share],
                "likelihood_ratio": round(self.likelihood_ratio, 4),
            },
        }


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
