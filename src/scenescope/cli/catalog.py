"""Catalog commands: `catalog import|list|show` and `match` (releases to titles).

Thin wrappers over `scenescope.catalog.import_catalog` / `match_releases` and the catalog tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


_LIST_SQL = """
SELECT t.title_id, t.kind, t.title, t.year, t.studio,
       (SELECT min(date) FROM catalog_release_dates d
         WHERE d.title_id = t.title_id AND d.release_window = 'theatrical') AS theatrical,
       (SELECT min(date) FROM catalog_release_dates d
         WHERE d.title_id = t.title_id AND d.release_window = 'digital') AS digital,
       (SELECT min(date) FROM catalog_release_dates d
         WHERE d.title_id = t.title_id AND d.release_window = 'physical') AS physical,
       (SELECT count(*) FROM catalog_episodes e WHERE e.title_id = t.title_id) AS episodes,
       (SELECT count(*) FROM release_matches m
         WHERE m.title_id = t.title_id AND m.status = 'matched') AS releases
FROM catalog_titles t
"""


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
    where: list[str] = []
    params: list[Any] = []
    if kind:
        if kind not in ("movie", "series"):
            fail(f"--kind: {kind!r} is not movie or series")
        where.append("t.kind = ?")
        params.append(kind)
    if search:
        where.append("contains(lower(t.title), lower(?))")
        params.append(search)
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY t.title, t.year, t.title_id LIMIT ?"
    params.append(limit)
    with open_store(db, read_only=True) as store:
        cursor = store.connection.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
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
    from scenescope.catalog.tables import load_release_dates

    with open_store(db, read_only=True) as store:
        conn = store.connection
        row = conn.execute(
            "SELECT title_id, kind, title, year, original_title, aliases, studio "
            "FROM catalog_titles WHERE title_id = ?",
            [title_id],
        ).fetchone()
        if row is None:
            fail(f"no title {title_id!r} in the catalog (see `scenescope catalog list`)")
        dates = load_release_dates(conn, title_id)
        episodes = conn.execute(
            "SELECT count(*), min(air_date), max(air_date) FROM catalog_episodes"
            " WHERE title_id = ?",
            [title_id],
        ).fetchone()
        matched = conn.execute(
            "SELECT r.name, m.status, m.score, m.reason, s.pre_at FROM release_matches m "
            "JOIN releases r USING (release_id) JOIN release_state s USING (release_id) "
            "WHERE m.title_id = ? ORDER BY m.status, s.pre_at NULLS LAST LIMIT ?",
            [title_id, releases],
        ).fetchall()
    keys = ("title_id", "kind", "title", "year", "original_title", "aliases", "studio")
    doc: dict[str, Any] = dict(zip(keys, row, strict=True))
    doc["release_dates"] = [
        {"territory": d.territory, "window": d.window, "date": d.date.isoformat()} for d in dates
    ]
    assert episodes is not None
    doc["episodes"] = {"count": episodes[0], "first_air": episodes[1], "last_air": episodes[2]}
    doc["releases"] = [
        {"name": n, "status": st, "score": sc, "reason": rs, "pre_at": p}
        for n, st, sc, rs, p in matched
    ]
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
        [[d.window, d.territory, d.date] for d in dates],
        wrapping=WRAPPING_COLUMNS,
    )
    if episodes[0]:
        typer.echo(f"  episodes: {episodes[0]} ({episodes[1]} .. {episodes[2]})")
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

    console = Console(stderr=True)
    with open_store(db, must_exist=True) as store:
        release_ids = None
        if not rematch_all:
            release_ids = [
                r[0]
                for r in store.connection.execute(
                    "SELECT release_id FROM releases WHERE release_id NOT IN "
                    "(SELECT release_id FROM release_matches)"
                ).fetchall()
            ]
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
