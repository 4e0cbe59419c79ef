"""Result records shared between analyses and their consumers (alerts, web, reports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Leak:
    """A release pred before the official window its source class is measured against."""

    release_name: str
    title_id: str
    title: str
    source_class: str  # retail-disc / web / cam / screener / hdtv
    pre_at: dt.datetime  # UTC
    lead_days: float  # official date minus pre time, in days (positive = before)
    severity: str  # e.g. pre-theatrical, pre-digital, pre-physical-7d, pre-physical, screener
    group: str | None = None
    studio: str | None = None
    official_date: dt.date | None = None
    territory: str | None = None
    window: str | None = None  # theatrical / digital / physical / tv
    nuke_status: str = "live"  # live / nuked / deleted

    @property
    def lead_hours(self) -> float:
        return self.lead_days * 24.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "release_name": self.release_name,
            "title_id": self.title_id,
            "title": self.title,
            "studio": self.studio,
            "source_class": self.source_class,
            "group": self.group,
            "pre_at": self.pre_at.isoformat(),
            "official_date": self.official_date.isoformat() if self.official_date else None,
            "territory": self.territory,
            "window": self.window,
            "lead_days": round(self.lead_days, 3),
            "lead_hours": round(self.lead_hours, 1),
            "severity": self.severity,
            "nuke_status": self.nuke_status,
        }
