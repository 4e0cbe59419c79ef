"""The case timeline: one row per medium, each release's earliest file time (coloured by
before/after its pre) and each disc item's, with the pres as ticks. Altair, saved the way
every chart of the project is (`report.charts.save_chart`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from scenescope.analysis.evidence_records import CaseTriage
from scenescope.report.charts import save_chart


def timeline_rows(result: CaseTriage) -> list[dict[str, Any]]:
    """The points of the timeline as plain rows (also written beside the chart)."""
    rows: list[dict[str, Any]] = []
    for r in result.releases:
        if r.first_at is not None:
            rows.append(
                {
                    "medium": r.label,
                    "at": r.first_at.isoformat(),
                    "what": r.verdict,
                    "item": r.release or r.found_name,
                    "group": r.group or "",
                }
            )
        if r.pre_at is not None:
            rows.append(
                {
                    "medium": r.label,
                    "at": r.pre_at.isoformat(),
                    "what": "pre",
                    "item": r.release or r.found_name,
                    "group": r.group or "",
                }
            )
    for d in result.discs:
        if d.first_at is not None:
            what = "disc before street date" if d.before_street else "disc"
            rows.append(
                {
                    "medium": d.label,
                    "at": d.first_at.isoformat(),
                    "what": what,
                    "item": d.title or d.name,
                    "group": "",
                }
            )
    return rows


def timeline_chart(result: CaseTriage) -> alt.TopLevelMixin:
    rows = timeline_rows(result)
    colours = alt.Scale(
        domain=[
            "before-pre",
            "after-pre",
            "not-in-record",
            "pre",
            "disc before street date",
            "disc",
        ],
        range=["#c0392b", "#2e86c1", "#95a5a6", "#222222", "#8e44ad", "#d2b4de"],
    )
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("at:T", title="time (UTC)"),
        y=alt.Y("medium:N", title=None),
        color=alt.Color("what:N", scale=colours, title=None),
        tooltip=["medium:N", "item:N", "group:N", "what:N", "at:T"],
    )
    held = base.transform_filter(alt.datum.what != "pre").mark_point(
        filled=True, size=40, opacity=0.7
    )
    pres = base.transform_filter(alt.datum.what == "pre").mark_tick(thickness=1, opacity=0.5)
    return alt.layer(pres, held).properties(
        title=f"case {result.case_id}: what each medium held, and when (ticks: the pres)", width=900
    )


def save_timeline(result: CaseTriage, folder: Path) -> list[Path]:
    return save_chart(timeline_chart(result), folder, f"{_stem(result.case_id)}-timeline")


def _stem(case_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in case_id) or "case"
