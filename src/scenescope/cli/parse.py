"""`scenescope parse`: release names in (arguments or stdin), their fields out.

A thin wrapper over `scenescope.names.parse_many`: a Rich table of the key fields (with how
sure the parse is and the words it left unexplained), or JSON Lines with every field of
`ReleaseName.to_dict()`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import typer

from scenescope.cli.common import JSON_OPTION, cell, fail, output_console, print_json_lines

# (ReleaseName field or "episode", column header)
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "title"),
    ("year", "year"),
    ("kind", "kind"),
    ("episode", "ep"),
    ("resolution", "res"),
    ("source", "source"),
    ("video_codec", "codec"),
    ("audio_codec", "audio"),
    ("languages", "lang"),
    ("flags", "flags"),
    ("group", "group"),
    ("certain", "sure"),
    ("unparsed", "unparsed"),
)


def _text(name: str) -> str:
    """Undecodable bytes and lone surrogates become U+FFFD so the output is valid UTF-8.

    An argument's bad bytes arrive as surrogate escapes; each byte becomes one U+FFFD, the
    same as on stdin."""
    if name.isascii():
        return name
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        raw = name.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def _stdin_names() -> Iterator[str]:
    for raw in sys.stdin.buffer:
        name = raw.decode("utf-8", "replace").rstrip("\r\n")
        if name.strip():
            yield name


def _episode_cell(row: dict[str, object]) -> str:
    season, episodes, date = row["season"], row["episodes"], row["date"]
    if date:
        return str(date)
    text = f"S{season:02d}" if isinstance(season, int) else ""
    if isinstance(episodes, list) and episodes:
        numbers = "".join(f"E{e:02d}" for e in episodes[:3]) + ("…" if len(episodes) > 3 else "")
        text += numbers if season is not None or not row["absolute_episode"] else f"#{episodes[0]}"
    return text


def _cell(row: dict[str, object], column: str) -> str:
    if column == "episode":
        return _episode_cell(row)
    value = row[column]
    if isinstance(value, bool):  # `certain`: a doubtful read is marked, a sure one is not
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def parse_command(
    names: list[str] = typer.Argument(
        None, help="Release names; none or '-' reads one name per line from stdin."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """Parse release names into their fields (title, year, episode, source, group...)."""
    from scenescope.names import parse_many

    if not names or names == ["-"]:
        if sys.stdin.isatty():
            fail("give release names as arguments, or pipe them on stdin (one per line)")
        names = list(_stdin_names())
    elif "-" in names:
        fail("'-' (read stdin) cannot be mixed with names given as arguments")
    rows = [record.to_dict() for record in parse_many([_text(name) for name in names])]
    if json_out:
        print_json_lines(rows)
        return
    from rich import box
    from rich.table import Table

    cells = [[_cell(row, column) for column, _ in TABLE_COLUMNS] for row in rows]
    # Columns that are empty for every name are left out, so narrow terminals stay readable.
    shown = [k for k in range(len(TABLE_COLUMNS)) if k == 0 or any(r[k] for r in cells)]
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, padding=(0, 1))
    for k in shown:
        column, header = TABLE_COLUMNS[k]
        if column == "title":  # only the title wraps; short fields stay on one line
            table.add_column(header, overflow="fold", min_width=10)
        else:
            table.add_column(header, no_wrap=True)
    for r in cells:
        # cell(): names are hostile input; `[red]x[/red]` is shown, never read as markup.
        table.add_row(*(cell(r[k]) for k in shown))
    output_console().print(table)


def register(app: typer.Typer) -> None:
    app.command("parse")(parse_command)
