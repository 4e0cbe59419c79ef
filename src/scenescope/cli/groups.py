"""Group intelligence commands: `groups`, `group`, `race`, `families`, `network`, `successors`.

Thin wrappers over scenescope.analysis.{groups, race, affiliation, successors}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    ROW_LIMIT_MAX,
    fail,
    open_store,
    parse_when,
    plain,
    print_json_lines,
    print_table,
)

T = TypeVar("T")


@contextmanager
def _connection(db: Path | None) -> Iterator[Any]:
    with open_store(db, read_only=True) as store:
        yield store.connection


def _say(text: str) -> None:
    """A line of the report; group names and titles are shown as written, controls escaped."""
    typer.echo(plain(text))


def _steps(label: str, work: Callable[[], T]) -> T:
    """Run a long analysis under a Rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    console = Console(stderr=True)
    # Not on a terminal (a pipe, a log), a transient bar would only leave a blank line.
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as progress:
        task = progress.add_task(label, total=1)
        result = work()
        progress.update(task, completed=1)
    return result


def _table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    print_table(title, headers, rows, wrapping=("group", "title", "dark group", "candidate"))


def groups(
    since: str | None = typer.Option(None, "--since", help="Only pres from this date (UTC)."),
    category: str | None = typer.Option(None, "--category", help="Only this section."),
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Every group: volume, active period, specialty, nuke rate, dormancy."""
    from scenescope.analysis.groups import group_summaries

    moment = parse_when(since, "--since")
    with _connection(db) as con:
        rows = group_summaries(con, since=moment, category=category)
    if json_output:
        print_json_lines(r.to_dict() for r in rows)
        return
    _table(
        f"{len(rows)} groups",
        [
            "group",
            "releases",
            "first pre",
            "last pre",
            "per week",
            "category",
            "source",
            "nuked",
            "dormant",
        ],
        [
            [
                r.group,
                r.releases,
                r.first_pre_at.date(),
                r.last_pre_at.date(),
                f"{r.pres_per_week:.1f}",
                r.top_category,
                r.top_source_class,
                f"{100 * r.nuke_rate:.1f}%",
                r.dormancy.describe() if r.dormancy else "",
            ]
            for r in rows
        ],
    )


def group(
    name: str = typer.Argument(..., help="Group tag (case-insensitive)."),
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """One group's profile: volume per week, specialty, titles and leads, nukes, PROPERs, feeds."""
    from scenescope.analysis.groups import group_profile

    with _connection(db) as con:
        try:
            profile = group_profile(con, name)
        except LookupError as exc:
            fail(str(exc))
    data = profile.to_dict()
    if json_output:
        print_json_lines([data])
        return
    s = profile.summary
    _say(
        f"{s.group}: {s.releases} releases, {s.first_pre_at.date()} → "
        f"{s.last_pre_at.date()}, {s.pres_per_week:.1f} pres a week"
    )
    if s.dormancy:
        _say(f"  DORMANT: {s.dormancy.describe()}")
    for label, mix in (
        ("categories", profile.categories),
        ("sources", profile.source_classes),
        ("resolutions", profile.resolutions),
        ("codecs", profile.codecs),
        ("languages", profile.languages),
        ("feeds", profile.feeds),
        ("spellings", profile.spellings),
    ):
        if mix:
            _say(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in list(mix.items())[:8]))
    _say(
        f"  nuked: {profile.nukes} ({100 * s.nuke_rate:.1f}%)"
        + (
            " — " + ", ".join(f"{k} {v}" for k, v in profile.top_nuke_reasons.items())
            if profile.top_nuke_reasons
            else ""
        )
    )
    _say(
        f"  PROPERs by it: {profile.propers_by}; against it: {profile.propers_against}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in profile.propers_against_by_group.items()) + ")"
            if profile.propers_against_by_group
            else ""
        )
    )
    if profile.titles:
        _say(
            f"  matched titles: {len(profile.titles)}; lead days median "
            f"{data['lead_days_median']}, IQR {data['lead_days_spread']}"
        )
    weeks = profile.weekly_volume[-12:]
    _say("  last weeks: " + ", ".join(f"{w.isoformat()} {n}" for w, n in weeks))


