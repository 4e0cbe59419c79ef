"""`scenescope alerts list|test|deliver|scan|rules`: recorded alerts, sample sends, queue
flush, catch-up over stored leaks, and config validation.

Thin wrappers over `scenescope.alerts` (rules, dispatcher, queue, sinks).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    ROW_LIMIT_MAX,
    cell,
    fail,
    open_store,
    output_console,
    parse_when,
    plain,
    print_json_lines,
)

alerts_app = typer.Typer(
    help="Leak alerts: rules, sinks (webhook, Slack, SMTP) and the delivery queue.",
    no_args_is_help=True,
)

CONFIG_OPTION = typer.Option(
    None,
    "--config",
    "-c",
    help="Alert rules (TOML). Default: $SCENESCOPE_ALERTS, else alerts.toml in the config dir.",
)


def _load(config: Path | None) -> Any:
    from scenescope.alerts.rules import AlertConfigError, default_config_path, load_config

    try:
        return load_config(config or default_config_path())
    except AlertConfigError as exc:
        fail(str(exc))


@alerts_app.command("list")
def list_command(
    rule: str | None = typer.Option(None, "--rule", help="Only this rule's alerts."),
    limit: int = typer.Option(50, "--limit", min=1, max=ROW_LIMIT_MAX, help="Newest N alerts."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Recorded alerts, newest first, with each sink's delivery state."""
    from scenescope.alerts.queue import list_alerts

    with open_store(db, read_only=True) as store:
        rows = list_alerts(store.connection, rule=rule, limit=limit)
    if json_out:
        print_json_lines(rows)
        return
    from rich.table import Table

    table = Table("id", "created", "rule", "reason", "release", "lead d", "severity", "delivery")
    table.columns[4].overflow = "fold"  # never cut a release name short
    for row in rows:
        if row["suppressed"]:
            delivery = "suppressed"
        else:
            delivery = ", ".join(
                f"{d['sink']}: {d['status']}"
                + (f" ({d['attempts']}x)" if d["attempts"] > 1 else "")
                for d in row["deliveries"]
            )
        table.add_row(
            *(
                cell(value)
                for value in (
                    row["alert_id"],
                    row["created_at"][5:16].replace("T", " "),
                    row["rule"],
                    row["reason"],
                    row["release_name"],
                    f"{row['lead_days']:.1f}" if row["lead_days"] is not None else "-",
                    row["severity"] or "-",
                    delivery,
                )
            )
        )
    console = output_console()
    console.print(table)
    if not rows:
        console.print("no alerts recorded")


