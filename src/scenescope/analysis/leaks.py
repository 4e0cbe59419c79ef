"""Pre-release leak detection: each matched release's source measured against its window.

The source classes, windows and leads are `engine.rules`; each release's official date and
lead are the `release_leads` relation (engine.relations), computed in SQL. A leak is a lead
above zero. Severity levels are an ordered, configurable list: the first that applies wins,
and the policy is turned into SQL too. Definitions where worlds may differ are documented on
`release_leads_sql` (screeners, undated windows, date-named episodes).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from scenescope.analysis.base import Estimator
from scenescope.analysis.records import Leak
from scenescope.engine import Engine, Source, rules
from scenescope.engine.relations import release_leads_sql

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SeverityLevel:
    """A severity label and when it applies: every given condition must hold."""

    name: str
    windows: tuple[str, ...] = ()  # the window the leak was measured against; () = any
    source_classes: tuple[str, ...] = ()  # () = any
    min_lead_days: float = 0.0
    before_theatrical: bool = False  # pred before the theatrical opening (workprint level)


DEFAULT_LEVELS: tuple[SeverityLevel, ...] = (
    SeverityLevel("pre-theatrical", before_theatrical=True),
    SeverityLevel("screener", source_classes=("screener",), min_lead_days=float("-inf")),
    SeverityLevel("pre-digital", windows=("digital",)),
    SeverityLevel("pre-physical-7d", windows=("physical",), min_lead_days=7.0),
    SeverityLevel("pre-physical", windows=("physical",)),
    SeverityLevel("pre-broadcast", windows=("tv",)),
)


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    """Ordered severity levels; a leak takes the first level it satisfies."""

    levels: tuple[SeverityLevel, ...] = DEFAULT_LEVELS
    fallback: str = "leak"

    def classify(
        self, *, window: str | None, source_class: str, lead_days: float, before_theatrical: bool
    ) -> str:
        for level in self.levels:
            if level.windows and window not in level.windows:
                continue
            if level.source_classes and source_class not in level.source_classes:
                continue
            if lead_days < level.min_lead_days:
                continue
            if level.before_theatrical and not before_theatrical:
                continue
            return level.name
        return self.fallback

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)


class SeverityConfigError(ValueError):
    """A severity file the user can fix; the message names the file and the entry."""


def load_severity_policy(path: Path) -> SeverityPolicy:
    """Levels from a TOML file: `[[severity]]` tables with name, windows, source_classes,
    min_lead_days, before_theatrical (all but name optional), most severe first."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SeverityConfigError(f"{path}: cannot read severity levels: {exc}") from None
    entries = doc.get("severity")
    if not isinstance(entries, list) or not entries:
        raise SeverityConfigError(f"{path}: expected one or more [[severity]] tables")
    levels = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SeverityConfigError(f"{path}: [[severity]] #{number} needs a name")
        try:
            levels.append(
                SeverityLevel(
                    name=entry["name"],
                    windows=tuple(entry.get("windows", ())),
                    source_classes=tuple(entry.get("source_classes", ())),
                    min_lead_days=float(entry.get("min_lead_days", 0.0)),
                    before_theatrical=bool(entry.get("before_theatrical", False)),
                )
            )
        except (TypeError, ValueError) as exc:
            raise SeverityConfigError(f"{path}: [[severity]] #{number}: {exc}") from None
    return SeverityPolicy(tuple(levels))


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def severity_sql(policy: SeverityPolicy) -> str:
    """The policy as a SQL CASE over release_leads' columns (first level that holds wins)."""
    arms = []
    for level in policy.levels:
        conditions = ["TRUE"]
        if level.windows:
            conditions.append(f"official_window IN ({', '.join(map(_quoted, level.windows))})")
        if level.source_classes:
            classes = ", ".join(map(_quoted, level.source_classes))
            conditions.append(f"source_class IN ({classes})")
        if level.min_lead_days > float("-inf"):
            conditions.append(f"lead_days >= {float(level.min_lead_days)!r}")
        if level.before_theatrical:
            conditions.append("before_theatrical AND source_class <> 'screener'")
        arms.append(f"WHEN {' AND '.join(conditions)} THEN {_quoted(level.name)}")
    return f"CASE {' '.join(arms)} ELSE {_quoted(policy.fallback)} END"


@dataclass(frozen=True, slots=True)
class LeakParams:
    """Which leaks to list. title: a title_id or words of the title; group: exact group (any
    case); studio: words of the studio; since: pres at or after; min_lead_days: at least this
    early; release_ids: only these releases (a live batch)."""

    since: dt.datetime | dt.date | None = None
    title: str | None = None
    group: str | None = None
    studio: str | None = None
    min_lead_days: float | None = None
    release_ids: tuple[int, ...] | None = None
    policy: SeverityPolicy = field(default_factory=SeverityPolicy)


@dataclass(frozen=True, slots=True)
class LeaksResult:
    """Leaks found, newest pre first."""

    leaks: tuple[Leak, ...]
    params: LeakParams

    def __iter__(self) -> Any:
        return iter(self.leaks)

    def __len__(self) -> int:
        return len(self.leaks)

    def to_dict(self) -> dict[str, Any]:
        return {"count": len(self.leaks), "leaks": [leak.to_dict() for leak in self.leaks]}


_LITERAL_ID_LIMIT = 5_000  # above this, ids go in as a registered Arrow table

