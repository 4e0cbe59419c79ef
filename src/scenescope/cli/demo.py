"""`scenescope demo`: the story end to end on the embedded default, ending in the workbench.

Simulate the default world, seed a DuckDB store with its history from the world's dump (the
files connector), import its catalog, match releases to titles, print the leaks found and
score them against the world's truth (families, the trace to supply accounts, the operation's
impact), add the operation's seized media as an evidence case and triage it, then go live as
a deployment does: a loopback predb.ovh server and IRC announce channel, a REST backfill of
the day before the live window, and the window replayed over the websocket and IRC at once
into `watch` with alerts to a signed webhook; write the report (`scenescope report`), then
create a token and serve the workbench on loopback (`scenescope serve`'s own `serve`) until
Ctrl-C. Every step is the production path, with progress shown and what each connector
brought in reported.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    db_path,
    fail,
    output_console,
    print_json_lines,
)
from scenescope.cli.demo_print import (
    print_evidence,
    print_impact,
    print_leaks,
    print_trace,
    print_where_to_look,
)
from scenescope.cli.demo_serve import Dashboard, dashboard_for, serve_dashboard

if TYPE_CHECKING:
    from scenescope.store import Store

WORLD_FILES = ("pres.csv", "nukes.csv", "titles.csv", "release_dates.csv", "truth.json")
IRC_CHOICES = ("auto", "ngircd", "miniircd", "off")


class Steps:
    """The numbered rules between steps ("3/7 ..."), counted from the steps that will run."""

    def __init__(self, console: Any, total: int) -> None:
        self.console, self.total, self.done = console, total, 0

    def next(self, text: str) -> None:
        self.done += 1
        self.console.rule(f"{self.done}/{self.total} {text}")


def demo_command(
    out: Path = typer.Option(
        Path("scenescope-demo"), "--out", help="Folder for the simulated world and its store."
    ),
    seed: int | None = typer.Option(None, "--seed", help="World seed (default: the config's)."),
    scale: float = typer.Option(1.0, "--scale", min=0.01, help="Volume multiplier of the world."),
    top: int = typer.Option(20, "--top", min=0, help="How many leaks to print."),
    fresh: bool = typer.Option(
        False, "--fresh", help="Simulate the world again even if one with this seed exists."
    ),
    no_live: bool = typer.Option(
        False,
        "--no-live",
        help="Skip the live leg (REST backfill, websocket + IRC → watch → webhook alerts).",
    ),
    irc: str = typer.Option(
        "auto",
        "--irc",
        help="IRC server for the announce channel: auto (ngircd if installed, else miniircd), "
        "ngircd, miniircd, or off.",
    ),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Stop after the report instead of serving the workbench."
    ),
    port: int = typer.Option(
        8080, "--port", min=0, max=65535, help="Workbench port on 127.0.0.1 (a free one if taken)."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Simulate a world, ingest it, find leaks, families, sources, impact and seized-media
    evidence, score them against truth, write the report and serve the workbench (Ctrl-C)."""

    from scenescope.demo.pipeline import Timings
    from scenescope.store import Store, StoreError
    from scenescope.world.config import ConfigError, load_config

    if irc not in IRC_CHOICES:
        fail(f"--irc {irc!r}: use one of {', '.join(IRC_CHOICES)}")
    console = output_console(stderr=json_out)
    try:
        config = load_config()
    except ConfigError as exc:
        fail(str(exc))
    changes: dict[str, Any] = {"scale": scale}
    if seed is not None:
        changes["seed"] = seed
    config = config.with_world(**changes)
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; give a folder for the world and its store")
    world_dir = out / "world"
    store_path = db_path(db) if db is not None else out / "scenescope.duckdb"
    _claim_store(store_path, own=db is None)
    timings = Timings()
    started = time.perf_counter()
    steps = Steps(console, 7 - no_live)
    if fresh or not _world_matches(world_dir, config):
        steps.next(f"Simulating the default world (seed {config.world.seed}, scale {scale})")
        from scenescope.cli.world import _simulate_with_progress

        if world_dir.exists():
            shutil.rmtree(world_dir)
        summary = _simulate_with_progress(config, world_dir)
        console.print(
            f"{summary.releases:,} releases, {summary.pres_rows:,} pre reports, "
            f"{summary.nukes:,} nukes, {summary.titles:,} catalog titles → {world_dir}"
        )
    else:
        steps.next(f"Reusing the simulated world in {world_dir} (seed {config.world.seed})")
    timings.seconds["simulate_s"] = time.perf_counter() - started

    try:
        store = Store.open(store_path)
    except StoreError as exc:
        fail(str(exc))
    with store:
        findings, dump = _run_story(store, world_dir, console, timings, steps, quiet=json_out)
        if not json_out:
            _print_findings(console, findings, top, out / "impact")
        findings = _run_seized(store, world_dir, findings, console, timings, steps)
        if not json_out and findings.evidence is not None:
            print_evidence(console, findings.evidence)
    leaks = list(findings.leaks)
    live = (
        None
        if no_live
        else _live_leg(store_path, world_dir, leaks, console, timings, steps, irc=irc)
    )
    ingest = [dump, *([] if live is None else live.connectors)]
    try:
        store = Store.open(store_path)
    except StoreError as exc:
        fail(str(exc))
    with store:
        report = _write_report(store, out / "report.html", console, timings, steps)
        dashboard = None if no_serve else dashboard_for(store, port)
        timings.seconds["total_s"] = time.perf_counter() - started
        if json_out:
            summary = _json_summary(
                store_path, world_dir, findings, timings, top, live, report, dashboard
            )
            summary["ingest"] = [connector.to_dict() for connector in ingest]
            print_json_lines([summary])
        else:
            print_where_to_look(console, store_path, out, report, dashboard, timings, ingest)
        if dashboard is not None:
            serve_dashboard(store, dashboard, console, quiet=json_out)


