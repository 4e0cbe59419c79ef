"""File ingestion with a Rich progress bar (rows/s), shared by `ingest` and `demo`.

Rejected rows are printed as `file:line: reason` (the first few) while all of them go to the
store's quarantine; each file ends with a one-line summary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from scenescope.cli.common import plain
from scenescope.feeds.events import FeedEvent, Reject
from scenescope.feeds.files import FileFeed
from scenescope.store import Store


def ingest_files(
    store: Store,
    feeds: Sequence[FileFeed],
    *,
    show_rejects: int = 20,
    batch_size: int = 245_760,
    quiet: bool = False,
) -> list[dict[str, Any]]:
    """Apply each file to `store` with a progress bar; return one summary dict per file.

    `quiet` keeps stdout free for machine-readable output (the bar is transient, no summary line).
    """
    reporter = _RejectPrinter(Console(stderr=True), show_rejects)
    results = []
    for file_feed in feeds:
        result = _ingest_one(store, file_feed, reporter, batch_size=batch_size, quiet=quiet)
        results.append(result)
        if not quiet:
            typer.echo(
                f"{file_feed.path} ({file_feed.kind}): {result['events']:,} rows, "
                f"{result['releases_new']:,} new releases, {result['reports_new']:,} new reports, "
                f"{result['nukes_new']:,} new nuke events, {result['duplicates']:,} already known, "
                f"{result['rejects']:,} rejected ({result['rows_per_s']:,} rows/s)"
            )
    return results


class _RejectPrinter:
    """Prints the first `limit` rejects of a whole run as `file:line: reason`."""

    def __init__(self, console: Console, limit: int) -> None:
        self.console = console
        self.limit = limit
        self.printed = 0

    def __call__(self, event: Reject) -> None:
        if self.printed >= self.limit:
            return
        self.printed += 1
        where = f"{event.source}:{event.line}" if event.line else event.source
        self.console.print(
            plain(f"{where}: {event.reason}"), markup=False, highlight=False, soft_wrap=True
        )


def _ingest_one(
    store: Store, file_feed: FileFeed, reporter: _RejectPrinter, *, batch_size: int, quiet: bool
) -> dict[str, Any]:
    rows = 0
    started = time.perf_counter()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows · {task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        console=reporter.console,
        transient=quiet,
        disable=not reporter.console.is_terminal,
    )
    task = progress.add_task(file_feed.path.name, total=file_feed.bytes_total, rows=0, rate=0.0)

    def events() -> Iterator[FeedEvent]:
        nonlocal rows
        for event in file_feed:
            rows += 1
            if isinstance(event, Reject):
                reporter(event)
            if rows % 10_000 == 0:
                elapsed = max(time.perf_counter() - started, 1e-9)
                progress.update(
                    task, completed=file_feed.bytes_read, rows=rows, rate=rows / elapsed
                )
            yield event

    with progress:
        summary = store.apply(events(), batch_size=batch_size)
        elapsed = max(time.perf_counter() - started, 1e-9)
        progress.update(task, completed=file_feed.bytes_total, rows=rows, rate=rows / elapsed)
    result = {"file": str(file_feed.path), "kind": file_feed.kind, **summary.to_dict()}
    result["rows_per_s"] = round(rows / elapsed)
    return result
