"""Group profiles: what each release group puts out, when, how well, and whether it went dark.

Every group analysis (profiles, race, affiliation, successors) reads the engine's
`group_releases` relation (engine.relations): one row per grouped release with its group key,
canonical pre time, state, title key and race format. Leads come from `release_leads`, the
same relation `leaks` reads, so a group's leads and its leaks agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from scenescope.analysis.base import Estimator
from scenescope.engine import Engine, Source


def build_group_releases(source: Source, *, force: bool = False) -> str:
    """The qualified name of the `group_releases` relation (engine.relations) for the store's
    current version, built if needed."""
    return Engine.of(source).relation("group_releases", force=force)


def group_names_table(source: Source) -> str:
    """The relation of group_key -> group_name (the spelling a group uses most)."""
    return Engine.of(source).relation("group_names")


def data_end(source: Source) -> dt.datetime | None:
    """The latest pre time in the store: "now" for dormancy, so old archives read sensibly."""
    engine = Engine.of(source)
    latest = engine.scalar(f"SELECT max(pre_at) FROM {engine.relation('group_releases')}")
    return _utc(latest) if latest is not None else None


def _utc(value: Any) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Dormancy:
    """A group that went quiet: silent since its last pre, against its usual weekly volume."""

    silent_since: dt.datetime
    silent_days: float
    usual_pres_per_week: float

    def describe(self) -> str:
        return (
            f"silent since {self.silent_since.date().isoformat()}, "
            f"usually {self.usual_pres_per_week:.1f} pres a week"
        )


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One row of the group listing."""

    group: str  # as written most often
    group_key: str
    releases: int
    first_pre_at: dt.datetime
    last_pre_at: dt.datetime
    pres_per_week: float  # over the active span
    top_category: str | None
    top_source_class: str | None
    nuke_rate: float
    dormancy: Dormancy | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "releases": self.releases,
            "first_pre_at": self.first_pre_at.isoformat(),
            "last_pre_at": self.last_pre_at.isoformat(),
            "pres_per_week": round(self.pres_per_week, 2),
            "top_category": self.top_category,
            "top_source_class": self.top_source_class,
            "nuke_rate": round(self.nuke_rate, 4),
            "dormant": self.dormancy.describe() if self.dormancy else None,
        }


@dataclass(frozen=True, slots=True)
class TitleLead:
    """A title the group released, and how early against its official date."""

    title_id: str
    releases: int
    first_pre_at: dt.datetime
    lead_days: float | None  # official date minus first pre, days (positive = before)


@dataclass(frozen=True, slots=True)
class GroupProfile:
    """Everything the store says about one group."""

    summary: GroupSummary
    spellings: dict[str, int]
    weekly_volume: list[tuple[dt.date, int]]
    categories: dict[str, int]
    source_classes: dict[str, int]
    sources: dict[str, int]
    resolutions: dict[str, int]
    codecs: dict[str, int]
    languages: dict[str, int]
    titles: list[TitleLead]
    lead_days_median: float | None
    lead_days_spread: float | None  # interquartile range
    nukes: int
    top_nuke_reasons: dict[str, int]
    propers_by: int
    propers_against: int
    propers_against_by_group: dict[str, int]
    feeds: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = self.summary.to_dict()
        out.update(
            spellings=self.spellings,
            weekly_volume=[{"week": w.isoformat(), "pres": n} for w, n in self.weekly_volume],
            categories=self.categories,
            source_classes=self.source_classes,
            sources=self.sources,
            resolutions=self.resolutions,
            codecs=self.codecs,
            languages=self.languages,
            titles=[
                {
                    "title_id": t.title_id,
                    "releases": t.releases,
                    "first_pre_at": t.first_pre_at.isoformat(),
                    "lead_days": None if t.lead_days is None else round(t.lead_days, 2),
                }
                for t in self.titles
            ],
            lead_days_median=_round(self.lead_days_median),
            lead_days_spread=_round(self.lead_days_spread),
            nukes=self.nukes,
            top_nuke_reasons=self.top_nuke_reasons,
            propers_by=self.propers_by,
            propers_against=self.propers_against,
            propers_against_by_group=self.propers_against_by_group,
            feeds=self.feeds,
        )
        return out


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# A group is dark when its silence is long against its own rhythm: several typical gaps,
# and never less than two weeks (weekly-ish groups pause around holidays).
DORMANT_MIN_DAYS = 14.0
DORMANT_GAP_MULTIPLE = 6.0
DORMANT_MIN_RELEASES = 5


def _filters(since: dt.datetime | dt.date | None, category: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = ["TRUE"]
    params: list[Any] = []
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        clauses.append("pre_at >= ?")
        params.append(since)
    if category is not None:
        clauses.append("lower(category) = lower(?)")
        params.append(category)
    return " AND ".join(clauses), params


_SUMMARY_SQL = """
WITH g AS (
  SELECT group_key, count(*) AS releases,
         min(pre_at) AS first_pre, max(pre_at) AS last_pre,
         avg(CASE WHEN status = 'nuked' THEN 1.0 ELSE 0.0 END) AS nuke_rate,
         mode(category) AS top_category, mode(source_class) AS top_source_class
  FROM {table} WHERE {where} GROUP BY group_key
)
SELECT group_key, n.group_name, releases, first_pre, last_pre, nuke_rate, top_category,
       top_source_class,
       releases / greatest(epoch(last_pre - first_pre) / 604800.0, 1.0) AS per_week,
       epoch(last_pre - first_pre) / 86400.0 / greatest(releases - 1, 1) AS mean_gap_days
FROM g JOIN {names} n USING (group_key)
"""


def group_summaries(
    source: Source,
    *,
    since: dt.datetime | dt.date | None = None,
    category: str | None = None,
    now: dt.datetime | None = None,
) -> list[GroupSummary]:
    """Every group with releases matching the filters, most prolific first."""
    engine = Engine.of(source)
    where, params = _filters(since, category)
    reference = now or data_end(engine)
    rows = engine.rows(
        _SUMMARY_SQL.format(
            table=engine.relation("group_releases"),
            names=engine.relation("group_names"),
            where=where,
        )
        + " ORDER BY releases DESC, group_key",
        params,
    )
    return [_summary(row, reference) for row in rows]


def _summary(row: tuple[Any, ...], now: dt.datetime | None) -> GroupSummary:
    key, name, releases, first, last, nuke_rate, category, source_class, per_week, gap = row
    first, last = _utc(first), _utc(last)
    dormancy = None
    if now is not None and releases >= DORMANT_MIN_RELEASES:
        silent_days = (now - last).total_seconds() / 86400.0
        if silent_days > max(DORMANT_MIN_DAYS, DORMANT_GAP_MULTIPLE * float(gap)):
            dormancy = Dormancy(last, silent_days, float(per_week))
    return GroupSummary(
        group=name,
        group_key=key,
        releases=int(releases),
        first_pre_at=first,
        last_pre_at=last,
        pres_per_week=float(per_week),
        top_category=category,
        top_source_class=source_class,
        nuke_rate=float(nuke_rate),
        dormancy=dormancy,
    )


def dormant_groups(source: Source, *, now: dt.datetime | None = None) -> list[GroupSummary]:
    """Groups that went dark, most recently silent first."""
    dark = [s for s in group_summaries(source, now=now) if s.dormancy is not None]
    return sorted(dark, key=lambda s: s.last_pre_at, reverse=True)


def _counts(engine: Engine, sql: str, params: list[Any]) -> dict[str, int]:
    return {str(k): int(n) for k, n in engine.rows(sql, params) if k not in (None, "")}


def group_profile(source: Source, name: str, *, now: dt.datetime | None = None) -> GroupProfile:
    """The full profile of one group (name compared case-insensitively)."""
    engine = Engine.of(source)
    table = engine.relation("group_releases")
    names = engine.relation("group_names")
    key = name.strip().lower()
    rows = engine.rows(_SUMMARY_SQL.format(table=table, names=names, where="group_key = ?"), [key])
    if not rows:
        raise LookupError(f"no releases by group {name!r} in the store")
    summary = _summary(rows[0], now or data_end(engine))
    where = f"FROM {table} WHERE group_key = ?"

    def mix(column: str) -> dict[str, int]:
        return _counts(
            engine, f"SELECT {column}, count(*) AS n {where} GROUP BY 1 ORDER BY n DESC, 1", [key]
        )

    weekly = engine.rows(
        f"SELECT CAST(date_trunc('week', pre_at AT TIME ZONE 'UTC') AS DATE) AS w, count(*) "
        f"{where} GROUP BY w ORDER BY w",
        [key],
    )
    languages = _counts(
        engine,
        f"SELECT lang, count(*) AS n FROM (SELECT unnest(languages) AS lang {where}) "
        "GROUP BY 1 ORDER BY n DESC, 1",
        [key],
    )
    titles, lead_median, lead_spread = _title_leads(engine, key)
    nukes = engine.scalar(f"SELECT count(*) {where} AND status = 'nuked'", [key])
    reasons = _counts(
        engine,
        f"SELECT lower(nuke_reason), count(*) AS n {where} AND status = 'nuked' "
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 5",
        [key],
    )
    propers_by = engine.scalar(f"SELECT count(*) {where} AND is_proper", [key])
    against = proper_targets(engine, key)
    return GroupProfile(
        summary=summary,
        spellings=mix("group_name"),
        weekly_volume=[(w, int(n)) for w, n in weekly],
        categories=mix("category"),
        source_classes=mix("source_class"),
        sources=mix("source"),
        resolutions=mix("resolution"),
        codecs=mix("codec"),
        languages=languages,
        titles=titles,
        lead_days_median=lead_median,
        lead_days_spread=lead_spread,
        nukes=int(nukes or 0),
        top_nuke_reasons=reasons,
        propers_by=int(propers_by or 0),
        propers_against=sum(against.values()),
        propers_against_by_group=against,
        feeds=_feeds(engine, key),
    )


def proper_targets(source: Source, group_key: str) -> dict[str, int]:
    """PROPERs by other groups fixing this group's releases: {proper group: count}.

    A PROPER targets the latest earlier non-PROPER release of the same title and format by
    another group.
    """
    engine = Engine.of(source)
    table = engine.relation("group_releases")
    rows = engine.rows(
        f"""
        WITH propers AS (
          SELECT release_id, group_key, title_key, format_key, pre_at FROM {table}
          WHERE is_proper AND title_key IS NOT NULL
        ), targets AS (
          SELECT p.release_id, p.group_key AS by_key,
                 arg_max(o.group_key, o.pre_at) AS target_key
          FROM propers p JOIN {table} o
            ON o.title_key = p.title_key AND o.format_key = p.format_key
           AND o.pre_at <= p.pre_at AND o.group_key <> p.group_key AND NOT o.is_proper
          GROUP BY p.release_id, p.group_key
        )
        SELECT any_value(n.group_name), count(*) AS n
        FROM targets JOIN {engine.relation("group_names")} n ON n.group_key = targets.by_key
        WHERE target_key = ? GROUP BY by_key ORDER BY n DESC
        """,
        [group_key],
    )
    return {str(k): int(n) for k, n in rows}


def _feeds(engine: Engine, group_key: str) -> dict[str, int]:
    return _counts(
        engine,
        f"SELECT p.feed, count(DISTINCT p.release_id) AS n FROM pre_reports p "
        f"JOIN {engine.relation('group_releases')} g USING (release_id) WHERE g.group_key = ? "
        "GROUP BY 1 ORDER BY n DESC, 1",
        [group_key],
    )


def _title_leads(
    engine: Engine, group_key: str
) -> tuple[list[TitleLead], float | None, float | None]:
    """Matched titles and the lead of the group's first release of each, against the official
    date that release is measured by (release_leads: the same leads `leaks` reports)."""
    rows = engine.rows(
        f"""
        SELECT g.title_id, count(DISTINCT g.release_id), min(g.pre_at),
               arg_min(l.lead_days, g.pre_at) AS lead_days
        FROM {engine.relation("group_releases")} g
        LEFT JOIN {engine.relation("release_leads")} l USING (release_id)
        WHERE g.group_key = ? AND g.title_id IS NOT NULL
        GROUP BY g.title_id ORDER BY min(g.pre_at), g.title_id
        """,
        [group_key],
    )
    titles = [
        TitleLead(str(t), int(n), _utc(first), None if lead_days is None else float(lead_days))
        for t, n, first, lead_days in rows
    ]
    leads = sorted(t.lead_days for t in titles if t.lead_days is not None)
    if not leads:
        return titles, None, None
    q1, median, q3 = np.percentile(leads, [25, 50, 75])
    return titles, float(median), float(q3 - q1)


@dataclass(frozen=True, slots=True)
class GroupParams:
    since: dt.datetime | dt.date | None = None
    category: str | None = None
    now: dt.datetime | None = None  # "now" for dormancy (default: the store's last pre)


@dataclass(frozen=True, slots=True)
class GroupsResult:
    """Every group's summary, most prolific first."""

    groups: tuple[GroupSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"groups": [g.to_dict() for g in self.groups]}


class GroupProfiles(Estimator[GroupParams, GroupsResult]):
    """What each group puts out, when, how well, and whether it went dark."""

    name: ClassVar[str] = "groups"

    def default_params(self) -> GroupParams:
        return GroupParams()

    def fit(self, engine: Engine, params: GroupParams | None = None) -> GroupsResult:
        params = params or self.default_params()
        summaries = group_summaries(
            engine, since=params.since, category=params.category, now=params.now
        )
        return GroupsResult(tuple(summaries))
