"""`scenescope evidence`: seized media listings (add), the case triage (report) and one
medium (show). Thin wrappers over `evidence.store.add_media` and `analysis.evidence`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    fail,
    open_store,
    parse_when,
    print_json_lines,
    print_table,
)

evidence_app = typer.Typer(help="Seized media: triage file listings against the release record.")


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


def _gap(seconds: float | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{sign}{seconds / 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{sign}{seconds / 3600:.1f}h"
    return f"{sign}{seconds / 86400:.1f}d"


@evidence_app.command("add")
def add_command(
    case: str = typer.Argument(..., help="Case id (created if new)."),
    sources: list[Path] = typer.Argument(..., help="Bodyfiles, CSV listings or disk images."),
    label: str | None = typer.Option(None, "--label", help="The medium's label (one source)."),
    seized_at: str | None = typer.Option(None, "--seized-at", help="When it was seized (ISO)."),
    timezone: str | None = typer.Option(None, "--timezone", help="The medium's clock zone (IANA)."),
    source_hash: str | None = typer.Option(None, "--hash", help="The image's hash, as recorded."),
    kind: str | None = typer.Option(None, "--kind", help="bodyfile / csv / image (else detected)."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Add seized media to a case; adding a label again replaces it (idempotent)."""
    from scenescope.evidence.records import ListingError
    from scenescope.evidence.store import add_media

    seized = parse_when(seized_at, "--seized-at")
    with open_store(db) as store:
        try:
            added = add_media(
                store,
                case,
                sources,
                label=label,
                seized_at=seized,
                timezone=timezone,
                source_hash=source_hash,
                kind=kind,
            )
        except ListingError as exc:
            fail(str(exc))
    if json_out:
        print_json_lines(a.to_dict() for a in added)
        return
    for a in added:
        again = " (replaced)" if a.replaced else ""
        typer.echo(
            f"{a.case_id}/{a.label}{again}: {a.entries:,} entries from {a.kind} {a.source}; "
            f"{a.skipped_lines} line(s) skipped, {a.repaired_lines} kept with a repair"
        )
        for problem in a.problems[:5]:
            kept = "kept" if problem.kept else "skipped"
            typer.echo(f"  {problem.where()}: {problem.reason} ({kept})", err=True)
        if len(a.problems) > 5:
            typer.echo(f"  ... {a.skipped_lines + a.repaired_lines - 5} more", err=True)


def _triage(db: Path | None, case: str, families: bool) -> Any:
    from scenescope.analysis.evidence import EvidenceTriage, TriageParams

    with open_store(db, read_only=True) as store:
        if not store.engine.scalar("SELECT count(*) FROM evidence_media WHERE case_id = ?", [case]):
            fail(
                f"no case {case!r} in the store: add media first "
                f"(scenescope evidence add {case} FILE)"
            )
        return EvidenceTriage().fit(store.engine, TriageParams(case_id=case, families=families))


@evidence_app.command("report")
def report_command(
    case: str = typer.Argument(..., help="Case id."),
    out: Path | None = typer.Option(None, "--out", help="Folder for triage.json and the timeline."),
    families: bool = typer.Option(True, "--families/--no-families", help="Infer group families."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """The triage of a case: each medium's role and evidence, its releases and discs."""
    result = _triage(db, case, families)
    if out is not None:
        from scenescope.evidence.chart import save_timeline, timeline_rows

        out.mkdir(parents=True, exist_ok=True)
        (out / "triage.json").write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
        (out / "timeline.json").write_text(json.dumps(timeline_rows(result)), encoding="utf-8")
        for path in [out / "triage.json", *save_timeline(result, out)]:
            typer.echo(f"wrote {path}", err=True)
    if json_out:
        print_json_lines(
            [{"record": "medium", **m.to_dict()} for m in result.media]
            + [{"record": "release", **r.to_dict()} for r in result.releases]
            + [{"record": "disc", **d.to_dict()} for d in result.discs]
        )
        return
    print_table(
        f"case {case}: {len(result.media)} media",
        [
            "medium",
            "role",
            "releases",
            "before pre",
            "after pre",
            "not in record",
            "discs early",
            "groups",
            "families",
        ],
        [
            [
                m.label,
                m.role,
                m.releases,
                m.before_pre,
                m.after_pre,
                m.not_in_record,
                f"{m.discs_before_street}/{m.discs}",
                ", ".join(m.groups[:6]),
                ", ".join(m.families),
            ]
            for m in result.media
        ],
        wrapping=("groups", "families"),
    )
    if result.shared:
        typer.echo(f"{len(result.shared)} release(s) on more than one medium, e.g.:")
        for name, labels in result.shared[:5]:
            typer.echo(f"  {name}: {', '.join(labels)}")
    for family, groups in result.families:
        typer.echo(f"{family}: {', '.join(groups)}")
    skipped = sum(m.skipped_lines for m in result.media)
    if skipped:
        typer.echo(f"{skipped} listing line(s) could not be read (see evidence show CASE LABEL)")


@evidence_app.command("show")
def show_command(
    case: str = typer.Argument(..., help="Case id."),
    label: str = typer.Argument(..., help="The medium's label."),
    families: bool = typer.Option(False, "--families/--no-families", help="Infer group families."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """One medium: its provenance, role and evidence, releases and discs."""
    result = _triage(db, case, families)
    medium = result.medium(label)
    if medium is None:
        known = ", ".join(m.label for m in result.media)
        fail(f"case {case!r} has no medium {label!r} (it has: {known})")
    releases, discs = result.releases_of(label), result.discs_of(label)
    if json_out:
        print_json_lines(
            [{"record": "medium", **medium.to_dict()}]
            + [{"record": "release", **r.to_dict()} for r in releases]
            + [{"record": "disc", **d.to_dict()} for d in discs]
            + [{"record": "problem", **p} for p in result.problems if p["label"] == label]
        )
        return
    typer.echo(
        f"{label}: {medium.role} ({medium.kind} via {medium.tool}, {medium.entries:,} entries)"
    )
    for line in medium.evidence:
        typer.echo(f"  - {line}")
    print_table(
        "releases",
        ["release", "match", "group", "verdict", "gap", "first file", "proof", "path"],
        [
            [
                r.release or r.found_name,
                r.match,
                r.group or "",
                r.verdict,
                _gap(r.gap_s),
                r.first_at.isoformat() if r.first_at else "",
                "yes" if r.proof else "",
                r.path,
            ]
            for r in releases
        ],
        wrapping=("release", "path"),
    )
    if discs:
        print_table(
            "discs",
            [
                "item",
                "kind",
                "title",
                "street date",
                "first file",
                "lead days",
                "leaks",
                "accounts",
            ],
            [
                [
                    d.name,
                    d.kind,
                    d.title or "?",
                    d.street_date or "",
                    d.first_at.isoformat() if d.first_at else "",
                    f"{d.lead_days:.1f}" if d.lead_days is not None else "",
                    len(d.leaks),
                    ", ".join(d.accounts[:3]),
                ]
                for d in discs
            ],
        )
    for p in [p for p in result.problems if p["label"] == label][:20]:
        typer.echo(f"{p['where']}: {p['reason']} ({'kept' if p['kept'] else 'skipped'})", err=True)
