"""`scenescope leaks`: one row per pre-release leak (release, title, source, group, lead...).

A thin wrapper over `scenescope.analysis.leaks.find_leaks`; `--json` prints JSON Lines and
`--csv` CSV with the same columns.
"""

from __future__ import annotations

import math
from pathlib import Path

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    ROW_LIMIT_MAX,
    fail,
    open_store,
    parse_when,
    print_json_lines,
    print_table,
)

CSV_COLUMNS = (
    "release_name",
    "title_id",
    "title",
    "studio",
    "source_class",
    "group",
    "pre_at",
    "official_date",
    "territory",
    "window",
    "lead_days",
    "lead_hours",
    "severity",
    "nuke_status",
)


def leaks_command(
    since: str | None = typer.Option(None, "--since", help="Only pres at or after this date."),
    title: str | None = typer.Option(None, "--title", help="A title_id or words of the title."),
    group: str | None = typer.Option(None, "--group", help="Only this group (any case)."),
    studio: str | None = typer.Option(None, "--studio", help="Words of the studio's name."),
    min_lead: float | None = typer.Option(
        None, "--min-lead", help="At least this many days early."
    ),
    severity_file: Path | None = typer.Option(
        None,
        "--severity-config",
        help="TOML file of severity levels, most severe first: an array of tables named "
        "severity, each with name and optional windows, source_classes, min_lead_days.",
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=ROW_LIMIT_MAX, help="Print at most this many."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
    csv_out: bool = typer.Option(False, "--csv", help="Print CSV with a header."),
) -> None:
    """Releases pred before the official window their source is measured against."""
    from scenescope.analysis.leaks import SeverityConfigError, find_leaks, load_severity_policy
    from scenescope.store.hints import empty_leaks_hint, unknown_filter

    if json_out and csv_out:
        fail("choose one of --json and --csv")
    if min_lead is not None and not math.isfinite(min_lead):
        fail(f"--min-lead {min_lead}: expected a number of days, e.g. 7 or -0.5")
    policy = None
    if severity_file is not None:
        try:
            policy = load_severity_policy(severity_file)
        except SeverityConfigError as exc:
            fail(str(exc))
    since_at = parse_when(since, "--since")
    with open_store(db, read_only=True) as store:
        leaks = find_leaks(
            store,
            since=since_at,
            title=title,
            group=group,
            studio=studio,
            min_lead_days=min_lead,
            policy=policy,
        )
        if not leaks:
            unknown = unknown_filter(store, title=title, group=group, studio=studio)
            if unknown:
                fail(unknown)
            hint = empty_leaks_hint(store)
            if hint:
                typer.echo(hint, err=True)
    if limit is not None:
        leaks = leaks[:limit]
    rows = [leak.to_dict() for leak in leaks]
    if json_out:
        print_json_lines(rows)
    elif csv_out:
        import csv
        import sys

        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        _print_table(rows)


def _print_table(rows: list[dict[str, object]]) -> None:
    headers = ["release", "title", "source", "group", "pre (UTC)", "official", "lead"]
    headers += ["severity", "nuke"]
    cells = []
    for row in rows:
        official = f"{row['official_date']} {row['window']} {row['territory'] or ''}".strip()
        lead = float(str(row["lead_days"]))
        lead_text = f"{lead:.1f} d" if abs(lead) >= 1 else f"{float(str(row['lead_hours'])):.1f} h"
        cells.append(
            (
                row["release_name"],
                row["title"],
                row["source_class"],
                row["group"],
                str(row["pre_at"])[:19].replace("T", " "),
                official,
                lead_text,
                row["severity"],
                row["nuke_status"],
            )
        )
    print_table(f"{len(rows)} leaks", headers, cells, wrapping=WRAPPING_COLUMNS)


# Names fold onto several lines; dates, ids and numbers stay whole.
WRAPPING_COLUMNS = frozenset({"name", "release", "title", "reason", "official"})


def register(app: typer.Typer) -> None:
    app.command("leaks")(leaks_command)
