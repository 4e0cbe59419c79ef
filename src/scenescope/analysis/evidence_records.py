"""The triage's result records: releases and discs found on each medium, each medium's role
with its evidence, and the case across its media. Frozen, with `to_dict()` for JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

ROLES = ("group-workstation", "pre-server", "courier-archive", "end-user", "unrelated")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def _as_dict(record: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(record, f.name)) for f in fields(record)}


@dataclass(frozen=True, slots=True)
class FoundRelease:
    """One release candidate on one medium, matched (or not) to the record."""

    label: str
    found_name: str  # the folder or file name on the medium
    path: str
    kind: str  # folder / file / rar-set
    match: str  # exact / fields / fields-ambiguous / none
    release: str | None  # the store's release name
    group: str | None
    title_id: str | None
    title: str | None
    pre_at: dt.datetime | None
    first_at: dt.datetime | None  # the earliest file time of the set on this medium
    verdict: str  # before-pre / after-pre / no-pre / no-time / not-in-record
    gap_s: float | None  # pre_at - first_at: positive = held before the pre
    files: int
    size_bytes: int
    nfo: bool
    sfv: bool
    rar_volumes: int
    sample: bool
    proof: bool
    proof_at: dt.datetime | None
    subs: bool
    disc_structure: bool
    parent: str

    @property
    def before_pre(self) -> bool | None:
        return {"before-pre": True, "after-pre": False}.get(self.verdict)

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class FoundDisc:
    """A disc image / structure / rip folder / untagged encode matched to a catalog title."""

    label: str
    name: str
    path: str
    kind: str  # iso / bdmv / video_ts / rip-folder / encode
    title_id: str | None
    title: str | None
    street_date: dt.date | None  # the earliest physical date in the catalog
    first_at: dt.datetime | None
    before_street: bool | None
    lead_days: float | None  # street date - first_at, in days (positive = before)
    leaks: tuple[str, ...] = ()  # retail releases of the title pred before street date
    accounts: tuple[str, ...] = ()  # accounts shipped the title on or before first_at

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class MediumTriage:
    label: str
    source: str
    kind: str
    tool: str
    source_hash: str | None
    seized_at: dt.datetime | None
    timezone: str | None
    entries: int
    skipped_lines: int
    repaired_lines: int
    role: str
    evidence: tuple[str, ...]
    releases: int
    before_pre: int
    after_pre: int
    not_in_record: int
    discs: int
    discs_before_street: int
    median_gap_before_s: float | None
    median_gap_after_s: float | None
    groups: tuple[str, ...]
    families: tuple[str, ...]
    structure: tuple[str, ...]
    first_at: dt.datetime | None
    last_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class CaseTriage:
    """The whole triage of a case (the estimator's result)."""

    case_id: str
    media: tuple[MediumTriage, ...]
    releases: tuple[FoundRelease, ...]
    discs: tuple[FoundDisc, ...]
    shared: tuple[tuple[str, tuple[str, ...]], ...]  # release -> labels holding it (2+)
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # group -> labels
    families: tuple[tuple[str, tuple[str, ...]], ...]  # family -> member groups touched
    problems: tuple[dict[str, Any], ...] = field(default=())

    def medium(self, label: str) -> MediumTriage | None:
        return next((m for m in self.media if m.label == label), None)

    def releases_of(self, label: str) -> list[FoundRelease]:
        return [r for r in self.releases if r.label == label]

    def discs_of(self, label: str) -> list[FoundDisc]:
        return [d for d in self.discs if d.label == label]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "media": [m.to_dict() for m in self.media],
            "releases": [r.to_dict() for r in self.releases],
            "discs": [d.to_dict() for d in self.discs],
            "shared": [{"release": r, "media": list(labels)} for r, labels in self.shared],
            "groups": [{"group": g, "media": list(labels)} for g, labels in self.groups],
            "families": [{"family": f, "groups": list(g)} for f, g in self.families],
            "problems": list(self.problems),
        }
