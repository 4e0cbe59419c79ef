"""`scenescope impact` (an event's effect, `--detect` breaks, `--what-if` a removal) and
`scenescope propagation` (lags down the pyramid). Thin over analysis/impact*.py and
analysis/propagation.py; `--json` prints JSON Lines (weekly rows, then the summary row)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    fail,
    open_store,
    plain,
    print_json_lines,
    print_table,
)
from scenescope.engine import Engine


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        fail(f"{option} {value!r}: expected a date, e.g. 2020-08-25")


def _groups(value: str | None) -> tuple[str, ...]:
    return tuple(g.strip() for g in (value or "").split(",") if g.strip())


def impact_command(
    event: str | None = typer.Option(
        None, "--event", help="The event's date (UTC), e.g. 2020-08-25."
    ),
    name: str | None = typer.Option(None, "--name", help="What to call the event in the report."),
    family: str | None = typer.Option(
        None, "--family", help="The targeted family: its number in `families`, or a member."
    ),
    groups: str | None = typer.Option(None, "--groups", help="The targeted groups: G,G,..."),
    category: list[str] = typer.Option(
        [], "--category", help="Only these sections (prefix: TV matches TV-*); repeatable."
    ),
    baseline_weeks: int = typer.Option(26, "--baseline-weeks", min=4, max=520),
    prior_event: list[str] = typer.Option(
        [], "--prior-event", help="An earlier event whose aftermath the fit leaves out; repeatable."
    ),
    horizon_weeks: int = typer.Option(26, "--weeks", min=1, max=104, help="Weeks after."),
    holidays: str = typer.Option(
        "US,GB,DE,FR,NL,SE", "--holidays", help="Holiday calendars (ISO countries), or ''."
    ),
    detect: bool = typer.Option(False, "--detect", help="Find breaks without being told."),
    since: str | None = typer.Option(None, "--since", help="--detect: from this date."),
    what_if: bool = typer.Option(False, "--what-if", help="Predict a removal before it."),
    as_of: str | None = typer.Option(None, "--as-of", help="--what-if: data up to this date."),
    out: Path | None = typer.Option(None, "--out", help="Write charts, summary and impact.json."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Did an enforcement operation work: counterfactual, removal vs chill, gap, return."""
    from scenescope.analysis.impact_targets import resolve_targets

    if sum([detect, what_if, event is not None]) != 1:
        fail("give one of --event DATE, --detect or --what-if")
    countries = tuple(c.strip().upper() for c in holidays.split(",") if c.strip())
    with open_store(db, read_only=True) as store:
        engine = Engine.of(store)
        try:
            targets = resolve_targets(engine, family=family, groups=_groups(groups))
            if detect:
                rows = _detect(
                    engine, _date(since, "--since"), tuple(category), countries, json_out
                )
            elif what_if:
                rows = _what_if(engine, targets, _date(as_of, "--as-of"), json_out)
            else:
                priors = tuple(
                    d for d in (_date(p, "--prior-event") for p in prior_event) if d is not None
                )
                rows = _impact(
                    engine,
                    _date(event, "--event"),
                    priors,
                    targets,
                    name,
                    tuple(category),
                    baseline_weeks,
                    horizon_weeks,
                    countries,
                    out,
                    json_out,
                )
        except ValueError as exc:
            fail(str(exc))
    if json_out:
        print_json_lines(rows)


def _impact(
    engine: Engine,
    event: dt.date | None,
    priors: tuple[dt.date, ...],
    targets: tuple[str, ...],
    name: str | None,
    categories: tuple[str, ...],
    baseline: int,
    horizon: int,
    countries: tuple[str, ...],
    out: Path | None,
    quiet: bool,
) -> list[dict[str, Any]]:
    from scenescope.analysis.impact import Impact, ImpactParams
    from scenescope.report.impact_charts import summary_text, write_report

    assert event is not None
    params = ImpactParams(
        event=event,
        groups=targets,
        name=name,
        categories=categories,
        baseline_weeks=baseline,
        prior_events=priors,
        horizon_weeks=horizon,
        holiday_countries=countries,
    )
    result = Impact().fit(engine, params)
    rows = [{"row": "week", **w.to_dict()} for w in result.weeks]
    rows.append(result.summary())
    if out is not None:
        written = write_report(result, out)
        typer.echo(f"wrote {len(written)} files to {out}", err=True)
    if not quiet:
        print_table(
            f"pres per week after {event}",
            ["week", "start", "observed", "expected", "90% interval", "effect"],
            [
                (
                    w.week,
                    w.week_start,
                    f"{w.observed:,}",
                    f"{w.expected:,.0f}",
                    f"{w.lower:,.0f}–{w.upper:,.0f}",
                    f"{w.relative:+.0%}" if w.relative is not None else "",
                )
                for w in result.weeks
            ],
        )
        for line in summary_text(result).splitlines():
            typer.echo(plain(line))
    return rows


