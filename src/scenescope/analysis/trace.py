"""Tracing retail-disc leaks to the supply-chain accounts they came from.

A leak is a retail-disc release pred before the physical street date (`release_leads`); its
candidates are the accounts whose shipments of the title, in a matching format where known,
were shipped before the pre. The attribution model is `trace_model`; this module builds its
inputs, names the results, and scores them (`TraceMetric`) against a world's fronts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from scenescope.analysis.base import Estimator, Metric, Score
from scenescope.analysis.trace_model import ModelFit, ModelInputs, ModelParams, fit_model
from scenescope.engine import Engine
from scenescope.world.truth_records import WorldTruth

# release source (names.vocabulary) -> the shipment formats it can be ripped from
DISC_FORMATS_OF_SOURCE: dict[str, tuple[str, ...]] = {
    "dvd": ("dvd",),
    "bluray": ("bluray", "uhd"),
    "uhd-bluray": ("uhd",),
}


@dataclass(frozen=True, slots=True)
class TraceParams:
    since: dt.date | None = None  # leaks pred on or after
    studio: str | None = None  # words of the studio
    distributor: str | None = None  # only this distributor's shipments
    model: ModelParams = field(default_factory=ModelParams)
    top_candidates: int = 3


@dataclass(frozen=True, slots=True)
class AccountTrace:
    account_id: str
    name: str | None
    kind: str | None
    country: str | None
    opened_at: dt.date | None
    posterior: float
    lower: float
    upper: float
    leaks_explained: float
    titles_received_early: int
    candidate_leaks: int  # leaked titles it had received before the pre
    median_delay_days: float | None  # receipt to pre, weighted by attribution
    first_implicated: dt.datetime | None
    last_implicated: dt.datetime | None
    leak_rate: float = 0.0  # fitted share of what it receives that it leaks
    groups: tuple[str, ...] = ()  # groups of the releases it is the likely source of

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["groups"] = list(self.groups)
        # a front is often opened shortly before it starts leaking
        row["days_open_before_first_implicated"] = (
            (self.first_implicated.date() - self.opened_at).days
            if self.first_implicated is not None and self.opened_at is not None
            else None
        )
        for key in (
            "posterior",
            "lower",
            "upper",
            "leaks_explained",
            "median_delay_days",
            "leak_rate",
        ):
            if row[key] is not None:
                row[key] = round(float(row[key]), 4)
        for key in ("opened_at", "first_implicated", "last_implicated"):
            row[key] = row[key].isoformat() if row[key] is not None else None
        return row


@dataclass(frozen=True, slots=True)
class LeakAttribution:
    """One leaked release and its most likely sources (account_id None = outside records)."""

    release: str
    title_id: str
    group: str | None
    pre_at: dt.datetime
    candidates: tuple[tuple[str | None, float], ...]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "release": self.release,
                "title_id": self.title_id,
                "group": self.group,
                "pre_at": self.pre_at.isoformat(),
                "rank": rank,
                "account_id": account_id,
                "probability": round(probability, 4),
            }
            for rank, (account_id, probability) in enumerate(self.candidates, start=1)
        ]


@dataclass(frozen=True, slots=True)
class TraceResult:
    accounts: tuple[AccountTrace, ...]  # by posterior, highest first
    leaks: tuple[LeakAttribution, ...]
    leaked_titles: int
    unknown_share: float  # expected share of leaked titles from outside the records
    fit: dict[str, float] = field(default_factory=dict)

    def account(self, account_id: str) -> AccountTrace | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaked_titles": self.leaked_titles,
            "unknown_share": round(self.unknown_share, 4),
            "fit": self.fit,
            "accounts": [a.to_dict() for a in self.accounts],
            "leaks": [row for leak in self.leaks for row in leak.rows()],
        }


def _leak_filter(params: TraceParams, alias: str = "") -> tuple[str, list[Any]]:
    """The retail-disc leaks (as `analysis.leaks` defines them) over `release_leads`."""
    p = f"{alias}." if alias else ""
    where = [
        f"{p}source_class = 'retail-disc'",
        f"{p}official_window = 'physical'",
        f"{p}lead_days > 0",
    ]
    args: list[Any] = []
    if params.since is not None:
        where.append(f"{p}pre_at >= ?")
        args.append(dt.datetime.combine(params.since, dt.time(), dt.UTC))
    if params.studio:
        where.append(f"contains(lower(coalesce({p}studio, '')), lower(?))")
        args.append(params.studio)
    return " AND ".join(where), args


def _formats_sql(source: str) -> str:
    arms = " ".join(
        f"WHEN '{name}' THEN {list(formats)!r}" for name, formats in DISC_FORMATS_OF_SOURCE.items()
    )
    return f"CASE lower({source}) {arms} END"


def leak_releases(engine: Engine, params: TraceParams) -> list[dict[str, Any]]:
    """The retail-disc leaks traced: release_id, name, group_name, title_id, pre_at, source,
    official_date (the earliest territory's physical street date)."""
    where, args = _leak_filter(params, "l")
    return engine.records(
        "SELECT l.release_id, l.name, l.group_name, l.title_id, l.pre_at, l.source, "
        "l.official_date, l.title_id || '/' || coalesce(lower(r.languages[1]), '') AS leak_key "
        f"FROM {engine.relation('release_leads')} l JOIN releases r USING (release_id) "
        f"WHERE {where} ORDER BY l.pre_at, l.name",
        args,
    )


def _pairs_sql(engine: Engine, params: TraceParams) -> tuple[str, list[Any]]:
    """Leaked titles (earliest pre, formats wanted) x candidate accounts, with the delay."""
    where, args = _leak_filter(params, "l")
    formats = _formats_sql("l.source")
    ship_where = "WHERE distributor = ?" if params.distributor else ""
    if params.distributor:
        args = [params.distributor, *args]
    sql = f"""
WITH ships AS (SELECT * FROM supply_shipments {ship_where}),
leaks AS (  -- one leak per title and language: one disc feeds a family's releases of it
  SELECT l.title_id || '/' || coalesce(lower(r.languages[1]), '') AS leak_key, l.title_id,
         min(l.pre_at) AS pre_at,
         flatten(list({formats}) FILTER (WHERE {formats} IS NOT NULL)) AS formats
  FROM {engine.relation("release_leads")} l JOIN releases r USING (release_id)
  WHERE {where} GROUP BY ALL
), received AS (
  SELECT l.leak_key, l.title_id, l.pre_at, s.account_id, max(s.shipped_at) AS shipped_at,
         bool_or(len(l.formats) = 0 OR list_contains(l.formats, s.format)) AS format_match
  FROM leaks l JOIN ships s ON s.title_id = l.title_id
   AND CAST(s.shipped_at AS TIMESTAMPTZ) < l.pre_at
  GROUP BY l.leak_key, l.title_id, l.pre_at, s.account_id
), ranked AS (  -- the matching format where known; any disc when none matches
  SELECT *, bool_or(format_match) OVER (PARTITION BY leak_key) AS any_match FROM received
)
SELECT l.leak_key, l.title_id, l.pre_at, r.account_id,
       (epoch(l.pre_at) - epoch(CAST(r.shipped_at AS TIMESTAMPTZ))) / 86400.0 AS delay_days
FROM leaks l LEFT JOIN ranked r
  ON r.leak_key = l.leak_key AND (r.format_match OR NOT r.any_match)
ORDER BY l.leak_key, r.account_id"""
    return sql, args


def _exposure_sql(params: TraceParams) -> tuple[str, list[Any]]:
    """Per account: titles received before their earliest physical street date."""
    args: list[Any] = []
    where = ["(d.street IS NULL OR s.shipped_at < d.street)"]
    if params.distributor:
        where.append("s.distributor = ?")
        args.append(params.distributor)
    if params.since is not None:
        where.append("(d.street IS NULL OR d.street >= ?)")
        args.append(params.since)
    if params.studio:  # exposure over the same titles the leaks are drawn from
        where.append(
            "s.title_id IN (SELECT title_id FROM catalog_titles "
            "WHERE contains(lower(coalesce(studio, '')), lower(?)))"
        )
        args.append(params.studio)
    sql = f"""
WITH street AS (
  SELECT title_id, min(date) AS street FROM catalog_release_dates
  WHERE release_window = 'physical' GROUP BY title_id
)
SELECT a.account_id, a.name, a.kind, a.country, a.opened_at,
       count(DISTINCT s.title_id) AS exposure
FROM supply_accounts a
LEFT JOIN supply_shipments s ON s.account_id = a.account_id
LEFT JOIN street d ON d.title_id = s.title_id
WHERE s.shipment_id IS NULL OR ({" AND ".join(where)})
GROUP BY ALL ORDER BY a.account_id"""
    return sql, args


class TraceEstimator(Estimator[TraceParams, TraceResult]):
    name = "trace"

    def default_params(self) -> TraceParams:
        return TraceParams()

    def fit(self, engine: Engine, params: TraceParams | None = None) -> TraceResult:
        params = params or self.default_params()
        if not engine.has_table("supply_shipments"):
            return TraceResult((), (), 0, 0.0)
        sql, args = _exposure_sql(params)
        accounts = engine.query(sql, args)
        ids = accounts.column("account_id").to_pylist()
        index = {account_id: i for i, account_id in enumerate(ids)}
        sql, args = _pairs_sql(engine, params)
        pairs = engine.query(sql, args)
        titles = pairs.column("leak_key").to_pylist()
        title_index: dict[str, int] = {}
        leak_of = np.array([title_index.setdefault(t, len(title_index)) for t in titles])
        account_ids = pairs.column("account_id").to_pylist()
        present = np.array([a is not None and a in index for a in account_ids], dtype=bool)
        pair_account = np.array([index.get(a, -1) if a else -1 for a in account_ids])[present]
        delays = pairs.column("delay_days").to_numpy(zero_copy_only=False)
        inputs = ModelInputs(
            pair_leak=leak_of[present].astype(np.int64),
            pair_account=pair_account.astype(np.int64),
            pair_delay_days=np.asarray(delays, dtype=np.float64)[present],
            exposure=accounts.column("exposure").to_numpy().astype(np.float64),
            leak_count=len(title_index),
        )
        fit = fit_model(inputs, params.model)
        pre_of_title = dict(zip(titles, pairs.column("pre_at").to_pylist(), strict=True))
        return _result(engine, params, accounts.to_pylist(), inputs, fit, title_index, pre_of_title)


def _result(
    engine: Engine,
    params: TraceParams,
    accounts: list[dict[str, Any]],
    inputs: ModelInputs,
    fit: ModelFit,
    title_index: dict[str, int],
    pre_of_title: dict[str, dt.datetime],
) -> TraceResult:
    title_of = list(title_index)
    implicated = fit.responsibility >= 0.5
    rows: list[AccountTrace] = []
    candidate_counts = np.bincount(inputs.pair_account, minlength=len(accounts))
    order = np.argsort(inputs.pair_account, kind="stable")
    bounds = np.searchsorted(inputs.pair_account[order], np.arange(len(accounts) + 1))
    for i, account in enumerate(accounts):
        mine = order[bounds[i] : bounds[i + 1]]
        weights = fit.responsibility[mine]
        delay = None
        if weights.sum() > 0:
            sorted_idx = np.argsort(inputs.pair_delay_days[mine])
            cum = np.cumsum(weights[sorted_idx])
            delay = float(
                inputs.pair_delay_days[mine][sorted_idx][np.searchsorted(cum, cum[-1] / 2)]
            )
        pres = [pre_of_title[title_of[j]] for j in inputs.pair_leak[mine[implicated[mine]]]]
        rows.append(
            AccountTrace(
                account_id=account["account_id"],
                name=account["name"],
                kind=account["kind"],
                country=account["country"],
                opened_at=account["opened_at"],
                posterior=float(fit.posterior[i]),
                leak_rate=float(fit.rate[i]),
                lower=float(fit.lower[i]),
                upper=float(fit.upper[i]),
                leaks_explained=float(fit.leaks_explained[i]),
                titles_received_early=int(account["exposure"]),
                candidate_leaks=int(candidate_counts[i]),
                median_delay_days=delay,
                first_implicated=min(pres) if pres else None,
                last_implicated=max(pres) if pres else None,
            )
        )
    rows.sort(key=lambda a: (-a.posterior, -a.leaks_explained, a.account_id))
    ids = [a["account_id"] for a in accounts]
    per_title: dict[str, list[tuple[str | None, float]]] = {t: [] for t in title_of}
    for pair in range(len(inputs.pair_leak)):
        title = title_of[inputs.pair_leak[pair]]
        per_title[title].append((ids[inputs.pair_account[pair]], float(fit.responsibility[pair])))
    for j, title in enumerate(title_of):
        per_title[title].append((None, float(fit.unknown[j])))
        per_title[title].sort(key=lambda c: (-c[1], c[0] or "~"))
    leaks = tuple(
        LeakAttribution(
            release=row["name"],
            title_id=row["title_id"],
            group=row["group_name"],
            pre_at=row["pre_at"],
            candidates=tuple(per_title.get(row["leak_key"], [])[: params.top_candidates]),
        )
        for row in leak_releases(engine, params)
        if row["leak_key"] in per_title
    )
    groups: dict[str, Counter[str]] = {}
    for leak in leaks:
        for candidate, probability in leak.candidates:
            if candidate is not None and probability >= 0.5 and leak.group:
                groups.setdefault(candidate, Counter())[leak.group] += 1
    rows = [
        dataclasses.replace(a, groups=tuple(g for g, _ in groups[a.account_id].most_common()))
        if a.account_id in groups
        else a
        for a in rows
    ]
    return TraceResult(
        accounts=tuple(rows),
        leaks=leaks,
        leaked_titles=len(title_of),
        unknown_share=float(fit.unknown.mean()) if len(fit.unknown) else 0.0,
        fit={"iterations": fit.iterations, "source_rate": round(fit.threshold, 4)},
    )


def candidates_for_leak(
    engine: Engine,
    result: TraceResult,
    title_id: str,
    pre_at: dt.datetime,
    source: str | None = None,
    top: int = 3,
) -> tuple[tuple[str, float], ...]:
    """A new leak's likeliest source accounts, from the shipments known now and the rates of
    a fitted `result` (the live path: no refit per alert). Probabilities include the outside
    source in the denominator, so they need not sum to one."""
    formats = list(DISC_FORMATS_OF_SOURCE.get((source or "").lower(), ()))
    rows = engine.rows(
        "SELECT account_id, bool_or(len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], format)) "
        "FROM supply_shipments WHERE title_id = ? AND CAST(shipped_at AS TIMESTAMPTZ) < ? "
        "GROUP BY account_id ORDER BY account_id",
        [formats, formats, title_id, pre_at],
    )
    if any(match for _, match in rows):
        rows = [row for row in rows if row[1]]
    rates = {a.account_id: a.leak_rate for a in result.accounts}
    baseline = result.leaked_titles / max(sum(a.titles_received_early for a in result.accounts), 1)
    odds = {a: _odds(rates.get(a, baseline)) for a, _ in rows}
    total = sum(odds.values()) + ModelParams().unknown_weight * _odds(baseline)
    ranked = sorted(odds.items(), key=lambda item: (-item[1], item[0]))[:top]
    return tuple((account, value / total) for account, value in ranked if total > 0)


def _odds(rate: float) -> float:
    rate = min(max(rate, 1e-9), 0.999)
    return rate / (1 - rate)


def trace_accounts(source: Any, params: TraceParams | None = None) -> TraceResult:
    """The ranking of accounts as leak sources (library twin of `scenescope trace`)."""
    return TraceEstimator()(source, params)


def naive_ranking(engine: Engine, params: TraceParams | None = None) -> list[tuple[str, int]]:
    """The baseline the model must beat: accounts by the count of leaked titles they had
    received before the pre (exposure ignored)."""
    sql, args = _pairs_sql(engine, params or TraceParams())
    rows = engine.rows(
        f"SELECT account_id, count(DISTINCT title_id) AS n FROM ({sql}) "
        "WHERE account_id IS NOT NULL GROUP BY account_id ORDER BY n DESC, account_id",
        args,
    )
    return [(account_id, int(n)) for account_id, n in rows]


def reliability_table(
    result: TraceResult, fronts: set[str], bins: tuple[float, ...] = (0.0, 0.1, 0.5, 0.9, 1.0)
) -> list[dict[str, Any]]:
    """Posterior bins against the share of true fronts in each (calibration)."""
    table = []
    for low, high in itertools.pairwise(bins):
        inside = [
            a
            for a in result.accounts
            if low <= a.posterior < high or (high == 1.0 and a.posterior == 1.0)
        ]
        hits = sum(a.account_id in fronts for a in inside)
        table.append(
            {"bin": f"[{low:.1f}, {high:.1f})", "accounts": len(inside), "fronts": hits,
             "front_share": hits / len(inside) if inside else None}
        )  # fmt: skip
    return table


class TraceMetric(Metric[TraceResult]):
    """Top-k recall of the true fronts (k = number of fronts), precision of the accounts
    scored >= 0.9, and the highest posterior of an account that is not a front."""

    name = "trace"

    def score(self, result: TraceResult, truth: WorldTruth) -> Score:
        fronts = {f.account_id for f in truth.fronts}
        k = len(fronts)
        top = [a.account_id for a in result.accounts[:k]]
        confident = [a for a in result.accounts if a.posterior >= 0.9]
        innocent = [a.posterior for a in result.accounts if a.account_id not in fronts]
        return Score(
            self.name,
            {
                "recall_at_k": len(fronts & set(top)) / k if k else None,
                "precision_at_0_9": (
                    sum(a.account_id in fronts for a in confident) / len(confident)
                    if confident
                    else None
                ),
                "max_innocent_posterior": max(innocent) if innocent else None,
            },
            {"fronts": k, "confident": len(confident), "top": top},
        )