def _json_summary(
    store_path: Path,
    world_dir: Path,
    findings: Any,
    timings: Any,
    top: int,
    live: Any,
    report: Any,
    dashboard: Dashboard | None,
) -> dict[str, Any]:
    from scenescope.demo.pipeline import top_leaks

    story = findings.to_dict()
    return {
        "store": str(store_path),
        "world": str(world_dir),
        "leaks": len(findings.leaks),
        "score": story["score"],
        "families": story["families"],
        "trace": story["trace"],
        "impact": story["impact"],
        "evidence": story["evidence"],
        "timings": timings.to_dict(),
        "top_leaks": [leak.to_dict() for leak in top_leaks(list(findings.leaks), top)],
        "live": None if live is None else live.to_dict(),
        "report": report.to_dict(),
        "dashboard": None if dashboard is None else dashboard.to_dict(),
    }


def _print_findings(console: Any, findings: Any, top: int, impact_folder: Path) -> None:
    leaks, score, families = list(findings.leaks), findings.score, findings.families.families
    print_leaks(console, leaks, top)
    console.rule("Against the world's ground truth")
    console.print(score.summary(), markup=False, highlight=False)
    if families:
        console.print("families inferred from the pres alone:", markup=False)
        for family in families:
            console.print(
                f"  family {family.family_id}: {', '.join(family.members)} "
                f"(confidence {family.confidence:.2f})",
                markup=False,
                highlight=False,
            )
    if findings.trace is not None:
        print_trace(console, findings.trace)
    if findings.impact is not None:
        print_impact(console, findings.impact, impact_folder)
    if findings.evidence is not None:
        print_evidence(console, findings.evidence)


def _claim_store(store_path: Path, *, own: bool) -> None:
    """Fail now, before minutes of simulation, if the store cannot be written (a running
    `watch` holds it, newer schema...). The demo's own store is then removed so the story
    reads from the beginning; a store given with --db is kept (ingestion is idempotent)."""
    from scenescope.store import Store, StoreError

    store_path.parent.mkdir(parents=True, exist_ok=True)
    if not store_path.exists():
        return
    try:
        Store.open(store_path).close()
    except StoreError as exc:
        message = str(exc)
        fail(message if str(store_path) in message else f"{store_path}: {message}")
    if own:
        store_path.unlink()
        Path(f"{store_path}.wal").unlink(missing_ok=True)


