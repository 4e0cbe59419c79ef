"""`scenescope watch` (live feeds into the store) and `scenescope backfill` (predb.ovh pages)."""

from __future__ import annotations

from pathlib import Path

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    fail,
    open_store,
    parse_when,
    print_json_lines,
)


def watch(
    source: list[str] = typer.Option(
        ..., "--source", "-s", help="Feed URL (predb+wss://HOST/api/v1/ws, irc://HOST/#chan …)."
    ),
    db: Path | None = DB_OPTION,
    announce_config: Path | None = typer.Option(
        None, "--announce-config", help="TOML file of extra IRC announce patterns."
    ),
    health_every: float = typer.Option(
        30.0, "--health-every", min=0.5, help="Seconds between feed health log lines."
    ),
    alerts_config: Path | None = typer.Option(
        None, "--alerts", help="Alert rules (TOML): send leak alerts as pres arrive."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Run live feeds together, writing to the store as frames arrive (Ctrl-C to stop)."""
    import asyncio
    import logging

    from scenescope.alerts.rules import AlertConfigError, load_config
    from scenescope.alerts.watch_hook import watch_alerts
    from scenescope.feeds.announce import AnnounceConfigError, load_announce_config
    from scenescope.feeds.sources import open_feed
    from scenescope.feeds.watch import WatchOptions, run_watch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        alert_rules = load_config(alerts_config) if alerts_config else None
    except AlertConfigError as exc:
        fail(str(exc))
    try:
        config = load_announce_config(announce_config)
    except AnnounceConfigError as exc:
        fail(str(exc))
    try:
        feeds = [open_feed(url, announce_config=config) for url in source]
    except ValueError as exc:
        fail(str(exc))
    with open_store(db) as store, watch_alerts(store, alert_rules) as on_applied:
        options = WatchOptions(health_interval_seconds=health_every)
        summary = asyncio.run(run_watch(feeds, store, options=options, on_applied=on_applied))
    result = {
        "events_received": summary.events_received,
        "events_applied": summary.events_applied,
        "rejects": summary.rejects,
        "batches": summary.batches,
        "feeds": [h.to_dict() for h in summary.feeds],
    }
    if json_output:
        print_json_lines([result])
    else:
        typer.echo(
            f"stopped: {summary.events_applied} of {summary.events_received} events stored "
            f"({summary.rejects} quarantined) in {summary.batches} batches"
        )


def backfill(
    url: str = typer.Argument(..., help="predb.ovh API root, e.g. predb+https://HOST/api/v1/"),
    query: str = typer.Option("", "--query", "-q", help="predb.ovh search words."),
    since: str | None = typer.Option(None, "--since", help="Oldest pre time (date or ISO)."),
    until: str | None = typer.Option(None, "--until", help="Newest pre time (date or ISO)."),
    page_size: int = typer.Option(100, "--page-size", min=1, max=100, help="Rows per page."),
    max_pages: int | None = typer.Option(None, "--max-pages", min=1, help="Stop after N pages."),
    restart: bool = typer.Option(False, "--restart", help="Ignore the saved cursor."),
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Backfill pres from predb.ovh by query and date range; resumes where it stopped."""
    import asyncio

    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from scenescope.feeds.cursor import BackfillCursor, run_backfill
    from scenescope.feeds.predb_rest import BackfillPage, BackfillRange, PredbError, http_base_url

    try:
        http_base_url(url)
    except ValueError as exc:
        fail(str(exc))
    wanted = BackfillRange(
        query=query,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until", end_of_day=True),
        page_size=page_size,
        max_pages=max_pages,
    )
    if wanted.since and wanted.until and wanted.since > wanted.until:
        fail(f"--since {since} is after --until {until}")
    progress = Progress(
        TextColumn("backfill {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows · page {task.fields[page]}"),
        console=Console(stderr=True),
        disable=json_output,
    )
    # escape(): the query is the user's text, not Rich markup.
    task = progress.add_task(escape(query) or "(all)", total=None, page=0)

    def on_page(page: BackfillPage, cursor: BackfillCursor) -> None:
        progress.update(task, completed=cursor.rows_committed, total=page.total, page=page.page)

    with open_store(db) as store, progress:
        try:
            result = asyncio.run(run_backfill(store, url, wanted, restart=restart, on_page=on_page))
        except PredbError as exc:
            fail(f"{exc} (run the same command again to resume)")
    summary = {
        "source": result.cursor.source,
        "query": query,
        "resumed_from_page": result.resumed_from_page,
        "pages_fetched": result.pages_fetched,
        "events_applied": result.events_applied,
        "last_page": result.cursor.last_page,
        "rows_committed": result.cursor.rows_committed,
        "done": result.cursor.done,
    }
    if json_output:
        print_json_lines([summary])
    elif result.pages_fetched == 0 and result.cursor.done:
        typer.echo("already complete (use --restart to fetch it again)")
    else:
        typer.echo(
            f"{result.pages_fetched} pages from page {result.resumed_from_page}, "
            f"{result.events_applied} events stored; "
            + ("complete" if result.cursor.done else "incomplete: run again to continue")
        )


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)
    app.command("backfill")(backfill)