def race(
    title: str | None = typer.Argument(None, help="Catalog title id or title (prefix)."),
    group_name: str | None = typer.Option(None, "--group", help="Races this group entered."),
    limit: int = typer.Option(
        50, "--limit", min=1, max=ROW_LIMIT_MAX, help="At most this many races."
    ),
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Who pred first per title × format, the margin, and the dupes (with a group: its record)."""
    from scenescope.analysis.race import group_race_records, races_for_group, races_for_title

    if (title is None) == (group_name is None):
        fail("give a TITLE or --group GROUP (one of them)")
    with _connection(db) as con:
        try:
            races = (
                races_for_title(con, title)
                if title is not None
                else races_for_group(con, group_name or "")
            )
        except ValueError as exc:
            fail(str(exc))
        record = None
        if group_name is not None:
            record = next(
                (r for r in group_race_records(con) if r.group_key == group_name.strip().lower()),
                None,
            )
            if record is None:
                fail(f"no releases by group {group_name!r} in the store")
    if title is not None and not races:
        fail(
            f"no releases of a title {title!r}: give a title_id from `scenescope catalog list` "
            "or the start of a title as release names spell it"
        )
    races = races[:limit]
    if json_output:
        print_json_lines(r.to_dict() for r in races)
        return
    if record is not None:
        margin = (
            ""
            if record.median_margin_s is None
            else f", median margin {_duration(record.median_margin_s)}"
        )
        _say(
            f"{record.group}: entered {record.entered} contested races, won {record.won}"
            f"{margin}; {record.uncontested} uncontested"
        )
    _table(
        f"{len(races)} races",
        ["title", "format", "winner", "margin", "dupes (nuked)"],
        [
            [
                r.title,
                r.format,
                r.winner,
                _duration(r.margin_s),
                f"{len(r.dupes)} ({sum(1 for d in r.dupes if d.status == 'nuked')})",
            ]
            for r in races
        ],
    )


def _duration(seconds: float | None) -> str:
    """A race margin as a person reads it: 42 s, 7.5 min, 3.2 h, 19.1 d (JSON keeps seconds)."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86_400.0), ("h", 3_600.0), ("min", 60.0)):
        if abs(seconds) >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def families(
    explain: str | None = typer.Option(
        None, "--explain", help="A family (number or any member) with its evidence in words."
    ),
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Affiliation families with calibrated probabilities and the evidence on each edge."""
    from scenescope.analysis.affiliation import Families
    from scenescope.analysis.affiliation_explain import explain_family

    with _connection(db) as con:
        result = _steps("inferring families", lambda: Families()(con))
    if explain is not None:
        family = result.family(explain)
        if family is None:
            fail(
                f"no family {explain!r}: give a family number or a member from "
                "`scenescope families`"
            )
        if json_output:
            print_json_lines([family.to_dict()])
            return
        for line in explain_family(family):
            _say(line)
        return
    if json_output:
        print_json_lines(f.to_dict() for f in result.families)
        return
    if not result.families:
        _say(f"no families among {len(result.groups)} groups")
    for f in result.families:
        members = ", ".join(f"{m} {p:.2f}" for m, p in zip(f.members, f.memberships, strict=False))
        note = " — rests on one kind of evidence" if f.single_evidence else ""
        _say(f"family {f.family_id} (probability {f.confidence:.2f}): {members}{note}")
        for e in f.edges[:10]:
            gap = "" if e.mean_gap_s is None else f", mean gap {e.mean_gap_s / 60:.1f} min"
            _say(
                f"  {e.group_a} — {e.group_b}: p {e.weight:.2f}; {e.together} of "
                f"{e.shared_titles} shared titles together (chance {e.expected_shared:.0f}){gap}; "
                f"{e.races} races, {e.dupe_nukes} dupe nukes; carried by "
                f"{', '.join(e.carried_by) or '-'}"
            )


def network(
    out: Path = typer.Option(..., "--out", help="Output file: .graphml or .html."),
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Write the group graph: GraphML (Gephi, Cytoscape) or a self-contained HTML view."""
    from scenescope.analysis.affiliation import Families
    from scenescope.report.network_view import network_html, write_graphml

    suffix = out.suffix.lower()
    if suffix not in (".graphml", ".html", ".htm"):
        fail(f"--out {out}: expected a .graphml or .html file name")
    if out.is_dir():
        fail(f"--out {out} is a folder; give a file name ending in .graphml or .html")
    if not out.parent.is_dir():
        fail(f"--out {out}: directory {out.parent} does not exist")
    with _connection(db) as con:
        result = _steps("inferring families", lambda: Families()(con))
    if suffix == ".graphml":
        write_graphml(result, str(out))
    else:
        out.write_text(network_html(result), encoding="utf-8")
    summary = {
        "out": str(out),
        "groups": len(result.groups),
        "edges": len(result.edges),
        "families": len(result.families),
    }
    if json_output:
        print_json_lines([summary])
        return
    _say(
        f"wrote {out}: {summary['groups']} groups, {summary['edges']} edges, "
        f"{summary['families']} families"
    )


def successors(
    db: Path | None = DB_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Groups that went dark and the new groups that look like their successors."""
    from scenescope.analysis.successors import Successors

    with _connection(db) as con:
        result = _steps("scoring successors", lambda: Successors()(con))
    candidates = result.candidates
    if json_output:
        print_json_lines(c.to_dict() for c in candidates)
        return
    likely = result.successors()
    _say(
        f"{len(likely)} dark groups with a successor scoring at least {result.threshold:.2f}"
        + "".join(
            f"\n  {c.predecessor} -> {c.successor}: score {c.score:.2f}, runner-up "
            f"{c.runner_up or '-'} {c.runner_up_score or 0:.2f}"
            for c in likely
        )
    )
    _table(
        f"{len(candidates)} candidates",
        [
            "dark group",
            "last pre",
            "candidate",
            "rank",
            "score",
            "margin",
            "gap (days)",
            "specialty",
            "titles",
            "timing",
        ],
        [
            [
                c.predecessor,
                c.predecessor_last_pre.date(),
                c.successor,
                c.rank,
                f"{c.score:.2f}" + (" *" if c.above_threshold else ""),
                "" if c.margin is None else f"{c.margin:.2f}",
                f"{c.gap_days:.0f}",
                f"{c.specialty_similarity:.2f}",
                f"{c.title_overlap:.2f}",
                f"{c.timing_similarity:.2f}",
            ]
            for c in candidates
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("groups")(groups)
    app.command("group")(group)
    app.command("race")(race)
    app.command("families")(families)
    app.command("network")(network)
    app.command("successors")(successors)
