"""Sightings: `scenescope ingest sightings.csv` (called from the ingest command) and
`scenescope sightings` (how the sightings in the store are linked). Thin over
`scenescope.sightings`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from scenescope.cli.common import DB_OPTION, JSON_OPTION, fail, open_store, plain, print_json_lines
from scenescope.store import Store


def ingest_sightings(
    store: Store, paths: Sequence[Path], *, show_rejects: int = 20, quiet: bool = False
) -> list[dict[str, Any]]:
    """Import each sightings file (a progress line per file), then link them all once."""
    from scenescope.sightings import import_sightings, link_sightings
    from scenescope.sightings.importer import SightingsFormatError

    console = Console(stderr=True)
    results: list[dict[str, Any]] = []
    shown = 0
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        for path in paths:
            task = progress.add_task(path.name, total=None, rows=0)

            def advance(rows: int, task: TaskID = task) -> None:
                progress.update(task, rows=rows)

            try:
                report = import_sightings(store, path, progress=advance)
            except SightingsFormatError as exc:
                fail(str(exc))
            for problem in report.problems:
                if shown >= show_rejects:
                    break
                shown += 1
                console.print(plain(str(problem)), markup=False, highlight=False, soft_wrap=True)
            results.append(report.to_dict())
            if not quiet:
                typer.echo(
                    f"{path} (sightings): {report.rows:,} rows, {report.added:,} new sightings, "
                    f"{report.rows - report.added - report.problem_count:,} already known, "
                    f"{report.problem_count:,} rejected"
                )
        task = progress.add_task("linking sightings to releases", total=None, rows=0)
        links = link_sightings(store)
    for example in links.early_examples[: max(0, show_rejects - shown)]:
        console.print(plain(example), markup=False, highlight=False, soft_wrap=True)
    if not quiet:
        typer.echo(_link_line(links.to_dict()))
    if results:
        results[-1]["links"] = links.to_dict()
    return results


def _link_line(links: dict[str, Any]) -> str:
    by = links["linked"]
    parts = ", ".join(
        f"{by[k]:,} {k}" for k in ("exact", "normalized", "parsed", "title") if k in by
    )
    return (
        f"sightings linked: {parts or 'none'}; {links['unlinked']:,} unlinked (kept); "
        f"{links['before_pre']:,} seen before their pre (kept out of lags)"
    )


def sightings_status(db: Path | None = DB_OPTION, json_out: bool = JSON_OPTION) -> None:
    """How the sightings in the store are linked (re-links what new pres or matches allow)."""
    from scenescope.sightings import link_sightings

    with open_store(db) as store:
        if not store.connection.execute("SELECT count(*) FROM sightings").fetchall()[0][0]:
            fail("no sightings in the store: scenescope ingest sightings.csv")
        links = link_sightings(store)
    if json_out:
        print_json_lines([links.to_dict()])
    else:
        typer.echo(f"{links.total:,} sightings. " + _link_line(links.to_dict()))
        for example in links.early_examples:
            typer.echo(plain(example))


def register(app: typer.Typer) -> None:
    app.command("sightings")(sightings_status)