def _detect(
    engine: Engine,
    since: dt.date | None,
    categories: tuple[str, ...],
    countries: tuple[str, ...],
    quiet: bool,
) -> list[dict[str, Any]]:
    from scenescope.analysis.impact_detect import BreakDetector, DetectParams

    result = BreakDetector().fit(
        engine, DetectParams(since=since, categories=categories, holiday_countries=countries)
    )
    rows = [b.to_dict() for b in result.breaks]
    if not quiet:
        print_table(
            f"{len(rows)} breaks in the daily pres {result.start} … {result.end}",
            ["date", "size", "per day before → after", "categories", "groups"],
            [
                (
                    b.date,
                    f"{b.size:+.0%}",
                    f"{b.before_per_day:,.0f} → {b.after_per_day:,.0f}",
                    ", ".join(f"{c} {n:+}" for c, n in b.categories[:3]),
                    ", ".join(f"{g} {n:+}" for g, n in b.groups[:3]),
                )
                for b in result.breaks
            ],
        )
    return rows


def _what_if(
    engine: Engine, targets: tuple[str, ...], as_of: dt.date | None, quiet: bool
) -> list[dict[str, Any]]:
    from scenescope.analysis.impact_whatif import WhatIf, WhatIfParams

    if as_of is None:
        as_of = dt.datetime.now(dt.UTC).date()
    result = WhatIf().fit(engine, WhatIfParams(groups=targets, as_of=as_of))
    row = result.to_dict()
    if not quiet:

        def share(s: dict[str, Any]) -> str:
            if s["value"] is None:
                return "—"
            return f"{s['value']:.1%} ({s['lower']:.1%}–{s['upper']:.1%})"

        table = [
            ("pres", share(row["pres"])),
            ("race wins", share(row["race_wins"])),
            ("retail-disc leaks", share(row["retail_leaks"])),
        ]
        table += [(f"sightings on {t}", share(s)) for t, s in row["tiers"].items()]
        print_table(
            f"removing {', '.join(targets)} (data up to {as_of}, {result.params.weeks} weeks)",
            ["what they carry", "share (90% interval)"],
            table,
        )
        gap = ", ".join(f"{g['format']} ({g['releases']})" for g in row["gap_formats"][:10])
        typer.echo(f"formats nobody else released: {gap or 'none'}")
    return [row]


def propagation_command(
    group: str | None = typer.Option(None, "--group", help="Only this group."),
    tier: str | None = typer.Option(None, "--tier", help="p2p, usenet, ddl, streaming, iptv."),
    source_class: str | None = typer.Option(None, "--source-class", help="e.g. retail-disc."),
    by_group: bool = typer.Option(False, "--by-group", help="One row per group."),
    event: list[str] = typer.Option([], "--event", help="Before/after this date; repeatable."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Lag from pre to first sighting per tier: median, p90, share never seen."""
    from scenescope.analysis.propagation import TIERS, Propagation, PropagationParams

    if tier is not None and tier.lower() not in TIERS:
        fail(f"--tier {tier!r}: one of {', '.join(TIERS)}")
    events = tuple(d for d in (_date(e, "--event") for e in event) if d is not None)
    params = PropagationParams(
        group=group,
        tier=tier.lower() if tier else None,
        source_class=source_class,
        by_group=by_group,
        events=events,
    )
    with open_store(db, read_only=True) as store:
        result = Propagation().fit(Engine.of(store), params)
    rows = [r.to_dict() for r in result.rows]
    if not result.sightings_linked and not json_out:
        typer.echo("no linked sightings: scenescope ingest sightings.csv", err=True)
    if json_out:
        print_json_lines(rows)
        return

    def hours(v: float | None) -> str:
        return "—" if v is None else (f"{v * 60:.0f} min" if v < 1 else f"{v:.1f} h")

    print_table(
        f"{len(rows)} rows, {result.sightings_linked:,} release × tier sightings",
        ["tier", "source", "group", "period", "releases", "seen", "median", "p90", "never"],
        [
            (
                r["tier"],
                r["source_class"],
                r["group"] or "all",
                r["period"],
                f"{r['releases']:,}",
                f"{r['seen']:,}",
                hours(r["median_lag_hours"]),
                hours(r["p90_lag_hours"]),
                "—" if r["never_seen_share"] is None else f"{r['never_seen_share']:.0%}",
            )
            for r in rows
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("impact")(impact_command)
    app.command("propagation")(propagation_command)
