"""What `scenescope demo` prints of its findings: the top leaks, the trace to supply
accounts and the operation's aftermath, each against the world's truth (Rich tables; release
names are hostile, so every cell is plain Text)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

STEP_LABELS = (
    ("simulate_s", "simulate"),
    ("ingest_s", "ingest"),
    ("catalog_match_s", "catalog + match"),
    ("leaks_s", "leaks"),
    ("score_families_s", "score + families"),
    ("trace_s", "trace"),
    ("impact_s", "impact"),
    ("evidence_s", "seized media"),
    ("live_s", "backfill + live"),
    ("report_s", "report"),
)


def print_trace(console: Any, traced: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    figures = traced.score.figures
    table = Table(
        title="Retail leaks traced to the supply accounts they came from (top 5)",
        title_justify="left",
    )
    for header in ("account", "kind", "posterior", "90% interval", "leaks explained", "groups"):
        table.add_column(header, overflow="fold")
    for account in traced.result.accounts[:5]:
        cells = (
            f"{account.account_id} {account.name or ''}".strip(),
            account.kind or "",
            f"{account.posterior:.2f}",
            f"{account.lower:.2f}–{account.upper:.2f}",
            f"{account.leaks_explained:.1f}",
            ", ".join(account.groups[:4]),
        )
        table.add_row(*(Text(str(c)) for c in cells))
    console.print(table)
    recall = figures.get("recall_at_k")
    naive = traced.naive_recall
    console.print(
        f"trace vs truth: {len(traced.fronts)} true fronts, recall in the top k "
        f"{'n/a' if recall is None else f'{recall:.2f}'} (naive count of early-received leaked "
        f"titles: {'n/a' if naive is None else f'{naive:.2f}'}); "
        f"`scenescope trace --account ID --out DIR` writes an account's evidence sheet",
        markup=False,
        highlight=False,
    )


def print_impact(console: Any, impact: Any, folder: Path) -> None:
    """The operation's effect (the recorded event), the breaks found without being told, and
    how both compare with the world's truth; the charts go to `folder`."""
    from scenescope.report.impact_charts import summary_text, write_report

    console.rule("The operation and its aftermath")
    breaks = [b for b in impact.breaks.breaks if b.size < 0]
    found = ", ".join(f"{b.date} ({b.size:+.0%})" for b in breaks[:3]) or "none"
    console.print(f"drops found in the daily pres without being told: {found}", markup=False)
    if impact.result is None:
        return
    for line in summary_text(impact.result).splitlines()[2:-2]:
        console.print(line, markup=False, highlight=False)
    write_report(impact.result, folder)
    score = impact.score.to_dict() if impact.score is not None else {}
    coverage, error = score.get("coverage"), score.get("direct_share_error")
    console.print(
        "impact vs truth: the world's own counterfactual inside the 90% interval in "
        f"{'n/a' if coverage is None else f'{coverage:.0%}'} of the weeks, removal share off by "
        f"{'n/a' if error is None else f'{error * 100:.1f} points'}; charts and impact.json in "
        f"{folder}; `scenescope impact --event DATE --family F --out DIR`, "
        "`scenescope propagation`",
        markup=False,
        highlight=False,
    )


def print_leaks(console: Any, leaks: list[Any], count: int) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenescope.demo.pipeline import top_leaks

    by_class: dict[str, int] = {}
    for leak in leaks:
        by_class[leak.source_class] = by_class.get(leak.source_class, 0) + 1
    classes = ", ".join(f"{n:,} {k}" for k, n in sorted(by_class.items(), key=lambda kv: -kv[1]))
    table = Table(
        title=f"{len(leaks):,} leaks found ({classes}); top {count} by lead, across sources",
        title_justify="left",
    )
    table.add_column("release", overflow="fold", min_width=34, ratio=3)
    for header in ("source", "group", "official date", "lead"):
        table.add_column(header, overflow="fold")
    for leak in top_leaks(leaks, count):
        official = f"{leak.official_date} {leak.window or ''} {leak.territory or ''}".strip()
        lead = f"{leak.lead_days:.1f} d" if abs(leak.lead_days) >= 1 else f"{leak.lead_hours:.1f} h"
        cells = (leak.release_name, leak.source_class, leak.group, official, lead)
        # Release names are hostile: Text() keeps them from being read as Rich markup.
        table.add_row(*(Text("" if c is None else str(c)) for c in cells))
    console.print(table)


def print_evidence(console: Any, triaged: Any) -> None:
    """The seized-media triage: each medium's role and what it held, and how right it was."""
    from rich.table import Table
    from rich.text import Text

    result = triaged.result
    table = Table(
        title=f"Case {result.case_id}: {len(result.media)} seized media triaged",
        title_justify="left",
    )
    for header in ("medium", "read as", "role", "releases", "before pre", "discs early", "groups"):
        table.add_column(header, overflow="fold")
    for m in result.media:
        cells = (
            m.label,
            m.kind,
            m.role,
            f"{m.releases:,}",
            f"{m.before_pre:,}",
            f"{m.discs_before_street}/{m.discs}",
            ", ".join(m.groups[:5]),
        )
        table.add_row(*(Text(str(c)) for c in cells))
    console.print(table)
    figures = triaged.score.figures

    def share(name: str) -> str:
        value = figures.get(name)
        return "n/a" if value is None else f"{value:.2f}"

    console.print(
        f"triage vs truth: roles right {share('role_accuracy')}, releases found precision "
        f"{share('release_precision')} / recall {share('release_recall')}, before/after the "
        f"pre exact {share('before_after_exact')}, early discs found {share('disc_recall')}; "
        f"{len(result.shared)} releases on more than one medium; "
        f"`scenescope evidence report {result.case_id}`",
        markup=False,
        highlight=False,
    )


def print_where_to_look(
    console: Any,
    store_path: Path,
    out: Path,
    report: Any,
    dashboard: Any,
    timings: Any,
    ingest: Sequence[Any] = (),
) -> None:
    from rich.table import Table
    from rich.text import Text

    console.rule(f"Where to look (the story took {timings.seconds.get('total_s', 0):.0f} s)")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("report", str(report.html))
    if (out / "impact").exists():
        table.add_row("impact charts", f"{out / 'impact'}/ (counterfactual, gainers, impact.json)")
    table.add_row("store", f"{store_path} (every command takes --db {store_path})")
    for index, connector in enumerate(ingest):  # what each connector brought into the store
        table.add_row("ingest" if index == 0 else "", Text(connector.line()))
    if dashboard is None:
        table.add_row(
            "workbench",
            f"scenescope token create --role admin --db {store_path}; "
            f"scenescope serve --db {store_path}",
        )
    else:
        taken = f" (port {dashboard.wanted_port} was taken)" if dashboard.port_taken else ""
        table.add_row("dashboard", dashboard.url + taken)
        table.add_row("API docs", dashboard.url + "api/docs")
        table.add_row("token", dashboard.token)
        table.add_row(
            "",
            f"({dashboard.role} token: paste it on the sign-in page, or send it as "
            "'Authorization: Bearer TOKEN' to /api/v1/...)",
        )
    console.print(table)
    spent = ", ".join(
        f"{label} {timings.seconds[key]:.0f} s"
        for key, label in STEP_LABELS
        if timings.seconds.get(key, 0) >= 0.5
    )
    console.print(f"time: {spent}", markup=False, highlight=False)
