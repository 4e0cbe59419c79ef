"""The role a medium played, from what the triage found on it, with the evidence in words.

Rules, in order (thresholds are the Scene's rhythm, not one world's):
- too little release material: unrelated;
- most releases held before their pre, or discs before street date: a producer. Minutes
  before (a median lead under `pre_lead_max_s`) with a site tree or pre folders: a pre or
  affiliate server; hours or days, or source discs / encodes: a group workstation;
- otherwise a copy holder: P2P-renamed single files, unpacked video and download folders
  mean an end-user download drive; scene-packed release folders (RAR sets, .nfo, .sfv) and
  section trees mean a courier or archive drive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scenescope.analysis.evidence_records import FoundDisc, FoundRelease
from scenescope.evidence.candidates import Layout


@dataclass(frozen=True, slots=True)
class RoleSettings:
    min_items: int = 2  # fewer releases + discs than this: unrelated
    producer_share: float = 0.5  # of dated releases held before their pre
    pre_lead_max_s: float = 2 * 3600.0  # a pre server holds releases minutes before the pre
    p2p_share: float = 0.5  # single-file releases among the medium's releases


def _minutes(seconds: float) -> str:
    if abs(seconds) < 3600:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def assign_role(
    layout: Layout,
    releases: Sequence[FoundRelease],
    discs: Sequence[FoundDisc],
    settings: RoleSettings | None = None,
) -> tuple[str, tuple[str, ...]]:
    """(role, evidence sentences) for one medium."""
    s = settings or RoleSettings()
    evidence: list[str] = []
    before = [r.gap_s for r in releases if r.verdict == "before-pre" and r.gap_s is not None]
    after = [-r.gap_s for r in releases if r.verdict == "after-pre" and r.gap_s is not None]
    early_discs = [d for d in discs if d.before_street]
    site = bool(layout.site_markers or layout.pre_folders)
    if layout.sections:
        evidence.append(f"section folders: {', '.join(sorted(layout.sections)[:6])}")
    if layout.pre_folders:
        evidence.append(f"pre folders for groups: {', '.join(sorted(layout.pre_folders)[:6])}")
    if layout.site_markers:
        evidence.append(f"site markers: {', '.join(sorted(layout.site_markers)[:6])}")
    matched = [r for r in releases if r.release is not None or r.verdict == "not-in-record"]
    # a disc structure that is no catalog title (a camcorder's AVCHD/BDMV) is no evidence
    titled = [d for d in discs if d.title_id]
    if len(matched) + len(titled) < s.min_items:
        evidence.append(
            f"{len(matched)} release(s) and {len(titled)} title disc item(s): too few to say"
        )
        return "unrelated", tuple(evidence)
    dated = len(before) + len(after)
    if before:
        evidence.append(
            f"{len(before)} of {dated} dated releases held before their pre "
            f"(median {_minutes(_median(before) or 0)} before)"
        )
    if after:
        evidence.append(
            f"{len(after)} of {dated} dated releases arrived after their pre "
            f"(median {_minutes(_median(after) or 0)} after)"
        )
    if discs:
        evidence.append(
            f"{len(discs)} disc item(s) ({', '.join(sorted({d.kind for d in discs}))}), "
            f"{len(early_discs)} held before the street date"
        )
    producer = dated > 0 and len(before) / dated >= s.producer_share
    if producer or (early_discs and len(early_discs) >= max(1, len(after))):
        lead = _median(before)
        if lead is not None and lead <= s.pre_lead_max_s and not early_discs:
            if site:
                evidence.append(
                    "a site tree with minutes-before-pre uploads: a pre/affiliate server"
                )
            return "pre-server", tuple(evidence)
        return "group-workstation", tuple(evidence)
    packed = sum(1 for r in releases if r.kind != "file" and (r.nfo or r.sfv or r.rar_volumes))
    # single files and unpacked folders (video, no RAR set, no .nfo/.sfv): how downloads look
    singles = len(releases) - packed
    if layout.download_markers:
        evidence.append(f"download folders: {', '.join(sorted(layout.download_markers)[:6])}")
    if layout.download_files:
        evidence.append(f"{layout.download_files} torrent/nzb/partial-download files")
    if releases and singles / len(releases) >= s.p2p_share:
        evidence.append(
            f"{singles} of {len(releases)} releases are single (P2P-named) files or unpacked"
        )
        return "end-user", tuple(evidence)
    if packed and packed >= singles:
        evidence.append(f"{packed} scene-packed release folders (RAR sets, .nfo, .sfv)")
        return "courier-archive", tuple(evidence)
    return (
        "end-user" if layout.download_markers or layout.download_files else "courier-archive"
    ), tuple(evidence)
