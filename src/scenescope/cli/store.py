"""Store commands: `ingest` files into the store, `search` releases (with the search index
when the store has one; `index` builds it), `stats` over the store.

Thin wrappers over `scenescope.store.Store` and `scenescope.feeds.files.FileFeed`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    ROW_LIMIT_MAX,
    counted_progress,
    fail,
    open_store,
    parse_when,
    plain,
    print_json_lines,
)

if TYPE_CHECKING:
    from scenescope.store import Store


def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="Files: pres/nukes/sightings CSV, predb.ovh JSON, ws logs."
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="Force the kind: pres, nukes, predb-json, predb-ws, sightings."
    ),
    feed: str | None = typer.Option(
        None, "--feed", help="Provenance name (default: file:NAME, or predb.ovh)."
    ),
    show_rejects: int = typer.Option(
        20,
        "--show-rejects",
        min=0,
        help="Print at most this many rejected rows (all are quarantined).",
    ),
    batch_size: int = typer.Option(
        245_760, "--batch-size", min=1, max=10_000_000, help="Rows per transaction."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Import files into the store (idempotent: importing twice changes nothing)."""
    from scenescope.cli.ingest_progress import ingest_files
    from scenescope.feeds.files import FeedFormatError, FileFeed, detect_kind

    feeds: list[FileFeed] = []
    sighting_files: list[Path] = []
    for path in paths:
        _check_readable(path)
        try:
            if (kind or detect_kind(path)) == "sightings":
                sighting_files.append(path)
                continue
            feeds.append(FileFeed(path, kind=kind, feed=feed))
        except FeedFormatError as exc:
            fail(str(exc))
    with open_store(db) as store:
        try:
            results = ingest_files(
                store, feeds, show_rejects=show_rejects, batch_size=batch_size, quiet=json_out
            )
        except FeedFormatError as exc:
            fail(str(exc))
        if sighting_files:  # after the pres in the same command, so they can be linked
            from scenescope.cli.sightings import ingest_sightings

            results.extend(
                ingest_sightings(store, sighting_files, show_rejects=show_rejects, quiet=json_out)
            )
    if json_out:
        print_json_lines(results)
    # Every row refused: almost surely the wrong file or --kind (the rows stay quarantined).
    refused = [r for r in results if r.get("events") and r["rejects"] == r["events"]]
    if refused:
        names = ", ".join(f"{r['file']} (as {r['kind']})" for r in refused)
        fail(f"every row of {names} was rejected: check the file, or pass the right --kind")


def _check_readable(path: Path) -> None:
    """A folder, a missing or an unreadable file is named before anything is opened."""
    import os

    if path.is_dir():
        fail(f"{path}: is a folder; give the files in it (e.g. {path}/*.csv)")
    if not path.exists():
        fail(f"{path}: no such file")
    if not os.access(path, os.R_OK):
        fail(f"{path}: not readable (check its permissions)")


def search(
    words: list[str] | None = typer.Argument(None, help="Words the name must contain."),
    group: str | None = typer.Option(None, "--group", help="Release group (any case)."),
    category: str | None = typer.Option(None, "--category", help="Section, e.g. X264, TV-X264."),
    since: str | None = typer.Option(None, "--since", help="Pred on or after (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Pred before (YYYY-MM-DD)."),
    nuked: bool = typer.Option(False, "--nuked", help="Only releases nuked now."),
    limit: int = typer.Option(
        50, "--limit", min=1, max=ROW_LIMIT_MAX, help="At most this many releases."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Find releases by name words, group, category, pre date and nuke status."""
    since_at = parse_when(since, "--since")
    until_at = parse_when(until, "--until")
    if since_at and until_at and since_at >= until_at:
        fail(f"--since {since} is not before --until {until}")
    from scenescope.store.hints import group_known

    with open_store(db, read_only=True) as store:
        _with_index(store)
        hits = store.search(
            words or [],
            group=group,
            category=category,
            since=since_at,
            until=until_at,
            nuked=nuked,
            limit=limit,
        )
        if not hits and group and not group_known(store, group):
            fail(f"--group {group!r}: no releases by this group in the store")
    if json_out:
        print_json_lines(hit.to_dict() for hit in hits)
        return
    for hit in hits:
        pre = hit.pre_at.strftime("%Y-%m-%d %H:%M:%S") if hit.pre_at else "-" * 19
        status = hit.status if not hit.nuke_reason else f"{hit.status} ({hit.nuke_reason})"
        typer.echo(plain(f"{pre}  {hit.category or '-':<10}  {hit.name}  [{status}]"))
    if not hits:
        typer.echo("no releases match", err=True)


def _with_index(store: Store) -> None:
    """Search with the store's index when it has one (caught up first), else with the SQL."""
    from scenescope.store.search_index import SearchIndexError

    try:
        with counted_progress("search index", "releases") as advance:
            store.use_search_index(progress=advance)
    except SearchIndexError as exc:
        typer.echo(f"{exc}; searching the store itself", err=True)


def index(
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop the index and build it anew."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Build or catch up the search index beside the store (word, group and category search
    without a scan of the store; `search` and the workbench use it when it is there)."""
    import time

    from scenescope.store.search_index import SearchIndexError

    started = time.perf_counter()
    with open_store(db, read_only=True) as store:
        try:
            with counted_progress("search index", "releases") as advance:
                built = store.use_search_index(create=True, rebuild=rebuild, progress=advance)
        except SearchIndexError as exc:
            fail(str(exc))
        assert built is not None
        result = {
            "index": str(built.path),
            "releases_indexed": built.last_written,
            "documents": built.documents,
            "seconds": round(time.perf_counter() - started, 2),
        }
    if json_out:
        print_json_lines([result])
        return
    typer.echo(
        f"search index {result['index']}: {result['documents']:,} releases "
        f"({result['releases_indexed']:,} indexed now, {result['seconds']} s)"
    )


def stats(
    days: int = typer.Option(
        14, "--days", min=1, max=36_500, help="Days of per-day counts to show."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Counts: releases, reports, nukes, quarantine, feeds, per day / category / group."""
    with open_store(db, read_only=True) as store:
        result = store.stats(days=days)
    totals = {
        "releases": result.releases,
        "pre_reports": result.pre_reports,
        "nuke_events": result.nuke_events,
        "quarantined": result.quarantined,
        "last_pre_at": result.last_pre_at,
        "last_seen_at": result.last_seen_at,
        **{f"status_{k}": v for k, v in result.statuses.items()},
    }
    sections = [("feed", result.feeds), ("day", result.per_day)]
    sections += [("category", result.per_category), ("group", result.per_group)]
    if json_out:
        print_json_lines([{"section": "totals", **totals}])
        for name, rows in sections:
            print_json_lines({"section": name, **row} for row in rows)
        return
    for key, value in totals.items():
        typer.echo(f"{key:<16} {value}")
    for name, rows in sections:
        typer.echo(f"\nper {name}:")
        for row in rows:
            typer.echo(plain("  " + "  ".join(str(v) for v in row.values())))


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)
    app.command("index")(index)
    app.command("stats")(stats)
