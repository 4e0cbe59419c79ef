"""`scenescope simulate`: write a simulated Scene world (files + truth), or replay one as a
predb.ovh-compatible HTTP + websocket server and IRC announce bot on loopback."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import typer

from scenescope.cli.common import (
    JSON_OPTION,
    counted_progress,
    fail,
    parse_when,
    print_json_lines,
)

# The simulator's catalog draws title years from 2005 on (world/catalog.py), so an earlier
# start cannot be simulated; and calendars end somewhere.
FIRST_DAY = dt.date(2005, 1, 1)
LAST_DAY = dt.date(2200, 12, 31)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)


def simulate_command(
    out: Path = typer.Option(..., "--out", help="Directory for the world's files."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: config's)."),
    start: str | None = typer.Option(None, "--start", help="First day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Last day (inclusive), YYYY-MM-DD."),
    config: Path | None = typer.Option(None, "--config", help="World TOML overriding defaults."),
    scale: float | None = typer.Option(None, "--scale", help="Multiply every volume."),
    serve: bool = typer.Option(False, "--serve", help="Replay the world as live feeds."),
    speed: float = typer.Option(3600.0, "--speed", help="Replay speed (simulated s per s)."),
    http_port: int = typer.Option(
        8765, "--http-port", min=1, max=65535, help="Loopback HTTP/websocket port."
    ),
    irc: str | None = typer.Option(None, "--irc", help="irc://HOST:PORT/#chan to announce on."),
    replay_from: str | None = typer.Option(None, "--from", help="Start replay at this date."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Simulate a Scene world with ground truth (pres, nukes, catalog, supply, sightings)."""
    from scenescope.world.config import ConfigError, load_config

    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; give a folder for the world's files")
    if config is not None and config.is_dir():
        fail(f"--config {config} is a folder; give a world TOML file")
    changes: dict[str, object] = {}
    for label, value in (("--start", start), ("--end", end)):
        if value is not None:
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                fail(f"{label} {value!r} is not a date (YYYY-MM-DD)")
            if not FIRST_DAY <= day <= LAST_DAY:
                fail(f"{label} {value}: the simulator covers {FIRST_DAY} .. {LAST_DAY}")
            changes[label.strip("-")] = day
    if seed is not None:
        changes["seed"] = seed
    for label, number in (("--scale", scale), ("--speed", speed)):
        if number is not None and not (math.isfinite(number) and number > 0):
            fail(f"{label} must be a positive number, got {number}")
    if scale is not None:
        changes["scale"] = scale
    try:
        world_config = load_config(config).with_world(**changes)
        if world_config.world.end < world_config.world.start:
            fail(f"--end {world_config.world.end} is before --start {world_config.world.start}")
    except ConfigError as exc:
        fail(str(exc))
    except UnicodeDecodeError:
        fail(f"--config {config}: not a UTF-8 TOML file")

    if serve:
        _serve(out, world_config, speed, http_port, irc, replay_from)
        return
    summary = _simulate_with_progress(world_config, out)
    if as_json:
        print_json_lines([summary.to_dict()])
    else:
        typer.echo(
            f"world seed {summary.seed}: {summary.releases:,} releases, "
            f"{summary.pres_rows:,} pre rows, {summary.nukes:,} nukes, "
            f"{summary.leaks:,} leaks, {summary.sightings:,} sightings in {summary.days} days "
            f"→ {summary.out_dir} ({summary.seconds:.1f} s)"
        )


def _simulate_with_progress(world_config: object, out: Path):  # type: ignore[no-untyped-def]
    from scenescope.world.simulate import simulate

    with counted_progress("simulating", "days") as advance:
        return simulate(world_config, out, advance)  # type: ignore[arg-type]


def _serve(
    out: Path,
    world_config: object,
    speed: float,
    http_port: int,
    irc: str | None,
    replay_from: str | None,
) -> None:
    from scenescope.world.serve import ServeError, run_replay

    start_at = parse_when(replay_from, "--from")  # checked before a long simulation
    if not (out / "ws_frames.jsonl").exists():
        typer.echo(f"no world in {out}: simulating first", err=True)
        _simulate_with_progress(world_config, out)
    try:
        run_replay(
            out,
            speed=speed,
            http_port=http_port,
            irc_url=irc,
            start_at=start_at,
            echo=lambda line: typer.echo(line, err=True),
        )
    except ServeError as exc:
        fail(str(exc))