def _world_matches(world_dir: Path, config: Any) -> bool:
    """True when `world_dir` holds a complete world simulated from exactly this config."""
    from scenescope.world.config import config_digest

    if not all((world_dir / name).exists() for name in WORLD_FILES):
        return False
    try:
        truth = json.loads((world_dir / "truth.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(truth.get("config_digest") == config_digest(config))


def _run_story(
    store: Store, world_dir: Path, console: Any, timings: Any, steps: Steps, *, quiet: bool
) -> tuple[Any, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenescope.cli.ingest_progress import ingest_files
    from scenescope.demo.pipeline import analyse, import_and_match, world_feeds

    steps.next("Ingesting the history from the world's dump (files connector: pres, nukes)")
    with timings.step("ingest_s"):
        files = ingest_files(store, world_feeds(world_dir), show_rejects=5, quiet=quiet)
    dump = _dump_arrival(files, timings.seconds["ingest_s"])

    steps.next("Importing the catalog, shipments and sightings; matching releases to titles")
    with (
        timings.step("catalog_match_s"),
        Progress(
            TextColumn("matching"),
            BarColumn(),
            TextColumn("{task.completed:,} release groups"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("match", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report, matched = import_and_match(store, world_dir, on_progress=advance)
    for problem in report.problems[:5]:
        console.print(str(problem), markup=False, highlight=False)
    console.print(
        f"{report.titles:,} titles, {report.release_dates:,} official dates; "
        f"{matched.matched:,} releases matched, {matched.possible:,} possible, "
        f"{matched.unmatched:,} unmatched",
        markup=False,
    )
    steps.next(
        "Finding leaks, inferring families, tracing sources, measuring the operation's impact"
    )
    with console.status("leaks, families, trace to accounts, impact of the operation"):
        return analyse(store, world_dir, timings, evidence=False), dump


def _dump_arrival(files: list[dict[str, Any]], seconds: float) -> Any:
    """The files connector's share of the ingest: the world's history, from its dump."""
    from scenescope.demo.arrivals import ConnectorArrival

    def total(key: str) -> int:
        return sum(int(result.get(key) or 0) for result in files)

    return ConnectorArrival(
        connector="files",
        feed=", ".join(Path(str(result["file"])).name for result in files),
        carried="history from the world's dump",
        events=total("events"),
        pres=total("reports_new"),
        nukes=total("nukes_new"),
        releases=total("releases_new"),
        seconds=seconds,
    )


def _run_seized(
    store: Store, world_dir: Path, findings: Any, console: Any, timings: Any, steps: Steps
) -> Any:
    """Add the operation's seized media as one evidence case and triage it."""
    from dataclasses import replace

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenescope.demo.pipeline import add_seized_media, seized_sources, triage_seized

    sources = seized_sources(world_dir)
    steps.next(f"Seized media: {len(sources)} listings of the operation as an evidence case")
    if not sources:
        console.print("the world seized no media", markup=False)
        return findings
    with (
        timings.step("evidence_s"),
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} media"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("adding", total=len(sources) + 1)
        for label, source in sources:
            progress.update(task, description=f"adding {label} ({source.name})")
            add_seized_media(store, world_dir, only=(label,))
            progress.advance(task)
        progress.update(task, description="triage")
        triage = triage_seized(store, world_dir)
        progress.advance(task)
    return replace(findings, evidence=triage)


def _live_leg(
    store_path: Path,
    world_dir: Path,
    leaks: list[Any],
    console: Any,
    timings: Any,
    steps: Steps,
    *,
    irc: str,
) -> Any:
    """The figures above are already computed; go live as a deployment does: a REST backfill
    of the day before the window, then the window over the websocket and IRC together."""
    from scenescope.demo.live import LiveReplayError, replay_into_store
    from scenescope.store import Store, StoreError

    steps.next(
        "Live: REST backfill of the day before, then the busiest retail-leak hours over "
        "the predb.ovh websocket and an IRC announce channel"
    )
    started = time.perf_counter()
    try:
        with Store.open(store_path) as store:
            live = replay_into_store(store, world_dir, leaks=leaks, console=console, irc=irc)
    except StoreError as exc:
        fail(str(exc))
    except LiveReplayError as exc:
        console.print(f"live replay skipped: {exc}", markup=False, highlight=False)
        return None
    timings.seconds["live_s"] = time.perf_counter() - started
    for line in live.summary_lines():
        console.print(line, markup=False, highlight=False)
    return live


def _write_report(store: Store, path: Path, console: Any, timings: Any, steps: Steps) -> Any:
    """The `scenescope report` document over the demo's store."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenescope.report.document import ReportError, write_report
    from scenescope.web.views import registered_views

    steps.next(f"Writing the report ({path})")
    with (
        timings.step("report_s"),
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} sections"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("report", total=len(registered_views()) + 1)
        started = [False]

        def section(title: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=title)

        try:
            written = write_report(store, path, on_section=section)
        except ReportError as exc:
            fail(str(exc))
        progress.update(task, completed=len(registered_views()) + 1)
    console.print(
        f"wrote {written.html}: headline figures and {len(written.sections)} sections (charts, "
        f"top rows, method notes) in {written.seconds:.1f} s "
        f"(`scenescope report --out FILE [--pdf FILE]` writes it again)",
        markup=False,
        highlight=False,
    )
    return written


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
