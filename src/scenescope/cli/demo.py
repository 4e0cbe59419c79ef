"""`scenescope demo`: the story end to end on the embedded default.

Simulate the default world, ingest its pres and nukes through the files connector into a
DuckDB store, import its catalog, match releases to titles, print the leaks found and score
them against the world's truth, then replay a slice live over the predb.ovh websocket into
`watch` with alerts to a signed webhook. Every step is the production path, with progress shown.
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

if TYPE_CHECKING:
    from scenescope.store import Store

WORLD_FILES = ("pres.csv", "nukes.csv", "titles.csv", "release_dates.csv", "truth.json")


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
        False, "--no-live", help="Skip the live replay (websocket → watch → webhook alerts)."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Simulate a world, ingest it, import its catalog, find leaks and score them vs truth."""

    from scenescope.demo.pipeline import Timings, top_leaks
    from scenescope.store import Store, StoreError
    from scenescope.world.config import ConfigError, load_config

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
    if fresh or not _world_matches(world_dir, config):
        console.rule(f"1/6 Simulating the default world (seed {config.world.seed}, scale {scale})")
        from scenescope.cli.world import _simulate_with_progress

        if world_dir.exists():
            shutil.rmtree(world_dir)
        summary = _simulate_with_progress(config, world_dir)
        console.print(
            f"{summary.releases:,} releases, {summary.pres_rows:,} pre reports, "
            f"{summary.nukes:,} nukes, {summary.titles:,} catalog titles → {world_dir}"
        )
    else:
        console.rule(f"1/6 Reusing the simulated world in {world_dir} (seed {config.world.seed})")
    timings.seconds["simulate_s"] = time.perf_counter() - started

    try:
        store = Store.open(store_path)
    except StoreError as exc:
        fail(str(exc))
    with store:
        findings = _run_story(store, world_dir, console, timings, quiet=json_out)
    leaks, score, families = list(findings.leaks), findings.score, findings.families.families
    traced = findings.trace
    if json_out:
        live = None if no_live else _live_leg(store_path, world_dir, leaks, console, timings)
        print_json_lines(
            [
                {
                    "store": str(store_path),
                    "world": str(world_dir),
                    "leaks": len(leaks),
                    "score": score.to_dict(),
                    "families": [f.to_dict() for f in families],
                    "trace": findings.to_dict()["trace"],
                    "impact": findings.to_dict()["impact"],
                    "timings": timings.to_dict(),
                    "top_leaks": [leak.to_dict() for leak in top_leaks(leaks, top)],
                    "live": live,
                }
            ]
        )
        return
    _print_leaks(console, leaks, top)
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
    if traced is not None:
        _print_trace(console, traced)
    if findings.impact is not None:
        _print_impact(console, findings.impact, out / "impact")
    if not no_live:
        _live_leg(store_path, world_dir, leaks, console, timings)
    console.print(
        f"store: {store_path} — try `scenescope leaks --db {store_path} --group NAME`, "
        f"`scenescope families --db {store_path}`, `scenescope search --db {store_path} WORD`",
        markup=False,
        highlight=False,
    )


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


def _run_story(store: Store, world_dir: Path, console: Any, timings: Any, *, quiet: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenescope.cli.ingest_progress import ingest_files
    from scenescope.demo.pipeline import analyse, import_and_match, world_feeds

    console.rule("2/6 Ingesting pres and nukes through the files connector")
    with timings.step("ingest_s"):
        ingest_files(store, world_feeds(world_dir), show_rejects=5, quiet=quiet)

    console.rule("3/6 Importing the catalog and matching releases to titles")
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
    console.rule("4/6 Finding leaks, 5/6 scoring against truth and inferring families")
    return analyse(store, world_dir, timings)


def _live_leg(
    store_path: Path, world_dir: Path, leaks: list[Any], console: Any, timings: Any
) -> dict[str, Any] | None:
    """Step 6: the figures above are already computed; replay a slice live into the store."""
    from scenescope.demo.live import LiveReplayError, replay_into_store
    from scenescope.store import Store, StoreError

    console.rule("6/6 Live: replaying the busiest retail-leak hours over the predb.ovh websocket")
    started = time.perf_counter()
    try:
        with Store.open(store_path) as store:
            live = replay_into_store(store, world_dir, leaks=leaks, console=console)
    except StoreError as exc:
        fail(str(exc))
    except LiveReplayError as exc:
        console.print(f"live replay skipped: {exc}", markup=False, highlight=False)
        return None
    timings.seconds["live_s"] = time.perf_counter() - started
    for line in live.summary_lines():
        console.print(line, markup=False, highlight=False)
    return live.to_dict()


def _print_trace(console: Any, traced: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    figures = traced.score.figures
    table = Table(
        title="Retail leaks traced to the supply accounts they came from (top 5)",
        title_justify="left",
    )
    for header in ("account", "kind", "posterior", "90% interval", "leaks explained", "groups"):
        table.add_column(header, overflow="fold")
    for account in traced.result.accounts[:5]:
        cells = (
            f"{account.account_id} {account.name or ''}".strip(),
            account.kind or "",
            f"{account.posterior:.2f}",
            f"{account.lower:.2f}–{account.upper:.2f}",
            f"{account.leaks_explained:.1f}",
            ", ".join(account.groups[:4]),
        )
        table.add_row(*(Text(str(c)) for c in cells))
    console.print(table)
    recall = figures.get("recall_at_k")
    naive = traced.naive_recall
    console.print(
        f"trace vs truth: {len(traced.fronts)} true fronts, recall in the top k "
        f"{'n/a' if recall is None else f'{recall:.2f}'} (naive count of early-received leaked "
        f"titles: {'n/a' if naive is None else f'{naive:.2f}'}); "
        f"`scenescope trace --account ID --out DIR` writes an account's evidence sheet",
        markup=False,
        highlight=False,
    )


def _print_impact(console: Any, impact: Any, folder: Path) -> None:
    """The operation's effect (the recorded event), the breaks found without being told, and
    how both compare with the world's truth; the charts go to `folder`."""
    from scenescope.report.impact_charts import summary_text, write_report

    console.rule("The operation and its aftermath")
    breaks = [b for b in impact.breaks.breaks if b.size < 0]
    found = ", ".join(f"{b.date} ({b.size:+.0%})" for b in breaks[:3]) or "none"
    console.print(f"drops found in the daily pres without being told: {found}", markup=False)
    if impact.result is None:
        return
    for line in summary_text(impact.result).splitlines()[2:-2]:
        console.print(line, markup=False, highlight=False)
    write_report(impact.result, folder)
    score = impact.score.to_dict() if impact.score is not None else {}
    coverage, error = score.get("coverage"), score.get("direct_share_error")
    console.print(
        "impact vs truth: the world's own counterfactual inside the 90% interval in "
        f"{'n/a' if coverage is None else f'{coverage:.0%}'} of the weeks, removal share off by "
        f"{'n/a' if error is None else f'{error * 100:.1f} points'}; charts and impact.json in "
        f"{folder}; `scenescope impact --event DATE --family F --out DIR`, "
        "`scenescope propagation`",
        markup=False,
        highlight=False,
    )


def _print_leaks(console: Any, leaks: list[Any], count: int) -> None:
    from rich.table import Table
    from rich.text import Text

    from scenescope.demo.pipeline import top_leaks

    by_class: dict[str, int] = {}
    for leak in leaks:
        by_class[leak.source_class] = by_class.get(leak.source_class, 0) + 1
    classes = ", ".join(f"{n:,} {k}" for k, n in sorted(by_class.items(), key=lambda kv: -kv[1]))
    table = Table(
        title=f"{len(leaks):,} leaks found ({classes}); top {count} by lead, across sources",
        title_justify="left",
    )
    table.add_column("release", overflow="fold", min_width=34, ratio=3)
    for header in ("source", "group", "official date", "lead"):
        table.add_column(header, overflow="fold")
    for leak in top_leaks(leaks, count):
        official = f"{leak.official_date} {leak.window or ''} {leak.territory or ''}".strip()
        lead = f"{leak.lead_days:.1f} d" if abs(leak.lead_days) >= 1 else f"{leak.lead_hours:.1f} h"
        cells = (leak.release_name, leak.source_class, leak.group, official, lead)
        # Release names are hostile: Text() keeps them from being read as Rich markup.
        table.add_row(*(Text("" if c is None else str(c)) for c in cells))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
