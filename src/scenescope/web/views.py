"""The registry of analysis views: each analysis is one registered view over its estimator.

A view names its estimator's work (`compute(engine) -> Arrow table`, run once per store
version in a worker), the filters a request may apply, a chart and a method note. The app
turns every registered view into `GET /api/v1/<name>` (JSON pages, `.csv`, `.parquet`) and
a page `/<name>`; the report reuses the method notes. A new analysis (impact, evidence...)
adds itself with one `register(AnalysisView(...))`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pyarrow as pa

from scenescope.engine import Engine
from scenescope.report import figures
from scenescope.web.tables import Filter, Page, rows_table, select, sort_table
from scenescope.web.tokens import Role

ChartBuilder = Callable[[list[dict[str, Any]]], alt.TopLevelMixin | None]


@dataclass(frozen=True, slots=True)
class AnalysisView:
    """One analysis as a table view: API endpoint, downloads, page."""

    name: str  # URL segment: /api/v1/<name>, /<name>
    title: str
    summary: str  # one line under the title
    method: str  # the method note: how the figures are made, what they do not say
    compute: Callable[[Engine], pa.Table]
    filters: tuple[Filter, ...] = ()
    default_sort: str = ""
    columns: tuple[str, ...] = ()  # shown on the page (all when empty)
    links: Mapping[str, str] = field(default_factory=dict)  # column -> page path pattern
    chart: ChartBuilder | None = None
    page_role: Role = Role.viewer
    api_role: Role = Role.analyst
    in_nav: bool = True

    def table(self, engine: Engine) -> pa.Table:
        """`compute`, sorted by `default_sort` once (requests in that order then sort nothing:
        `select(..., presorted=True)`)."""
        return sort_table(self.compute(engine), self.default_sort)

    def select(self, table: pa.Table, query: Mapping[str, str]) -> Page:
        """A request's page of the view's `table` (as `table()` made it)."""
        return select(table, self.filters, query, self.default_sort, presorted=True)


_REGISTRY: dict[str, AnalysisView] = {}


def register(view: AnalysisView) -> AnalysisView:
    """Add a view (replacing one of the same name)."""
    _REGISTRY[view.name] = view
    return view


def registered_views() -> dict[str, AnalysisView]:
    return dict(_REGISTRY)


def estimator_table(
    fit: Callable[[Engine], Any], rows: Callable[[Any], Sequence[Mapping[str, Any]]]
) -> Callable[[Engine], pa.Table]:
    """A view's compute from an estimator call and the rows of its result."""

    def compute(engine: Engine) -> pa.Table:
        return rows_table(list(rows(fit(engine))))

    return compute


# --- the analyses built so far ---------------------------------------------------------------


def _leaks(engine: Engine) -> pa.Table:
    from scenescope.analysis.leaks import Leaks

    return Leaks().table(engine)


def _groups(engine: Engine) -> Any:
    from scenescope.analysis.groups import GroupProfiles

    return GroupProfiles().fit(engine)


def _race(engine: Engine) -> Any:
    from scenescope.analysis.race import Races

    return Races().fit(engine)


def families_result(engine: Engine) -> Any:
    """The affiliation inference on this engine's cursor (its temp tables stay private)."""
    from scenescope.analysis.affiliation import infer_families

    return infer_families(engine.connection)


def _family_rows(result: Any) -> list[dict[str, Any]]:
    family_of = {key: f for f in result.families for key in f.member_keys}
    rows = []
    for key in result.groups:
        family = family_of.get(key)
        rows.append(
            {
                "group": result.names.get(key, key),
                "releases": result.releases.get(key, 0),
                "family_id": family.family_id if family else None,
                "family": " ".join(family.members[:6]) if family else None,
                "family_size": len(family.members) if family else 1,
                "confidence": round(family.confidence, 3) if family else None,
            }
        )
    rows.sort(key=lambda r: (r["family_id"] is None, r["family_id"] or 0, -r["releases"]))
    return rows


def _successors(engine: Engine) -> Any:
    from scenescope.analysis.successors import find_successors

    return find_successors(engine.connection)


def _successor_rows(candidates: Any) -> list[dict[str, Any]]:
    rows = []
    for candidate in candidates:
        row = candidate.to_dict()
        evidence = row.pop("evidence")
        row.pop("note", None)
        lead_old, lead_new = evidence.pop("median_lead_days")
        rows.append({**row, **evidence, "lead_days_old": lead_old, "lead_days_new": lead_new})
    return rows


def trace_result(engine: Engine) -> Any:
    from scenescope.analysis.trace import TraceEstimator

    return TraceEstimator().fit(engine)


SOURCE_CLASSES = ("retail-disc", "web", "cam", "screener", "hdtv")

register(
    AnalysisView(
        name="leaks",
        title="Leaks board",
        summary="Releases pred before the official window their source is measured against.",
        method=(
            "Each release matched to a catalog title is measured against the official date of "
            "the window its source class answers to: cams and telesyncs against theatrical, "
            "web rips against digital, retail-disc rips against the physical street date, HDTV "
            "against broadcast; screeners are pre-release by definition. The lead is the "
            "official date minus the earliest trusted pre time, in days; severity follows the "
            "configured levels. A leak is only as right as the catalog's dates and the match."
        ),
        compute=_leaks,
        filters=(
            Filter("studio", "studio", "contains", "words of the studio"),
            Filter("source_class", "source_class", "eq", "source class", SOURCE_CLASSES),
            Filter("severity", "severity", "eq", "severity level"),
            Filter("group", "group", "eq", "group (any case)"),
            Filter("title", "title", "contains", "words of the title"),
            Filter("min_lead", "lead_days", "min", "at least this many days early"),
            Filter("since", "pre_at", "since", "pres at or after this date"),
            Filter("until", "pre_at", "until", "pres before this date"),
        ),
        default_sort="-pre_at",
        columns=(
            "release_name",
            "title",
            "studio",
            "source_class",
            "group",
            "pre_at",
            "official_date",
            "territory",
            "lead_days",
            "severity",
            "nuke_status",
        ),
        links={
            "title": "/titles/{title_id}",
            "group": "/groups/{group}",
            "release_name": "/releases/{release_name}",
        },
        chart=figures.leaks_by_studio,
    )
)

