"""The charts the workbench pages and the report draw, built with Altair from plain rows.

Each builder takes rows (dicts) and returns an Altair chart or None when there is nothing to
draw; `svg_data_uri` renders one through vl-convert for an `<img>` (an image cannot run
script, so hostile names in axis labels stay inert).
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from scenescope.report.charts import chart_spec

Rows = Sequence[Mapping[str, Any]]
WIDTH = 560


def svg_data_uri(chart: alt.TopLevelMixin | None) -> str | None:
    """The chart as an SVG `data:` URI (None for no chart)."""
    if chart is None:
        return None
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(json.dumps(chart_spec(chart)))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _values(rows: Rows, keys: Sequence[str]) -> list[dict[str, Any]]:
    return [{k: row.get(k) for k in keys} for row in rows]


def leaks_by_studio(rows: Rows, top: int = 12) -> alt.Chart | None:
    """Leaks per studio, stacked by source class."""
    counts = Counter((r.get("studio") or "(unknown)", r.get("source_class")) for r in rows)
    if not counts:
        return None
    totals = Counter[str]()
    for (studio, _), n in counts.items():
        totals[studio] += n
    keep = {s for s, _ in totals.most_common(top)}
    values = [
        {"studio": s, "source_class": c, "leaks": n} for (s, c), n in counts.items() if s in keep
    ]
    return (
        alt.Chart(alt.Data(values=values), title="Leaks by studio and source class")
        .mark_bar()
        .encode(
            x=alt.X("sum(leaks):Q", title="leaks"),
            y=alt.Y("studio:N", sort="-x", title=None),
            color=alt.Color("source_class:N", title="source"),
        )
        .properties(width=WIDTH, height=max(120, 22 * len(keep)))
    )


def lead_histogram(rows: Rows) -> alt.Chart | None:
    """How many days before the official date leaks appeared, per source class."""
    values = _values(
        [r for r in rows if r.get("lead_days") is not None], ["lead_days", "source_class"]
    )
    if not values:
        return None
    return (
        alt.Chart(alt.Data(values=values), title="Lead before the official date (days)")
        .mark_bar()
        .encode(
            x=alt.X("lead_days:Q", bin=alt.Bin(maxbins=40), title="days early"),
            y=alt.Y("count():Q", title="leaks"),
            color=alt.Color("source_class:N", title="source"),
        )
        .properties(width=WIDTH, height=180)
    )


def top_bar(rows: Rows, label: str, value: str, title: str, top: int = 15) -> alt.Chart | None:
    """A horizontal bar per row (the `top` first), e.g. releases per group."""
    values = _values(list(rows)[:top], [label, value])
    values = [v for v in values if v[value] is not None]
    if not values:
        return None
    return (
        alt.Chart(alt.Data(values=values), title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=value.replace("_", " ")),
            y=alt.Y(f"{label}:N", sort="-x", title=None),
        )
        .properties(width=WIDTH, height=max(120, 20 * len(values)))
    )


def trace_ranking(rows: Rows, top: int = 15) -> alt.Chart | None:
    """Accounts by posterior probability of being a leak source, with intervals."""
    values = _values(list(rows)[:top], ["account_id", "name", "posterior", "lower", "upper"])
    if not values:
        return None
    for v in values:
        v["account"] = f"{v['account_id']} {v.get('name') or ''}".strip()
    base = alt.Chart(alt.Data(values=values), title="Likely leak sources (posterior, interval)")
    order = alt.SortField("posterior", order="descending")
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lower:Q", title="probability", scale=alt.Scale(domain=[0, 1])),
        x2="upper:Q",
        y=alt.Y("account:N", sort=order, title=None),
    )
    points = base.mark_point(filled=True, size=60).encode(
        x="posterior:Q", y=alt.Y("account:N", sort=order)
    )
    return (bars + points).properties(width=WIDTH, height=max(120, 22 * len(values)))


def weekly_volume(rows: Rows, title: str) -> alt.Chart | None:
    """Pres per week (rows: week, pres)."""
    values = _values(rows, ["week", "pres"])
    if not values:
        return None
    return (
        alt.Chart(alt.Data(values=values), title=title)
        .mark_bar()
        .encode(x=alt.X("week:T", title=None), y=alt.Y("pres:Q", title="pres"))
        .properties(width=WIDTH, height=160)
    )


def title_timeline(
    dates: Rows, pres: Rows, nukes: Rows, sightings: Rows
) -> alt.TopLevelMixin | None:
    """A title's timeline: official windows per territory (rules), every pre (points by
    source class), nukes and lower-tier sightings."""
    layers: list[alt.Chart] = []
    window_values = [
        {"date": str(d["date"]), "label": f"{d['release_window']} {d['territory']}"} for d in dates
    ]
    if window_values:
        rules = alt.Chart(alt.Data(values=window_values)).mark_rule(strokeDash=[4, 3])
        layers.append(
            rules.encode(
                x=alt.X("date:T", title=None), color=alt.Color("label:N", title="official")
            )
        )
    events = [
        {"at": str(p["pre_at"]), "lane": "pre", "what": p.get("source_class") or "other"}
        for p in pres
        if p.get("pre_at")
    ]
    events += [{"at": str(n["event_at"]), "lane": "nuke", "what": n["kind"]} for n in nukes]
    events += [
        {"at": str(s["seen_at"]), "lane": f"tier: {s['tier']}", "what": s["tier"]}
        for s in sightings
    ]
    if events:
        layers.append(
            alt.Chart(alt.Data(values=events))
            .mark_point(filled=True, size=70)
            .encode(
                x=alt.X("at:T", title=None),
                y=alt.Y("lane:N", title=None),
                shape=alt.Shape("what:N", title="event"),
            )
        )
    if not layers:
        return None
    return alt.layer(*layers, title="Timeline").properties(width=WIDTH, height=180)


def family_graph(nodes: Rows, edges: Rows) -> alt.TopLevelMixin | None:
    """The group graph: nodes placed by a force layout (x, y), coloured by family; edges as
    rules whose width is the affiliation weight."""
    if not nodes:
        return None
    node_values = _values(nodes, ["x", "y", "group", "family", "releases"])
    edge_values = _values(edges, ["x", "y", "x2", "y2", "weight"])
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    lines = (
        alt.Chart(alt.Data(values=edge_values))
        .mark_rule(color="#999999", opacity=0.6)
        .encode(
            x=alt.X("x:Q", axis=axis),
            y=alt.Y("y:Q", axis=axis),
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth("weight:Q", legend=None, scale=alt.Scale(range=[0.5, 5])),
        )
    )
    points = (
        alt.Chart(alt.Data(values=node_values))
        .mark_circle(opacity=0.9)
        .encode(
            x=alt.X("x:Q", axis=axis),
            y=alt.Y("y:Q", axis=axis),
            size=alt.Size("releases:Q", legend=None, scale=alt.Scale(range=[40, 400])),
            color=alt.Color("family:N", title="family"),
            tooltip=["group:N", "family:N", "releases:Q"],
        )
    )
    labels = (
        alt.Chart(alt.Data(values=node_values))
        .mark_text(dx=8, align="left", fontSize=10)
        .encode(x="x:Q", y="y:Q", text="group:N")
    )
    return alt.layer(lines, points, labels, title="Groups and families").properties(
        width=WIDTH + 200, height=480
    )
