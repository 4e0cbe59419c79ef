"""Options and helpers shared by every command: --db and opening the store, --json output,
tables that never read names as markup, and user-facing errors (one line, exit code 2)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.text import Text

    from scenescope.store import Store

DB_OPTION = typer.Option(
    None,
    "--db",
    help="Store file (DuckDB). Default: $SCENESCOPE_DB, else a file in the user data directory.",
    envvar=None,
)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON Lines (one object per row).")
# The largest --limit a command accepts: SQL LIMIT takes a 64-bit integer, and no listing
# needs more rows than this.
ROW_LIMIT_MAX = 1_000_000_000

# Control characters (C0, DEL, C1) and bidi overrides: shown as escapes in human output, so a
# name cannot move the cursor, clear the screen or reorder text (JSON keeps them, escaped).
_CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))} | {
    code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
}
_CONTROL_ESCAPES |= {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


_LONG_RUN = re.compile(r"\S{200,}")


def fail(message: str, code: int = 2) -> NoReturn:
    """A user mistake: one clear line on stderr, no traceback. A huge value echoed back (a
    100 kB name) is clipped so the line stays readable."""
    line = _LONG_RUN.sub(
        lambda run: f"{run[0][:60]}…[{len(run[0]):,} characters]…{run[0][-20:]}", plain(message)
    )
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def plain(value: object) -> str:
    """Text for a terminal: control characters made visible, lone surrogates replaced."""
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = _LONE_SURROGATE.sub("\ufffd", text.translate(_CONTROL_ESCAPES))
    return text


def cell(value: object) -> Text:
    """A table cell that shows the value as written: never Rich markup, no control characters."""
    from rich.text import Text

    return Text(plain(value))


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def print_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    """JSON Lines on stdout: one object per row, times as ISO-8601."""
    out = sys.stdout
    for row in rows:
        out.write(json.dumps(row, default=_json_default, ensure_ascii=False))
        out.write("\n")


def db_path(db: Path | None, *, must_exist: bool = False) -> Path:
    """The store file (--db, else $SCENESCOPE_DB, else the user data directory), checked so a
    mistake is one clear line: a folder given as the file, a folder that does not exist, or
    (with `must_exist`) no store there yet. Only the default folder is created on demand."""
    from scenescope.settings import resolve_db_path

    path = resolve_db_path(db)
    origin = "--db" if db is not None else "$SCENESCOPE_DB"
    chosen = db is not None or bool(os.environ.get("SCENESCOPE_DB"))
    if path.is_dir():
        fail(f"{origin} {path} is a folder; give a store file such as {path / 'scenescope.duckdb'}")
    if path.exists():
        return path
    if must_exist:
        fail(f"no store at {path}; ingest some pres first (scenescope ingest FILE) or pass --db")
    if chosen and not path.parent.is_dir():
        fail(f"{origin} {path}: folder {path.parent} does not exist; create it or pass another")
    return path


@contextmanager
def open_store(
    db: Path | None, *, read_only: bool = False, must_exist: bool = False
) -> Iterator[Store]:
    """The store for a command, closed at the end; a store that cannot be opened (locked by a
    running `watch`, newer schema, not a DuckDB file...) is a one-line error.

    Read-only commands need an existing store; writers create it unless `must_exist`."""
    from scenescope.store import Store, StoreError

    path = db_path(db, must_exist=read_only or must_exist)
    try:
        store = Store.open(path, read_only=read_only)
    except StoreError as exc:
        message = str(exc)
        fail(message if str(path) in message else f"{path}: {message}")
    with store:
        yield store


def output_console(*, stderr: bool = False) -> Any:
    """A Rich console for tables: pipes and logs get a readable width, not Rich's 80 columns."""
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=max(console.width, 160))
    return console


def print_table(
    title: str | None,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    wrapping: Iterable[str] = (),
) -> None:
    """A Rich table on stdout; every cell is plain text (release names are hostile input).

    Columns named in `wrapping` fold long values onto several lines; the others stay whole."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    wraps = frozenset(wrapping)
    for header in headers:
        table.add_column(header, overflow="fold", min_width=16 if header in wraps else None)
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    output_console().print(table)


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


@contextmanager
def counted_progress(label: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (stdout carries the answer, JSON Lines with --json, and
    nothing else), yielding `advance(done, total)`; gone when the work is."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} " + unit),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task(unit, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance

