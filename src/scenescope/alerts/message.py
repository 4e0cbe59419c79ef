"""The alert record sinks deliver: which rule fired, why (first / proper / dupe), the leak.

It also renders the alert as text, safely: release names are data, so every renderer
escapes for its medium (JSON encoding, Slack mrkdwn, single-line email headers).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from scenescope.analysis.records import Leak

ALERT_REASONS: tuple[str, ...] = ("first", "proper", "dupe", "test")

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule firing on one leak; `alert_id` is the store's id (0 for a sample)."""

    alert_id: int
    rule: str
    reason: str  # one of ALERT_REASONS
    leak: Leak
    created_at: dt.datetime  # UTC
    # retail leaks: the likeliest supply accounts (account_id, probability) from the shipments
    # known when the alert was made (alerts.trace_candidates); empty when not traced
    candidates: tuple[tuple[str, float], ...] = ()

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(self.leak)

    def summary(self) -> str:
        """One plain-text line; control characters in names are flattened to spaces."""
        leak = self.leak
        lead = f"{leak.lead_days:.1f} days" if leak.lead_days >= 1 else f"{leak.lead_hours:.1f} h"
        window = f" before {leak.window}" if leak.window else ""
        group = f" by {leak.group}" if leak.group else ""
        label = "" if self.reason == "first" else f" [{self.reason}]"
        return single_line(
            f"Leak{label}: {leak.title} ({leak.source_class}{group}), {lead}{window}"
            f" — {leak.severity}: {leak.release_name}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "rule": self.rule,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "summary": self.summary(),
            "leak": self.leak.to_dict(),
            **(
                {"candidates": [{"account_id": a, "probability": round(p, 4)}
                                for a, p in self.candidates]}
                if self.candidates
                else {}
            ),
        }  # fmt: skip


def dedupe_key(leak: Leak) -> str:
    """Alerts are unique per (title, source class, group); the key is stored, not parsed."""
    return "\x1f".join((leak.title_id, leak.source_class, leak.group or ""))


def single_line(text: str) -> str:
    """Text with every control/line-break character replaced by one space (header-safe)."""
    return _CONTROL_CHARS.sub(" ", text).strip()


def is_proper(release_name: str) -> bool:
    """True for a PROPER (another group's fix): the PROPER token anywhere in the name."""
    tokens = re.split(r"[.\s_\-()\[\]]+", release_name.upper())
    return "PROPER" in tokens


def leak_from_dict(data: dict[str, Any]) -> Leak:
    """Rebuild a Leak from `Leak.to_dict()` output (as stored with each alert)."""
    official = data.get("official_date")
    return Leak(
        release_name=data["release_name"],
        title_id=data["title_id"],
        title=data["title"],
        source_class=data["source_class"],
        pre_at=dt.datetime.fromisoformat(data["pre_at"]).astimezone(dt.UTC),
        lead_days=float(data["lead_days"]),
        severity=data["severity"],
        group=data.get("group"),
        studio=data.get("studio"),
        official_date=dt.date.fromisoformat(official) if official else None,
        territory=data.get("territory"),
        window=data.get("window"),
        nuke_status=data.get("nuke_status") or "live",
    )


def sample_leak(now: dt.datetime | None = None) -> Leak:
    """A made-up leak for `scenescope alerts test` (clearly labelled as a sample)."""
    now = now or dt.datetime.now(dt.UTC)
    return Leak(
        release_name="Sample.Title.2024.1080p.BluRay.x264-SAMPLE",
        title_id="sample",
        title="Sample Title (scenescope test alert)",
        source_class="retail-disc",
        pre_at=now,
        lead_days=13.0,
        severity="pre-physical-7d",
        group="SAMPLE",
        studio="Sample Studio",
        official_date=(now + dt.timedelta(days=13)).date(),
        territory="US",
        window="physical",
    )