@alerts_app.command("test")
def test_command(
    rule: str = typer.Argument(..., help="Rule name from the config."),
    config: Path | None = CONFIG_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Send a clearly-labelled sample alert through the rule's sinks; print each result.

    The sample is not recorded in the store and does not count for dedupe.
    """
    from scenescope.alerts.message import Alert, sample_leak
    from scenescope.alerts.rules import AlertConfigError
    from scenescope.alerts.sinks import make_sink

    settings = _load(config)
    try:
        chosen = settings.rule(rule)
    except AlertConfigError as exc:
        fail(str(exc))
    now = dt.datetime.now(dt.UTC)
    alert = Alert(
        alert_id=0, rule=chosen.name, reason="test", leak=sample_leak(now), created_at=now
    )
    results = []
    for name in chosen.sinks:
        sink = make_sink(settings.sinks[name], settings.delivery)
        try:
            result = sink.send(alert, delivery_id=f"test-{int(now.timestamp())}")
        finally:
            sink.close()
        results.append(
            {
                "sink": name,
                "kind": sink.kind,
                "ok": result.ok,
                "status_code": result.status_code,
                "error": result.error,
                "retryable": not result.ok and not result.permanent,
            }
        )
    if json_out:
        print_json_lines(results)
    else:
        for r in results:
            code = f" ({r['status_code']})" if r["status_code"] is not None else ""
            state = "delivered" if r["ok"] else f"FAILED: {r['error']}"
            typer.echo(plain(f"{r['sink']} [{r['kind']}]: {state}{code}"))
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)


@alerts_app.command("deliver")
def deliver_command(
    config: Path | None = CONFIG_OPTION,
    all_pending: bool = typer.Option(
        False, "--all", help="Also retry deliveries still waiting out their backoff."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Try every queued delivery that is due once (use when no `watch` is running)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from scenescope.alerts import queue as alert_queue
    from scenescope.alerts.dispatcher import AlertDispatcher, DeliveryOutcome

    settings = _load(config)
    with open_store(db, must_exist=True) as store:
        due = alert_queue.due_deliveries(store.connection, None if all_pending else _utcnow())
        console = Console(stderr=True)
        progress = Progress(
            TextColumn("delivering"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=json_out or not console.is_terminal,
        )
        task = progress.add_task("deliver", total=len(due))

        def advance(outcome: DeliveryOutcome) -> None:
            progress.advance(task)

        with progress, AlertDispatcher(store.connection, settings, on_attempt=advance) as sender:
            outcomes = sender.deliver_due(ignore_backoff=all_pending)
        waiting = alert_queue.pending_count(store.connection)
    rows = [
        {
            "delivery_id": o.delivery_id,
            "alert_id": o.alert_id,
            "sink": o.sink,
            "attempt": o.attempt,
            "status": o.status,
            "status_code": o.result.status_code,
            "error": o.result.error,
        }
        for o in outcomes
    ]
    if json_out:
        print_json_lines(rows)
        return
    counts = {
        s: sum(1 for o in outcomes if o.status == s) for s in ("delivered", "pending", "dead")
    }
    typer.echo(
        f"{len(outcomes)} attempts: {counts['delivered']} delivered, {counts['pending']} will "
        f"retry, {counts['dead']} dead-lettered; {waiting} still queued"
    )


@alerts_app.command("scan")
def scan_command(
    config: Path | None = CONFIG_OPTION,
    since: str | None = typer.Option(
        None, "--since", help="Only pres at or after this date (YYYY-MM-DD) or ISO time."
    ),
    deliver: bool = typer.Option(False, "--deliver", help="Also send what was queued, once."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Check stored leaks against the rules and queue alerts not sent before (catch-up after
    a catalog import, or without `watch --alerts`). Dedupe makes it safe to repeat."""
    from scenescope.alerts.dispatcher import AlertDispatcher
    from scenescope.analysis.leaks import find_leaks

    since_at = parse_when(since, "--since")
    settings = _load(config)
    with (
        open_store(db, must_exist=True) as store,
        AlertDispatcher(store.connection, settings) as dispatcher,
    ):
        leaks = find_leaks(store, since=since_at)
        recorded = dispatcher.submit(leaks)
        outcomes = dispatcher.deliver_due() if deliver else []
    if json_out:
        print_json_lines(
            {"alert_id": r.alert_id, "rule": r.rule, "reason": r.reason,
             "suppressed": r.suppressed, "release_name": r.release_name}
            for r in recorded
        )  # fmt: skip
        return
    queued = sum(1 for r in recorded if not r.suppressed)
    delivered = sum(1 for o in outcomes if o.status == "delivered")
    typer.echo(
        f"{len(leaks)} leaks, {len(recorded)} new alerts ({queued} queued, "
        f"{len(recorded) - queued} suppressed as PROPER/dupe)"
        + (f"; {delivered} of {len(outcomes)} deliveries succeeded" if deliver else "")
    )


@alerts_app.command("rules")
def rules_command(config: Path | None = CONFIG_OPTION, json_out: bool = JSON_OPTION) -> None:
    """The rules and sinks a config file defines (validates it)."""
    settings = _load(config)
    rows = [
        {
            "rule": r.name,
            "sinks": [f"{s} ({settings.sinks[s].kind})" for s in r.sinks],
            "titles": sorted(r.titles),
            "title_ids": sorted(r.title_ids),
            "studios": sorted(r.studios),
            "severities": sorted(r.severities),
            "source_classes": sorted(r.source_classes),
            "groups": sorted(r.groups),
            "min_lead_days": r.min_lead_days,
            "realert_on": sorted(r.realert_on),
        }
        for r in settings.rules.values()
    ]
    if json_out:
        print_json_lines(rows)
        return
    for row in rows:
        filters = [
            f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in row.items()
            if key not in ("rule", "sinks") and value not in (None, [])
        ]
        typer.echo(
            plain(
                f"{row['rule']}: {' '.join(filters) or 'every leak'} -> {', '.join(row['sinks'])}"
            )
        )


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
