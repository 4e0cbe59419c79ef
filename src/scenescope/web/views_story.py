"""The aftermath views: impact (level breaks in the pres), propagation down the tiers, and
the seized-media triage — each one registered view over its estimator, like the rest."""

from __future__ import annotations

from typing import Any

from scenescope.engine import Engine
from scenescope.web.tables import Filter
from scenescope.web.tokens import Role
from scenescope.web.views import AnalysisView, estimator_table, register

TIER_NAMES = ("p2p", "usenet", "ddl", "streaming", "iptv")


def _breaks(engine: Engine) -> Any:
    from scenescope.analysis.impact_detect import BreakDetector

    if not engine.scalar("SELECT count(*) FROM releases"):
        return None
    return BreakDetector().fit(engine)


def _break_rows(result: Any) -> list[dict[str, Any]]:
    if result is None:
        return []
    rows = []
    for found in result.breaks:
        row = found.to_dict()
        categories = row.pop("categories")
        groups = row.pop("groups")
        row["change_per_day"] = round(found.after_per_day - found.before_per_day, 1)
        row["categories"] = [f"{c['category']} {c['change']:+d}" for c in categories[:6]]
        row["groups"] = [f"{g['group']} {g['change']:+d}" for g in groups[:8]]
        rows.append(row)
    return rows


def _propagation(engine: Engine) -> Any:
    from scenescope.analysis.propagation import Propagation

    return Propagation().fit(engine)


def _evidence_rows(engine: Engine) -> list[dict[str, Any]]:
    from scenescope.analysis.evidence import TriageParams, triage_case

    rows: list[dict[str, Any]] = []
    cases = engine.rows("SELECT case_id FROM evidence_cases ORDER BY case_id")
    for (case_id,) in cases:
        triage = triage_case(engine, TriageParams(case_id=str(case_id)))
        for medium in triage.media:
            rows.append({"case_id": triage.case_id, **medium.to_dict()})
    return rows


register(
    AnalysisView(
        name="impact",
        title="Impact: breaks in the pres",
        summary="Days on which the whole scene's daily pres moved to a new level, and who moved.",
        method=(
            "The daily pres, with weekday and holiday effects removed, are searched for level "
            "changes by penalised change-point detection (PELT); a change smaller than a quarter "
            "of the level or shorter than a week is not reported. Each break lists the "
            "categories and groups whose pres changed most across it. A break is a date to "
            "study: `scenescope impact --event DATE` gives its counterfactual with an interval, "
            "the targeted groups' removal told apart from the chill, and the return."
        ),
        compute=estimator_table(_breaks, _break_rows),
        filters=(
            Filter("since", "date", "since", "breaks on or after this date"),
            Filter("until", "date", "until", "breaks before this date"),
        ),
        default_sort="date",
        links={"date": "/impact/study?event={date}"},  # each break's study
        columns=(
            "date",
            "size",
            "before_per_day",
            "after_per_day",
            "change_per_day",
            "categories",
            "groups",
        ),
    )
)

register(
    AnalysisView(
        name="propagation",
        title="Propagation down the tiers",
        summary="How soon, and how often, Scene releases reach P2P, Usenet, DDL, streaming, IPTV.",
        method=(
            "Each sighting in a lower tier is linked to the release it copies (exact name, then "
            "the normalised name, then the parsed title, episode, format and group). The lag "
            "is the first sighting in the tier minus the release's pre; the never-seen share "
            "counts matched releases no sighting in that tier was linked to. Sightings cover "
            "only the sites that were watched: a low reach can mean a blind spot."
        ),
        compute=estimator_table(_propagation, lambda result: [r.to_dict() for r in result.rows]),
        filters=(
            Filter("tier", "tier", "eq", "tier", TIER_NAMES),
            Filter("source_class", "source_class", "eq", "source class"),
        ),
        default_sort="tier",
    )
)

register(
    AnalysisView(
        name="evidence",
        title="Seized media",
        summary="Each seized medium of each case: which releases it held, when, and its role.",
        method=(
            "File listings (TSK bodyfiles, disk images read by The Sleuth Kit, CSV exports) are "
            "matched to releases by folder and file names; each file's earliest time is set "
            "against the release's pre. A medium holding releases before they were public is "
            "a producer (ripper, encoder or pre server by its layout); one that only holds them "
            "after is a courier or a downloader. Only names, sizes and times are read."
        ),
        compute=estimator_table(lambda engine: engine, _evidence_rows),
        filters=(
            Filter("case_id", "case_id", "eq", "case"),
            Filter("role", "role", "eq", "role"),
        ),
        columns=(
            "case_id",
            "label",
            "kind",
            "role",
            "entries",
            "skipped_lines",
            "releases",
            "before_pre",
            "after_pre",
            "not_in_record",
            "discs_before_street",
            "groups",
            "families",
        ),
        page_role=Role.analyst,
    )
)
