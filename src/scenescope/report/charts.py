"""Charts from a charting library: Altair builds Vega-Lite specs, vl-convert renders them.

`save_chart(chart, folder, stem)` writes `stem.png`, `stem.svg` and the spec `stem.vl.json`
(the web pages embed the same spec), so every picture the project draws comes out the same
way in the CLI's `--out`, the pages and the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import altair as alt

alt.data_transformers.disable_max_rows()  # our series are small aggregates, never raw rows


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec of a chart (data inlined)."""
    spec: dict[str, Any] = chart.to_dict()
    return spec


def save_chart(
    chart: alt.TopLevelMixin, folder: Path, stem: str, *, scale: float = 2.0
) -> list[Path]:
    """Write the chart as PNG, SVG and Vega-Lite JSON in `folder`; returns the paths."""
    import vl_convert as vlc

    folder.mkdir(parents=True, exist_ok=True)
    spec = chart_spec(chart)
    text = json.dumps(spec)
    png = folder / f"{stem}.png"
    svg = folder / f"{stem}.svg"
    spec_path = folder / f"{stem}.vl.json"
    png.write_bytes(vlc.vegalite_to_png(text, scale=scale))
    svg.write_text(vlc.vegalite_to_svg(text), encoding="utf-8")
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return [png, svg, spec_path]