register(
    AnalysisView(
        name="groups",
        title="Groups",
        summary="What each group puts out, when, how often nuked, and whether it went dark.",
        method=(
            "One row per group (the tag after the last dash of a release name, folded to lower "
            "case). Volume is pres per week over the group's active span; the nuke rate counts "
            "releases whose replayed nuke history ends nuked; a group is dormant when it has "
            "been silent far longer than its usual gap between pres."
        ),
        compute=estimator_table(_groups, lambda result: [g.to_dict() for g in result.groups]),
        filters=(
            Filter("group", "group", "contains", "part of the group name"),
            Filter("category", "top_category", "eq", "main category"),
            Filter("source_class", "top_source_class", "eq", "main source class", SOURCE_CLASSES),
            Filter("min_releases", "releases", "min", "at least this many releases"),
        ),
        default_sort="-releases",
        links={"group": "/groups/{group}"},
        chart=lambda rows: figures.top_bar(rows, "group", "releases", "Releases per group"),
    )
)

register(
    AnalysisView(
        name="race",
        title="The race",
        summary="Who wins the race to be first on each title and format.",
        method=(
            "A race is one title in one format (source, resolution, codec, language); the first "
            "trusted pre wins and the margin is the runner-up's delay. Only contested races "
            "(two or more entrants) count toward the record; propers and repacks do not race."
        ),
        compute=estimator_table(_race, lambda result: [r.to_dict() for r in result.records]),
        filters=(
            Filter("group", "group", "contains", "part of the group name"),
            Filter("min_entered", "entered", "min", "entered at least this many races"),
        ),
        default_sort="-won",
        links={"group": "/groups/{group}"},
        chart=lambda rows: figures.top_bar(rows, "group", "won", "Races won"),
    )
)

register(
    AnalysisView(
        name="families",
        title="Families",
        summary="Groups that share a supply, inferred from the releases alone.",
        method=(
            "Pairs of groups are linked by evidence in their releases: the same titles in "
            "complementary formats within minutes, retail-disc rips close together, never "
            "racing each other, and active periods that begin and end together. Leiden "
            "community detection on the weighted graph gives the families; confidence is the "
            "share of the members' edge weight inside the family times its pair density."
        ),
        compute=estimator_table(families_result, _family_rows),
        filters=(
            Filter("group", "group", "contains", "part of the group name"),
            Filter("family_id", "family_id", "min", "family number from"),
            Filter("min_size", "family_size", "min", "families of at least this many groups"),
        ),
        links={"group": "/groups/{group}"},
    )
)

register(
    AnalysisView(
        name="successors",
        title="Successors",
        summary="When a group goes dark, which new group picks up where it left off.",
        method=(
            "For every dormant group, groups that first appear within weeks of its last pre "
            "are scored on the same specialty (format, category and language mix, naming "
            "habits), what they continue (shows, drop partners), timing profile, volume and "
            "proximity in time. A high score is a lead to check, not proof of identity."
        ),
        compute=estimator_table(_successors, _successor_rows),
        filters=(
            Filter("predecessor", "predecessor", "contains", "the group that went dark"),
            Filter("successor", "successor", "contains", "the candidate"),
            Filter("max_rank", "rank", "max", "best N candidates per group"),
            Filter("min_score", "score", "min", "score at least"),
        ),
        links={"predecessor": "/groups/{predecessor}", "successor": "/groups/{successor}"},
    )
)

register(
    AnalysisView(
        name="trace",
        title="Trace: likely leak sources",
        summary="Which customer accounts most likely supplied the retail-disc leaks.",
        method=(
            "Every retail-disc leak is set against the shipments of that title that reached an "
            "account before the pre. A mixture model weighs each candidate by the account's "
            "fitted leak rate, its exposure (how much it receives) and the receipt-to-pre "
            "delay, with an outside source for leaks no shipment explains. The posterior is the "
            "probability the account is a leak source; the interval is a bootstrap's."
        ),
        compute=estimator_table(
            trace_result, lambda result: [a.to_dict() for a in result.accounts]
        ),
        filters=(
            Filter("kind", "kind", "eq", "account kind"),
            Filter("country", "country", "eq", "country"),
            Filter("min_posterior", "posterior", "min", "posterior at least"),
        ),
        default_sort="-posterior",
        columns=(
            "account_id",
            "name",
            "kind",
            "country",
            "opened_at",
            "posterior",
            "lower",
            "upper",
            "leaks_explained",
            "candidate_leaks",
            "median_delay_days",
            "groups",
        ),
        links={"account_id": "/trace/accounts/{account_id}"},
        chart=figures.trace_ranking,
    )
)

# The aftermath views register themselves on import (kept in their own module).
from scenescope.web import views_story  # noqa: E402, F401