_LEAK_COLUMNS = (
    "name, title_id, title, source_class, pre_at, lead_days, group_name, studio, "
    "official_date, territory, official_window, status"
)
# The same, spelled as Leak.to_dict() writes it (ISO times in UTC, '' territory as none);
# severity comes last there too.
_UTC = "(pre_at AT TIME ZONE 'UTC')"
_MICROS = "((epoch_us(pre_at) % 1000000 + 1000000) % 1000000)"
_TABLE_COLUMNS = f"""name AS release_name, title_id, title, studio, source_class,
    group_name AS "group",
    strftime({_UTC}, '%Y-%m-%dT%H:%M:%S')
      || CASE WHEN {_MICROS} = 0 THEN '' ELSE '.' || lpad(CAST({_MICROS} AS VARCHAR), 6, '0') END
      || '+00:00' AS pre_at,
    CAST(official_date AS VARCHAR) AS official_date, nullif(territory, '') AS territory,
    official_window AS "window", CAST(lead_days AS DOUBLE) AS lead_days,
    CAST(lead_days AS DOUBLE) * 24.0 AS lead_hours,
    coalesce(nullif(status, ''), 'live') AS nuke_status"""
_TABLE_ORDER = (
    "release_name", "title_id", "title", "studio", "source_class", "group", "pre_at",
    "official_date", "territory", "window", "lead_days", "lead_hours", "severity", "nuke_status",
)  # fmt: skip


class Leaks(Estimator[LeakParams, LeaksResult]):
    """Every matched release pred before its window (screeners always)."""

    name: ClassVar[str] = "leaks"

    def default_params(self) -> LeakParams:
        return LeakParams()

    def fit(self, engine: Engine, params: LeakParams | None = None) -> LeaksResult:
        params = params or self.default_params()
        rows = self._select(engine, params, _LEAK_COLUMNS, lambda sql, args: engine.rows(sql, args))
        return LeaksResult(tuple(_leak(row) for row in rows), params)

    def table(self, engine: Engine, params: LeakParams | None = None) -> pa.Table:
        """The leaks `fit` finds as one Arrow table whose rows are each `Leak.to_dict()`,
        made in SQL and Arrow without a Python object per leak (a board of a big store)."""
        params = params or self.default_params()
        table = self._select(engine, params, _TABLE_COLUMNS, engine.query)
        for name, digits in (("lead_days", 3), ("lead_hours", 1)):
            at = table.schema.get_field_index(name)
            rounded = pc.round(table[name], ndigits=digits, round_mode="half_to_even")
            table = table.set_column(at, name, rounded)
        return table.select(_TABLE_ORDER)

    def _select(
        self,
        engine: Engine,
        params: LeakParams,
        columns: str,
        run: Callable[[str, list[Any]], T],
    ) -> T:
        where = ["lead_days > 0"]
        args: list[Any] = []
        if params.since is not None:
            since = params.since
            if not isinstance(since, dt.datetime):
                since = rules.day_start(since)
            where.append("pre_at >= ?")
            args.append(since if since.tzinfo else since.replace(tzinfo=dt.UTC))
        if params.title:
            where.append("(title_id = ? OR contains(lower(title), lower(?)))")
            args += [params.title, params.title]
        if params.group:
            where.append("group_key = lower(?)")
            args.append(params.group)
        if params.studio:
            where.append("contains(lower(studio), lower(?))")
            args.append(params.studio)
        if params.min_lead_days is not None:
            where.append("lead_days >= ?")
            args.append(float(params.min_lead_days))
        select = f"SELECT {columns}, {severity_sql(params.policy)} AS severity"
        order = "ORDER BY pre_at DESC, name DESC"
        with engine.scratch() as pad:
            if params.release_ids is None:
                source = engine.relation("release_leads")
            else:
                wanted = sorted(set(params.release_ids))
                if len(wanted) <= _LITERAL_ID_LIMIT:
                    # literal integers (never text) let DuckDB push the filter below the state
                    # replay: a watch batch costs milliseconds, not a full scan
                    ids = ",".join(map(str, wanted)) or "NULL"
                else:
                    table = pad.register(
                        "ids", pa.table({"release_id": pa.array(wanted, pa.int64())})
                    )
                    ids = f"SELECT release_id FROM {table}"
                source = f"({release_leads_sql(ids)})"
            return run(f"{select} FROM {source} WHERE {' AND '.join(where)} {order}", args)


def _leak(row: tuple[Any, ...]) -> Leak:
    (
        name,
        title_id,
        title,
        klass,
        pre_at,
        lead,
        group,
        studio,
        official,
        territory,
        window,
        status,
        severity,
    ) = row
    return Leak(
        release_name=name,
        title_id=title_id,
        title=title,
        source_class=klass,
        pre_at=pre_at.astimezone(dt.UTC),
        lead_days=float(lead),
        severity=severity,
        group=group,
        studio=studio,
        official_date=official,
        territory=territory or None,
        window=window,
        nuke_status=status or "live",
    )


def find_leaks(
    store: Source,
    *,
    since: dt.datetime | dt.date | None = None,
    title: str | None = None,
    group: str | None = None,
    studio: str | None = None,
    min_lead_days: float | None = None,
    release_ids: Iterable[int] | None = None,
    policy: SeverityPolicy | None = None,
) -> list[Leak]:
    """`Leaks().fit` on a store, connection or engine, as a list (newest pre first)."""
    params = LeakParams(
        since=since,
        title=title,
        group=group,
        studio=studio,
        min_lead_days=min_lead_days,
        release_ids=None if release_ids is None else tuple(int(i) for i in release_ids),
        policy=policy or SeverityPolicy(),
    )
    return list(Leaks()(store, params).leaks)
