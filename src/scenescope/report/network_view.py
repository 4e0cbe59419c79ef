"""The affiliation graph as files for people and tools: GraphML (igraph) for Gephi or
Cytoscape, and a self-contained interactive HTML view (inline SVG + JS, no network access).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scenescope.analysis.affiliation import AffiliationResult


def to_igraph(result: AffiliationResult) -> Any:
    """The group graph as an igraph Graph: vertex name/label/releases/family, edge evidence."""
    import igraph as ig

    keys = list(result.groups)
    index = {result.names[k]: i for i, k in enumerate(keys)}
    family_of = {k: f.family_id for f in result.families for k in f.member_keys}
    graph = ig.Graph(n=len(keys))
    graph.vs["name"] = keys
    graph.vs["label"] = [result.names[k] for k in keys]
    graph.vs["releases"] = [result.releases[k] for k in keys]
    graph.vs["family"] = [family_of.get(k, 0) for k in keys]
    graph.add_edges([(index[e.group_a], index[e.group_b]) for e in result.edges])
    for attribute in (
        "weight",
        "shared_titles",
        "together",
        "races",
        "retail_together",
        "coactivity",
    ):
        graph.es[attribute] = [float(getattr(e, attribute)) for e in result.edges]
    graph.es["mean_gap_s"] = [-1.0 if e.mean_gap_s is None else e.mean_gap_s for e in result.edges]
    return graph


def write_graphml(result: AffiliationResult, path: str) -> None:
    """GraphML for Gephi / Cytoscape / networkx."""
    to_igraph(result).write_graphml(path)


_PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#469990",
    "#9a6324",
    "#800000",
    "#808000",
    "#000075",
    "#fabed4",
)

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scenescope: group network</title>
<style>
body{{font:14px system-ui,sans-serif;margin:0;display:flex;height:100vh}}
#view{{flex:1}} #side{{width:340px;padding:12px;overflow:auto;border-left:1px solid #ccc}}
line{{stroke:#999;stroke-opacity:.6}} circle{{stroke:#fff;stroke-width:1.5;cursor:pointer}}
text{{font-size:11px;pointer-events:none}} .dim{{opacity:.12}}
table{{border-collapse:collapse}} td{{padding:1px 6px;vertical-align:top}}
</style></head><body>
<svg id="view" viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet">
<g id="edges">{edges}</g><g id="nodes">{nodes}</g></svg>
<div id="side"><h3>Group network</h3>
<p>{n_nodes} groups with affiliation evidence ({n_hidden} isolated groups hidden),
{n_edges} edges, {n_families} families. Metadata only. Click a group for its evidence;
click the background to reset.</p><div id="info"></div></div>
<script>
const DATA = {data};
const svg = document.getElementById("view"), info = document.getElementById("info");
function esc(s){{return String(s).replace(/[&<>"]/g,c=>({{"&":"&amp;","<":"&lt;",">":"&gt;",
  '"':"&quot;"}})[c]);}}
function reset(){{svg.querySelectorAll(".dim").forEach(e=>e.classList.remove("dim"));
  info.innerHTML="";}}
function pick(i){{
  reset(); const near = new Set([i]);
  DATA.edges.forEach((e,k)=>{{const on=e.a===i||e.b===i; if(on){{near.add(e.a);near.add(e.b);}}
    else document.getElementById("e"+k).classList.add("dim");}});
  DATA.nodes.forEach((n,k)=>{{if(!near.has(k)){{document.getElementById("n"+k).classList.add("dim");
    document.getElementById("t"+k).classList.add("dim");}}}});
  const n = DATA.nodes[i];
  let h = "<h4>"+esc(n.label)+"</h4><p>"+n.releases+" releases"+
    (n.family?", family "+n.family:"")+"</p><table><tr><td>with</td><td>weight</td>"+
    "<td>evidence</td></tr>";
  DATA.edges.filter(e=>e.a===i||e.b===i).sort((x,y)=>y.weight-x.weight).forEach(e=>{{
    const o = DATA.nodes[e.a===i?e.b:e.a];
    h += "<tr><td>"+esc(o.label)+"</td><td>"+e.weight.toFixed(3)+"</td><td>"+
      e.together+" drops together / "+e.shared+" shared titles, "+e.races+" races, "+
      e.retail+" retail together</td></tr>";}});
  info.innerHTML = h + "</table>";
}}
svg.addEventListener("click", ev=>{{const id=ev.target.id||"";
  if(id.startsWith("n")) pick(Number(id.slice(1))); else reset();}});
</script></body></html>
"""


def network_html(result: AffiliationResult, *, width: int = 1000, height: int = 800) -> str:
    """A self-contained interactive HTML view (inline SVG + JS, no network access)."""
    import html
    import json

    graph = to_igraph(result)
    connected = [v.index for v in graph.vs if graph.degree(v.index) > 0]
    sub = graph.subgraph(connected)
    if sub.vcount():
        layout = sub.layout_fruchterman_reingold(
            weights="weight", niter=500, seed=sub.layout_circle().coords
        )
        coords = np.asarray(layout.coords, dtype=float)
        span = np.maximum(coords.max(axis=0) - coords.min(axis=0), 1e-9)
        coords = 40 + (coords - coords.min(axis=0)) / span * [width - 80, height - 80]
    else:
        coords = np.zeros((0, 2))
    nodes, labels, node_data = [], [], []
    for i, v in enumerate(sub.vs):
        x, y = coords[i]
        family = int(v["family"])
        color = _PALETTE[(family - 1) % len(_PALETTE)] if family else "#bbbbbb"
        radius = 4 + 2 * max(int(v["releases"]), 1) ** 0.25
        title = html.escape(f"{v['label']}: {v['releases']} releases")
        nodes.append(
            f'<circle id="n{i}" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{color}">'
            f"<title>{title}</title></circle>"
        )
        labels.append(
            f'<text id="t{i}" x="{x + radius + 2:.1f}" y="{y + 4:.1f}">'
            f"{html.escape(str(v['label']))}</text>"
        )
        node_data.append({"label": v["label"], "releases": v["releases"], "family": family})
    edges, edge_data = [], []
    for k, e in enumerate(sub.es):
        (x1, y1), (x2, y2) = coords[e.source], coords[e.target]
        edges.append(
            f'<line id="e{k}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke-width="{1 + 6 * e["weight"]:.2f}"/>'
        )
        edge_data.append(
            {
                "a": e.source,
                "b": e.target,
                "weight": e["weight"],
                "together": int(e["together"]),
                "shared": int(e["shared_titles"]),
                "races": int(e["races"]),
                "retail": int(e["retail_together"]),
            }
        )
    data = json.dumps({"nodes": node_data, "edges": edge_data}).replace("</", "<\\/")
    return _HTML.format(
        width=width,
        height=height,
        edges="".join(edges),
        nodes="".join(nodes) + "".join(labels),
        n_nodes=sub.vcount(),
        n_hidden=graph.vcount() - sub.vcount(),
        n_edges=sub.ecount(),
        n_families=len(result.families),
        data=data,
    )
