"""The command line: a thin Typer twin of the library.

Each area registers its commands from its own module (`cli/<area>.py`, a `register(app)`
function), so the areas grow without editing one shared file. Heavy imports stay inside
command functions to keep `scenescope --help` fast.
"""

from __future__ import annotations

import importlib

import typer

from scenescope import __version__

app = typer.Typer(
    name="scenescope",
    help="Release intelligence over public Scene metadata. Metadata only: never content.",
    no_args_is_help=True,
    add_completion=False,
)

# One module per area; each defines register(app). Listed here so the order of --help is stable.
COMMAND_MODULES: tuple[str, ...] = (
    "parse",
    "store",
    "feeds",
    "world",
    "catalog",
    "leaks",
    "alerts",
    "groups",
    "trace",
    "sightings",
    "impact",
    "evidence",
    "web",
    "cluster",
    "demo",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scenescope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """scenescope: which titles leaked, who signed them, and whether enforcement worked."""


for _module in COMMAND_MODULES:
    try:
        mod = importlib.import_module(f"scenescope.cli.{_module}")
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != f"scenescope.cli.{_module}":
            raise
        continue
    mod.register(app)


def main(argv: list[str] | None = None) -> None:
    """The `scenescope` program: a usage mistake (unknown option, bad number, missing argument)
    is one line on stderr and exit code 2, like every other user mistake."""
    import sys

    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    try:
        code = app(args=argv, prog_name="scenescope", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `scenescope catalog`: the help, and click's exit code
        typer.echo(exc.format_message())
        code = exc.exit_code
    except ClickException as exc:
        context = getattr(exc, "ctx", None)
        where = f"{context.command_path}: " if context is not None else ""
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        typer.echo(f"error: {where}{exc.format_message()}{hint}", err=True)
        code = exc.exit_code
    except typer.Abort:  # Ctrl-C at a prompt
        typer.echo("aborted", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)
