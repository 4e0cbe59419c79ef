"""One account's evidence sheet: a timeline chart (shipments received, leaks implicated, street
dates), a table an investigator can hand on (CSV and HTML), and the method in two sentences.
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenescope.analysis.trace import AccountTrace, TraceResult
from scenescope.engine import Engine

METHOD = (
    "Each retail-disc release pred before its physical street date is attributed among the "
    "accounts whose shipments of that title arrived before the pre, and a source outside the "
    "records, in proportion to each account's leak rate over everything it received early "
    "(fitted by EM, so an account that receives every title is diluted, not implicated). "
    "The posterior is the probability that the account leaks at least the source rate of "
    "what it receives, with a 90% interval from redrawing each leak's source from its "
    "attribution."
)


@dataclass(frozen=True, slots=True)
class EvidenceSheet:
    account: AccountTrace
    rows: tuple[dict[str, Any], ...]  # one per title received: shipment, leak, probability
    files: tuple[Path, ...]


def evidence_rows(engine: Engine, result: TraceResult, account_id: str) -> list[dict[str, Any]]:
    """Every title the account received, its street date, and the leaks it is implicated in."""
    shipped = engine.records(
        """
        SELECT s.title_id, t.title, min(s.shipped_at) AS shipped_at,
               string_agg(DISTINCT s.format, '/') AS formats,
               (SELECT min(date) FROM catalog_release_dates d
                 WHERE d.title_id = s.title_id AND d.release_window = 'physical') AS street_date
        FROM supply_shipments s LEFT JOIN catalog_titles t USING (title_id)
        WHERE s.account_id = ? GROUP BY s.title_id, t.title ORDER BY shipped_at, s.title_id
        """,
        [account_id],
    )  # fmt: skip
    implicated: dict[str, list[tuple[str, str | None, Any, float]]] = {}
    for leak in result.leaks:
        for candidate, probability in leak.candidates:
            if candidate == account_id:
                implicated.setdefault(leak.title_id, []).append(
                    (leak.release, leak.group, leak.pre_at, probability)
                )
    rows = []
    for ship in shipped:
        leaks = implicated.get(ship["title_id"], [])
        first = min(leaks, key=lambda x: x[2]) if leaks else None
        rows.append(
            {
                **ship,
                "leaked": bool(leaks),
                "release": first[0] if first else None,
                "group": first[1] if first else None,
                "pre_at": first[2] if first else None,
                "delay_days": (
                    round((first[2].date() - ship["shipped_at"]).days + 0.0, 1) if first else None
                ),
                "probability": round(first[3], 4) if first else None,
            }
        )
    return rows


def write_sheet(
    engine: Engine, result: TraceResult, account_id: str, folder: Path
) -> EvidenceSheet:
    """Write chart (PNG/SVG/spec), CSV and HTML for one account into `folder`."""
    import altair as alt

    from scenescope.report.charts import save_chart

    account = result.account(account_id)
    if account is None:
        raise KeyError(account_id)
    rows = evidence_rows(engine, result, account_id)
    folder.mkdir(parents=True, exist_ok=True)
    events = []
    for row in rows:
        events.append({"title": row["title"] or row["title_id"], "what": "shipment received",
                       "at": str(row["shipped_at"])})  # fmt: skip
        if row["street_date"] is not None:
            events.append({"title": row["title"] or row["title_id"], "what": "street date",
                           "at": str(row["street_date"])})  # fmt: skip
        if row["pre_at"] is not None:
            events.append({"title": row["title"] or row["title_id"], "what": "leak implicated",
                           "at": row["pre_at"].isoformat()})  # fmt: skip
    chart = (
        alt.Chart(alt.Data(values=events or [{"title": "", "what": "none", "at": None}]))
        .mark_point(filled=True, size=40)
        .encode(
            x=alt.X("at:T", title="time (UTC)"),
            y=alt.Y("what:N", title=None),
            color=alt.Color("what:N", title=None),
            tooltip=["title:N", "what:N", "at:T"],
        )
        .properties(title=f"{account.account_id} {account.name or ''}", width=640, height=120)
    )
    files = list(save_chart(chart, folder, f"trace-{account_id}"))
    columns = ["title_id", "title", "formats", "shipped_at", "street_date", "leaked", "release",
               "group", "pre_at", "delay_days", "probability"]  # fmt: skip
    csv_path = folder / f"trace-{account_id}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
    files.append(csv_path)
    html_path = folder / f"trace-{account_id}.html"
    families = _families(engine, account.groups)
    html_path.write_text(
        _html(account, rows, columns, f"trace-{account_id}.svg", families), "utf-8"
    )
    files.append(html_path)
    return EvidenceSheet(account, tuple(rows), tuple(files))


def _families(engine: Engine, groups: tuple[str, ...]) -> list[str]:
    """The inferred families (analysis.affiliation) the implicated groups belong to."""
    if not groups:
        return []
    from scenescope.analysis.affiliation import infer_families

    try:
        result = infer_families(engine.connection)
    except Exception:  # too few groups for the inference: the sheet goes without families
        return []
    found = []
    for group in groups:
        family = result.family_of(group)
        if family is not None:
            label = "+".join(family.members)
            if label not in found:
                found.append(label)
    return found


def _html(
    account: AccountTrace,
    rows: list[dict[str, Any]],
    columns: list[str],
    svg: str,
    families: list[str],
) -> str:
    def cell(value: Any) -> str:
        return html.escape("" if value is None else str(value))

    details = {**account.to_dict(), "families": ", ".join(families)}
    facts = "".join(f"<tr><th>{cell(k)}</th><td>{cell(v)}</td></tr>" for k, v in details.items())
    head = "".join(f"<th>{cell(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(r[c])}</td>" for c in columns) + "</tr>" for r in rows
    )
    return (
        f"<!doctype html><meta charset='utf-8'><title>Evidence: {cell(account.account_id)}</title>"
        f"<h1>Account {cell(account.account_id)} — {cell(account.name)}</h1>"
        f"<p>{cell(METHOD)}</p><table>{facts}</table><img src='{cell(svg)}' alt='timeline'>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
