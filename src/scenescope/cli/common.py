"""Options and helpers shared by every command: --db, --json output, user-facing errors."""

from __future__ import annotations

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
