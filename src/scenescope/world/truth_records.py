"""The simulator's ground truth as typed records: what metrics score analyses against.

`WorldTruth.load(path)` reads truth.json (a world folder or the file itself). Other worlds
(generated independently) only need to write the same keys; missing sections load empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class TrueLeak:
    release: str
    title_id: str | None
    group: str | None
    source_class: str
    window: str | None
    official_date: dt.date | None
    territory: str | None
    pre_at: dt.datetime | None
    lead_days: float
    family: str | None = None
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class TrueGroup:
    name: str
    family: str | None
    specialty: str | None
    area: str | None
    formats: tuple[str, ...]
    active_from: dt.date | None
    active_until: dt.date | None
    successor_of: str | None

    @property
    def key(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class TrueFamily:
    family_id: str
    members: tuple[str, ...]
    specialty: str | None
    fronts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrueFront:
    account_id: str
    family_id: str
    name: str | None
    country: str | None
    opened_at: dt.date | None
    closed_at: dt.date | None


@dataclass(frozen=True, slots=True)
class TrueSuccessor:
    old: str
    new: str
    active_from: dt.date | None
    first_pre_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TrueWeek:
    """One week around an event: the world's counterfactual and actual pre counts."""

    week: int
    start: dt.date
    end: dt.date
    counterfactual: int
    actual: int
    groups: dict[str, tuple[int, int]]  # group -> (counterfactual, actual)


@dataclass(frozen=True, slots=True)
class TrueEvent:
    kind: str  # operation, ...
    date: dt.date
    at: dt.datetime | None
    family: str | None
    removed_groups: tuple[str, ...]
    removed_fronts: tuple[str, ...]
    weeks: tuple[TrueWeek, ...]
    extra: dict[str, Any] = field(default_factory=dict)  # anything else the world wrote


@dataclass(frozen=True, slots=True)
class TrueDay:
    date: dt.date
    counterfactual: int
    actual: int


@dataclass(frozen=True, slots=True)
class WorldTruth:
    """Everything a world knows about itself that analyses try to recover."""

    seed: int | None
    start: dt.date | None
    end: dt.date | None
    groups: tuple[TrueGroup, ...]
    families: tuple[TrueFamily, ...]
    fronts: tuple[TrueFront, ...]
    leaks: tuple[TrueLeak, ...]
    events: tuple[TrueEvent, ...]
    successors: tuple[TrueSuccessor, ...]
    daily_volume: tuple[TrueDay, ...]
    folder: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # sections not typed here

    @classmethod
    def load(cls, path: Path | str) -> WorldTruth:
        path = Path(path)
        file = path / "truth.json" if path.is_dir() else path
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{file}: cannot read the world's truth: {exc}") from None
        return cls.from_dict(document, folder=file.parent)

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, folder: Path | None = None) -> WorldTruth:
        return cls(
            seed=doc.get("seed"),
            start=_date(doc.get("start")),
            end=_date(doc.get("end")),
            groups=tuple(
                TrueGroup(
                    name=str(g["name"]),
                    family=g.get("family"),
                    specialty=g.get("specialty"),
                    area=g.get("area"),
                    formats=tuple(g.get("formats") or ()),
                    active_from=_date(g.get("active_from")),
                    active_until=_date(g.get("active_until")),
                    successor_of=g.get("successor_of"),
                )
                for g in doc.get("groups") or ()
            ),
            families=tuple(
                TrueFamily(
                    family_id=str(f["family_id"]),
                    members=tuple(f.get("members") or ()),
                    specialty=f.get("specialty"),
                    fronts=tuple(f.get("fronts") or ()),
                )
                for f in doc.get("families") or ()
            ),
            fronts=tuple(
                TrueFront(
                    account_id=str(a["account_id"]),
                    family_id=str(a.get("family_id")),
                    name=a.get("name"),
                    country=a.get("country"),
                    opened_at=_date(a.get("opened_at")),
                    closed_at=_date(a.get("closed_at")),
                )
                for a in doc.get("fronts") or ()
            ),
            leaks=tuple(
                TrueLeak(
                    release=str(leak["release"]),
                    title_id=leak.get("title_id"),
                    group=leak.get("group"),
                    source_class=str(leak.get("source_class")),
                    window=leak.get("window"),
                    official_date=_date(leak.get("official_date")),
                    territory=leak.get("territory"),
                    pre_at=_time(leak.get("pre_at")),
                    lead_days=float(leak.get("lead_days") or 0.0),
                    family=leak.get("family"),
                    account_id=leak.get("account_id"),
                )
                for leak in doc.get("leaks") or ()
            ),
            events=tuple(_event(e) for e in doc.get("events") or ()),
            successors=tuple(
                TrueSuccessor(
                    old=str(s["old"]),
                    new=str(s["new"]),
                    active_from=_date(s.get("active_from")),
                    first_pre_at=_time(s.get("first_pre_at")),
                )
                for s in doc.get("successors") or ()
            ),
            daily_volume=tuple(
                TrueDay(_date(d["date"]) or dt.date.min, int(d["counterfactual"]), int(d["actual"]))
                for d in doc.get("daily_volume") or ()
            ),
            folder=folder,
            raw=doc,
        )

    def release_titles(self) -> dict[str, str]:
        """Release name -> true title_id, for releases of catalog titles (noise has none), from
        the releases file beside truth.json."""
        releases = self.raw.get("releases") or {}
        if self.folder is None:
            return {}
        path = self.folder / str(releases.get("file") or "truth_releases.csv")
        if not path.exists():
            return {}
        with path.open(newline="", encoding="utf-8") as handle:
            return {
                row["name"]: row["title_id"]
                for row in csv.DictReader(handle)
                if row.get("title_id")
            }

    def family_labels(self) -> dict[str, str]:
        """Group key -> true family id; groups outside any family get their own label."""
        labels = {g.key: g.family or f"solo:{g.key}" for g in self.groups}
        for family in self.families:
            for member in family.members:
                labels[member.lower()] = family.family_id
        return labels


_EVENT_KEYS = {"kind", "date", "at", "family", "removed_groups", "removed_fronts", "weeks"}


def _event(doc: dict[str, Any]) -> TrueEvent:
    weeks = tuple(
        TrueWeek(
            week=int(w["week"]),
            start=_date(w["start"]) or dt.date.min,
            end=_date(w["end"]) or dt.date.min,
            counterfactual=int(w["counterfactual"]),
            actual=int(w["actual"]),
            groups={
                name: (int(g["counterfactual"]), int(g["actual"]))
                for name, g in (w.get("groups") or {}).items()
            },
        )
        for w in doc.get("weeks") or ()
    )
    return TrueEvent(
        kind=str(doc.get("kind", "operation")),
        date=_date(doc.get("date")) or dt.date.min,
        at=_time(doc.get("at")),
        family=doc.get("family"),
        removed_groups=tuple(doc.get("removed_groups") or ()),
        removed_fronts=tuple(doc.get("removed_fronts") or ()),
        weeks=weeks,
        extra={k: v for k, v in doc.items() if k not in _EVENT_KEYS},
    )
