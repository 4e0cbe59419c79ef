"""What `scenescope demo` prints of its findings: the top leaks, the trace to supply
accounts and the operation's aftermath, each against the world's truth (Rich tables; release
names are hostile, so every cell is plain Text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
