"""The impact study's pictures (Altair → Vega-Lite, rendered by `report.charts.save_chart`) and
its written summary, shared by `scenescope impact --out`, the web page and the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import altair as alt

from scenescope.analysis.impact import ImpactResult
from scenescope.report.charts import save_chart


def counterfactual_chart(result: ImpactResult) -> alt.LayerChart:
    """Weekly observed pres against the counterfactual and its interval band."""
    rows = [
        {
            "week_start": w.week_start.isoformat(),
            "observed": w.observed,
            "expected": round(w.expected, 1),
            "lower": round(w.lower, 1),
            "upper": round(w.upper, 1),
        }
        for w in result.weeks
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(x=alt.X("week_start:T", title="week starting"))
    level = f"{result.params.level:.0%} interval"
    band = base.mark_area(opacity=0.25, color="#4c78a8").encode(
        y=alt.Y("lower:Q", title="pres per week"), y2="upper:Q", tooltip=["lower:Q", "upper:Q"]
    )
    expected = base.mark_line(strokeDash=[5, 3], color="#4c78a8").encode(
        y="expected:Q", tooltip=["week_start:T", "expected:Q"]
    )
    observed = base.mark_line(point=True, color="#e45756").encode(
        y="observed:Q", tooltip=["week_start:T", "observed:Q"]
    )
    title = (
        f"Pres after {result.params.event.isoformat()}: observed (red) vs without the event "
        f"({level})"
    )
    return (band + expected + observed).properties(width=640, height=280, title=title)


def split_chart(result: ImpactResult) -> alt.LayerChart:
    """Missing pres: the targeted groups (removal) vs everyone else (chill), with intervals."""
    rows = [
        {"part": "removal (targeted groups)", **result.direct_lost.to_dict()},
        {"part": "chill (everyone else)", **result.chill_lost.to_dict()},
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(y=alt.Y("part:N", title=None))
    bars = base.mark_bar(color="#72b7b2").encode(
        x=alt.X("value:Q", title="missing pres over the study"), tooltip=["part:N", "value:Q"]
    )
    rules = base.mark_rule(color="black").encode(x="lower:Q", x2="upper:Q")
    return (bars + rules).properties(width=520, height=120, title="Direct removal vs chill")


def gainers_chart(result: ImpactResult) -> alt.Chart:
    """Share of the targeted groups' former slots, before and after, for the top gainers."""
    rows = []
    for g in result.displacement.gainers:
        rows.append({"group": g.group, "period": "before", "share": round(g.share_before, 4)})
        rows.append({"group": g.group, "period": "after", "share": round(g.share_after, 4)})
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="share of the former slots", axis=alt.Axis(format="%")),
            y=alt.Y("group:N", title=None),
            yOffset="period:N",
            color=alt.Color("period:N", sort=["before", "after"]),
            tooltip=["group:N", "period:N", "share:Q"],
        )
        .properties(
            width=520,
            height=40 * max(1, len(result.displacement.gainers)),
            title="Who took the slots",
        )
    )


def tiers_chart(result: ImpactResult) -> alt.Chart:
    """Share of new titles reaching each tier within 7 days, before vs after."""
    rows = [
        {
            "tier": t.tier,
            "period": t.period,
            "reach_7d": round(t.reached[7][0], 4),
            "lower": round(t.reached[7][1], 4),
            "upper": round(t.reached[7][2], 4),
        }
        for t in result.tiers
        if 7 in t.reached
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("tier:N", title=None), yOffset=alt.YOffset("period:N", sort=["before", "after"])
    )
    bars = base.mark_bar().encode(
        x=alt.X(
            "reach_7d:Q", title="new titles on the tier within 7 days", axis=alt.Axis(format="%")
        ),
        color=alt.Color("period:N", sort=["before", "after"]),
        tooltip=["tier:N", "period:N", "reach_7d:Q", "lower:Q", "upper:Q"],
    )
    return bars.properties(width=520, height=200, title="Lower-tier availability")


def summary_text(result: ImpactResult) -> str:
    """A short written summary with the numbers."""
    s = result.summary()
    lines = [
        f"Impact of the event on {s['event']}" + (f" ({s['name']})" if s["name"] else ""),
        "",
        f"Baseline {s['baseline_start']} … {s['baseline_end']}; {s['weeks']} weeks after.",
    ]
    if result.weeks:
        first = result.weeks[0]
        lines.append(
            f"Week 1: {first.observed:,} pres against {first.expected:,.0f} expected "
            f"({first.lower:,.0f}–{first.upper:,.0f}), {first.relative or 0:+.0%}."
        )
    if s["largest_drop"] is not None:
        lines.append(f"Largest drop: week {s['largest_drop_week']}, {s['largest_drop']:+.0%}.")
    m = s["missing"]
    lines.append(
        f"Missing pres over the study: {m['value']:,.0f} ({m['lower']:,.0f}–{m['upper']:,.0f})."
    )
    if s["targeted_groups"]:
        share = s["direct_share"]
        lines.append(
            f"Removal of {', '.join(s['targeted_groups'])}: {s['direct_lost']:,.0f} pres; "
            f"chill among everyone else: {s['chill_lost']:,.0f}"
            + (f" (the removal is {share:.0%} of the loss)." if share is not None else ".")
        )
    for level in (50, 90):
        days = s[f"recovery_{level}_days"]
        lines.append(
            f"Back to {level}% of the counterfactual: "
            + (f"after {days} days." if days is not None else "not within the study.")
        )
    quiet = [c for c in s["categories_week1"] if c["ratio"] is not None and c["ratio"] < 0.5]
    if quiet:
        shown = ", ".join(
            f"{c['category']} {c['ratio']:.0%}"
            + (f" ({c['zero_days']} day(s) at zero)" if c["zero_days"] else "")
            for c in quiet[:6]
        )
        lines.append(f"Sections under half their usual volume in week 1: {shown}.")
    if s["gainers"]:
        top = ", ".join(f"{g['group']} ({g['gain']:+.0%})" for g in s["gainers"][:3])
        lines.append(f"Gained the targeted groups' slots: {top}.")
    for r in s["returns"]:
        if r["returned"]:
            lines.append(f"{r['group']} came back on {r['first_pre_after'][:10]}.")
        elif r["successor"]:
            lines.append(
                f"{r['group']} did not come back under its name; its successor: "
                f"{r['successor']} (successor score {r['successor_score']:.2f}, "
                "`scenescope successors`)."
            )
    lines += ["", "Method: " + s["method"] + "."]
    return "\n".join(lines) + "\n"


def write_report(result: ImpactResult, folder: Path) -> list[Path]:
    """Charts (PNG, SVG, Vega-Lite), summary.txt and impact.json with every figure."""
    folder.mkdir(parents=True, exist_ok=True)
    written = save_chart(counterfactual_chart(result), folder, "counterfactual")
    if result.params.groups:
        written += save_chart(split_chart(result), folder, "direct_vs_chill")
    if result.displacement.gainers:
        written += save_chart(gainers_chart(result), folder, "gainers")
    if result.tiers:
        written += save_chart(tiers_chart(result), folder, "tiers")
    summary = folder / "summary.txt"
    summary.write_text(summary_text(result), encoding="utf-8")
    document = folder / "impact.json"
    document.write_text(json.dumps(result.to_dict(), indent=1, default=_default), "utf-8")
    return [*written, summary, document]


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")
