"""`scenescope trace`: which supply-chain accounts retail leaks came from (ranking, per-leak
candidates, one account's evidence sheet). Thin wrapper over `analysis.trace.trace_accounts`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    fail,
    open_store,
    print_json_lines,
    print_table,
)


def register(app: typer.Typer) -> None:
    app.command("trace")(trace_command)


def trace_command(
    since: str | None = typer.Option(None, "--since", help="Leaks pred on or after YYYY-MM-DD."),
    studio: str | None = typer.Option(None, "--studio", help="Words of the studio."),
    distributor: str | None = typer.Option(None, "--distributor", help="Only its shipments."),
    account: str | None = typer.Option(None, "--account", help="One account's evidence sheet."),
    leaks: bool = typer.Option(False, "--leaks", help="Per-leak candidate accounts."),
    limit: int = typer.Option(20, "--limit", min=1, help="Accounts shown (not with --json)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the JSON / evidence files."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Rank accounts by the probability that they are a source of retail-disc leaks."""
    from scenescope.analysis.trace import TraceParams, trace_accounts
    from scenescope.engine import Engine

    since_day = None
    if since is not None:
        try:
            since_day = dt.date.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)")
    params = TraceParams(since=since_day, studio=studio, distributor=distributor)
    with open_store(db, read_only=True) as store:
        engine = Engine.of(store)
        if not engine.has_table("supply_shipments") or not engine.scalar(
            "SELECT count(*) FROM supply_shipments"
        ):
            fail("no shipments in the store: import them (scenescope catalog import shipments.csv)")
        result = trace_accounts(engine, params)
        if account is not None:
            if result.account(account) is None:
                fail(f"--account {account!r}: no such account in the imported accounts.csv")
            from scenescope.analysis.trace_sheet import write_sheet

            sheet = write_sheet(engine, result, account, out or Path("."))
            for path in sheet.files:
                typer.echo(str(path))
            return
    rows = (
        [row for leak in result.leaks for row in leak.rows()]
        if leaks
        else [a.to_dict() for a in result.accounts]
    )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        target = out / ("trace-leaks.json" if leaks else "trace.json")
        target.write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
        typer.echo(f"wrote {target}", err=True)
    if json_out:
        print_json_lines(rows)
        return
    if leaks:
        print_table("leak candidates", ["release", "rank", "account", "probability"],
                    [[r["release"], r["rank"], r["account_id"] or "(outside records)",
                      f"{r['probability']:.3f}"] for r in rows])  # fmt: skip
        return
    print_table(
        f"accounts ({result.leaked_titles} leaked titles)",
        ["account", "name", "kind", "posterior", "90% interval", "explained", "received",
         "delay d"],
        [
            [a.account_id, a.name, a.kind, f"{a.posterior:.3f}", f"{a.lower:.2f}-{a.upper:.2f}",
             f"{a.leaks_explained:.1f}", a.titles_received_early,
             "" if a.median_delay_days is None else f"{a.median_delay_days:.1f}"]
            for a in result.accounts[:limit]
        ],
    )  # fmt: skip
