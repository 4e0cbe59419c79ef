"""Catalog commands: `catalog import|list|show` and `match` (releases to titles).

Thin wrappers over `scenescope.catalog.import_catalog` / `match_releases` and the catalog tables.
"""

from __future__ import annotations

from pathlib import Path

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    ROW_LIMIT_MAX,
    fail,
    open_store,
    plain,
    print_json_lines,
    print_table,
)

catalog_app = typer.Typer(
    help="Titles and official dates: import, list, show.", no_args_is_help=True
)


@catalog_app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(
        ..., help="titles.csv, release_dates.csv, episodes.csv, TMDB JSON, or a folder of them."
    ),
    show_problems: int = typer.Option(
        20, "--show-problems", min=0, help="Print at most this many bad rows (file:line [field])."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Import (or re-import: updates titles, corrects dates) catalog files."""
    import os

    from scenescope.catalog import import_catalog

    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or folder")
        if not os.access(path, os.R_OK):
            fail(f"{path}: not readable (check its permissions)")
    with open_store(db) as store:
        report = import_catalog(store, paths)
    if json_out:
        print_json_lines([report.to_dict()])
    else:
        typer.echo(
            f"imported {report.titles:,} titles, {report.release_dates:,} release dates, "
            f"{report.episodes:,} episodes from {len(report.files)} file(s)"
            + (
                f"; {report.accounts:,} accounts, {report.shipments:,} new shipments"
                if report.accounts or report.shipments
                else ""
            )
        )
    for problem in report.problems[:show_problems]:
        typer.echo(plain(f"problem: {problem}"), err=True)
    if len(report.problems) > show_problems:
        typer.echo(f"... and {len(report.problems) - show_problems} more problems", err=True)
    imported = report.titles or report.release_dates or report.episodes
    if report.problems and not (imported or report.accounts or report.shipments):
        fail("nothing imported: the files are not catalog files, or every row is bad (above)")


@catalog_app.command("list")
def list_command(
    kind: str | None = typer.Option(None, "--kind", help="movie or series."),
    search: str | None = typer.Option(None, "--search", help="Words of the title."),
    limit: int = typer.Option(
        100, "--limit", min=1, max=ROW_LIMIT_MAX, help="At most this many titles."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Titles in the catalog with their earliest window dates and matched releases."""
    from scenescope.catalog.queries import TITLE_KINDS, list_titles

    if kind and kind not in TITLE_KINDS:
        fail(f"--kind: {kind!r} is not movie or series")
    with open_store(db, read_only=True) as store:
        rows = list_titles(store, kind=kind, search=search, limit=limit)
    if json_out:
        print_json_lines(rows)
        return
    print_table(
        "catalog",
        ["id", "kind", "title", "year", "theatrical", "digital", "physical", "eps", "releases"],
        [
            [
                r["title_id"],
                r["kind"],
                r["title"],
                r["year"],
                r["theatrical"],
                r["digital"],
                r["physical"],
                r["episodes"],
                r["releases"],
            ]
            for r in rows
        ],
        wrapping=WRAPPING_COLUMNS,
    )


@catalog_app.command("show")
def show_command(
    title_id: str = typer.Argument(..., help="A title_id from `catalog list`."),
    releases: int = typer.Option(
        20,
        "--releases",
        min=0,
        max=ROW_LIMIT_MAX,
        help="Show at most this many matched releases.",
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """One title: its names, dates per territory and window, episodes, matched releases."""
    from scenescope.catalog.queries import title_detail

    with open_store(db, read_only=True) as store:
        doc = title_detail(store, title_id, releases=releases)
    if doc is None:
        fail(f"no title {title_id!r} in the catalog (see `scenescope catalog list`)")
    episodes = doc["episodes"]
    matched = [
        (r["name"], r["status"], r["score"], r["reason"], r["pre_at"]) for r in doc["releases"]
    ]
    dates = doc["release_dates"]
    doc["release_dates"] = [{**d, "date": d["date"].isoformat()} for d in dates]
    if json_out:
        print_json_lines([doc])
        return
    typer.echo(
        plain(
            f"{doc['title']} ({doc['year']}) [{doc['kind']}] {doc['title_id']}  "
            f"{doc['studio'] or ''}"
        )
    )
    if doc["original_title"]:
        typer.echo(plain(f"  original title: {doc['original_title']}"))
    if doc["aliases"]:
        typer.echo(plain(f"  aliases: {' | '.join(doc['aliases'])}"))
    print_table(
        "dates",
        ["window", "territory", "date"],
        [[d["window"], d["territory"], d["date"]] for d in dates],
        wrapping=WRAPPING_COLUMNS,
    )
    if episodes["count"]:
        typer.echo(
            f"  episodes: {episodes['count']} ({episodes['first_air']} .. {episodes['last_air']})"
        )
    print_table(
        "releases",
        ["name", "status", "score", "reason", "pre"],
        [[n, st, f"{sc:.2f}", rs, p] for n, st, sc, rs, p in matched],
        wrapping=WRAPPING_COLUMNS,
    )


def match_command(
    rematch_all: bool = typer.Option(
        True, "--all/--new", help="Rematch every release, or only releases with no match row yet."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Match stored releases to catalog titles (score + reason; ambiguous ones kept as possible)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from scenescope.catalog import match_releases
    from scenescope.catalog.queries import unmatched_release_ids

    console = Console(stderr=True)
    with open_store(db, must_exist=True) as store:
        release_ids = None
        if not rematch_all:
            release_ids = unmatched_release_ids(store)
        progress = Progress(
            TextColumn("matching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("name groups"),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        with progress:
            task = progress.add_task("match", total=None)
            summary = match_releases(
                store,
                release_ids,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    if json_out:
        print_json_lines([summary.to_dict()])
        return
    typer.echo(
        f"{summary.releases:,} releases against {summary.titles:,} titles: "
        f"{summary.matched:,} matched, {summary.possible:,} possible only, "
        f"{summary.unmatched:,} unmatched"
    )


# Names fold onto several lines; dates, ids and numbers stay whole.
WRAPPING_COLUMNS = frozenset({"name", "release", "title", "reason", "official"})


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
    app.command("match")(match_command)
