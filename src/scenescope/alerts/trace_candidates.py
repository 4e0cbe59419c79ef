"""Retail-leak alerts with the accounts the discs likely came from: a fitted trace (rates per
account) plus the shipments already known give a new leak's top candidates without a refit."""

from __future__ import annotations

import dataclasses

from scenescope.alerts.message import Alert
from scenescope.analysis.trace import TraceResult, candidates_for_leak
from scenescope.engine import Engine


def with_candidates(alert: Alert, engine: Engine, trace: TraceResult, top: int = 3) -> Alert:
    """The alert carrying its leak's top candidate accounts (unchanged unless it is a
    retail-disc leak before the physical street date and shipments are known)."""
    leak = alert.leak
    if leak.source_class != "retail-disc" or leak.window != "physical" or leak.lead_days <= 0:
        return alert
    if not engine.has_table("supply_shipments"):
        return alert
    source = engine.scalar("SELECT source FROM releases WHERE name = ?", [leak.release_name])
    found = candidates_for_leak(engine, trace, leak.title_id, leak.pre_at, source, top)
    return dataclasses.replace(alert, candidates=found) if found else alert
