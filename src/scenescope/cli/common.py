"""Options and helpers shared by every command: --db, --json output, user-facing errors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import typer

DB_OPTION = typer.Option(
    None,
    "--db",
    help="Store file (DuckDB). Default: $SCENESCOPE_DB, else a file in the user data directory.",
    envvar=None,
)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON Lines (one object per row).")


def fail(message: str, code: int = 2) -> NoReturn:
    """A user mistake: one clear line on stderr, no traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def print_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    out = sys.stdout
    for row in rows:
        out.write(json.dumps(row, default=str, ensure_ascii=False))
        out.write("\n")


def db_path(db: Path | None) -> Path:
    from scenescope.settings import resolve_db_path

    return resolve_db_path(db)


def output_console(*, stderr: bool = False) -> Any:
    """A Rich console for tables: pipes and logs get a readable width, not Rich's 80 columns."""
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=max(console.width, 160))
    return console


def parse_when(value: str | None, option: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """An option's ISO date or datetime as UTC (naive = UTC); a bare date means the start of
    that day, or its end with `end_of_day`. A bad value is a one-line user error."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} {value!r}: expected a date (2020-08-25) or ISO datetime")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
