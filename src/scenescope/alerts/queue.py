"""The alert tables in the store: recording alerts, the per-sink delivery queue, attempts.

All SQL for alerts lives here and is parameterized (release names are hostile input).
Functions take a DuckDB connection or cursor; the dispatcher gives each thread its own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenescope.alerts.message import Alert, dedupe_key, leak_from_dict
from scenescope.alerts.rules import DeliveryPolicy
from scenescope.alerts.sinks import DeliveryResult
from scenescope.analysis.records import Leak

MIGRATION = Path(__file__).resolve().parent.parent / "store" / "migrations" / "0150_alerts.sql"
DELIVERY_STATUSES: tuple[str, ...] = ("pending", "delivered", "dead")


@dataclass(frozen=True, slots=True)
class PriorAlert:
    """What dedupe needs to know about an alert already recorded for the same rule and title."""

    release_name: str
    dedupe_key: str


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """One queued (alert, sink) pair, with the alert to send."""

    delivery_id: int
    sink: str
    attempts: int
    alert: Alert


def first_row(cursor: Any, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result fully consumed (DuckDB refuses new work on a
    connection with an unfinished result)."""
    rows = cursor.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def ensure_schema(connection: Any) -> None:
    """Create the alert tables if the store's migrations have not (safe to run twice)."""
    exists = first_row(
        connection,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'alert_deliveries'",
    )
    if not exists or not exists[0]:
        connection.execute(MIGRATION.read_text(encoding="utf-8"))


def prior_alerts(
    cursor: Any, title_ids: Iterable[str]
) -> dict[tuple[str, str, str], list[PriorAlert]]:
    """Alerts already recorded for these titles, by (rule, title_id, source class)."""
    rows = cursor.execute(
        "SELECT rule, title_id, source_class, release_name, dedupe_key FROM alerts"
        " WHERE list_contains(?::VARCHAR[], title_id)",
        [sorted(set(title_ids))],
    ).fetchall()
    found: dict[tuple[str, str, str], list[PriorAlert]] = {}
    for rule, title_id, source, release_name, key in rows:
        found.setdefault((rule, title_id, source), []).append(PriorAlert(release_name, key))
    return found


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to record: which rule, why, the leak, and the sinks to queue it for."""

    rule: str
    reason: str
    leak: Leak
    sinks: tuple[str, ...]
    suppressed: bool


def record_alerts(cursor: Any, alerts: Sequence[NewAlert], *, now: dt.datetime) -> list[int | None]:
    """Store alerts (and, unless suppressed, one pending delivery per sink) in one transaction.

    Returns each new alert id, or None where the rule already had an alert for the release.
    """
    ids: list[int | None] = []
    deliveries: list[list[Any]] = []
    cursor.execute("BEGIN TRANSACTION")
    try:
        for alert in alerts:
            leak = alert.leak
            row = first_row(
                cursor,
                "INSERT INTO alerts (rule, reason, suppressed, dedupe_key, release_name, title_id,"
                " title, source_class, group_name, severity, lead_days, pre_at, leak_json,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING alert_id",
                [
                    alert.rule,
                    alert.reason,
                    alert.suppressed,
                    dedupe_key(leak),
                    leak.release_name,
                    leak.title_id,
                    leak.title,
                    leak.source_class,
                    leak.group,
                    leak.severity,
                    leak.lead_days,
                    leak.pre_at,
                    json.dumps(leak.to_dict(), ensure_ascii=False),
                    now,
                ],
            )
            alert_id = int(row[0]) if row else None
            ids.append(alert_id)
            if alert_id is not None and not alert.suppressed:
                deliveries += [[alert_id, sink, now, now] for sink in alert.sinks]
        if deliveries:
            cursor.executemany(
                "INSERT INTO alert_deliveries (alert_id, sink, status, attempts, next_attempt_at,"
                " created_at) VALUES (?, ?, 'pending', 0, ?, ?)",
                deliveries,
            )
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    return ids


def due_deliveries(
    cursor: Any, now: dt.datetime | None, *, exclude: set[int] | frozenset[int] = frozenset()
) -> list[PendingDelivery]:
    """Pending deliveries whose next attempt is due by `now` (all pending when now is None)."""
    sql = (
        "SELECT d.delivery_id, d.sink, d.attempts, a.alert_id, a.rule, a.reason, a.leak_json,"
        " a.created_at FROM alert_deliveries d JOIN alerts a USING (alert_id)"
        " WHERE d.status = 'pending'"
    )
    params: list[Any] = []
    if now is not None:
        sql += " AND d.next_attempt_at <= ?"
        params.append(now)
    rows = cursor.execute(sql + " ORDER BY d.next_attempt_at, d.delivery_id", params).fetchall()
    return [
        PendingDelivery(
            delivery_id=int(r[0]),
            sink=r[1],
            attempts=int(r[2]),
            alert=Alert(
                alert_id=int(r[3]),
                rule=r[4],
                reason=r[5],
                leak=leak_from_dict(json.loads(r[6])),
                created_at=r[7].astimezone(dt.UTC),
            ),
        )
        for r in rows
        if int(r[0]) not in exclude
    ]


def next_due_at(cursor: Any) -> dt.datetime | None:
    """When the earliest pending delivery becomes due (None when nothing is pending)."""
    row = first_row(
        cursor, "SELECT min(next_attempt_at) FROM alert_deliveries WHERE status = 'pending'"
    )
    return row[0].astimezone(dt.UTC) if row and row[0] is not None else None


def pending_count(cursor: Any) -> int:
    row = first_row(cursor, "SELECT count(*) FROM alert_deliveries WHERE status = 'pending'")
    return int(row[0]) if row else 0


def record_attempt(
    cursor: Any,
    delivery: PendingDelivery,
    result: DeliveryResult,
    *,
    started_at: dt.datetime,
    duration_ms: float,
    policy: DeliveryPolicy,
) -> str:
    """Log one attempt and move the delivery on: delivered, dead, or pending with backoff.

    Returns the delivery's new status.
    """
    attempt = delivery.attempts + 1
    finished = started_at + dt.timedelta(milliseconds=duration_ms)
    if result.ok:
        status, next_at = "delivered", None
    elif result.permanent or attempt >= policy.max_attempts:
        status, next_at = "dead", None
    else:
        status = "pending"
        next_at = finished + dt.timedelta(seconds=policy.backoff_after(attempt))
    cursor.execute("BEGIN TRANSACTION")
    try:
        cursor.execute(
            "INSERT INTO alert_delivery_attempts (delivery_id, attempt, started_at, duration_ms,"
            " ok, status_code, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                delivery.delivery_id,
                attempt,
                started_at,
                duration_ms,
                result.ok,
                result.status_code,
                result.error,
            ],
        )
        cursor.execute(
            "UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,"
            " last_error = ?, finished_at = ? WHERE delivery_id = ?",
            [
                status,
                attempt,
                next_at,
                result.error,
                None if status == "pending" else finished,
                delivery.delivery_id,
            ],
        )
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    return status


def list_alerts(
    connection: Any, *, rule: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Recorded alerts, newest first, each with its per-sink delivery state."""
    sql = (
        "SELECT a.alert_id, a.rule, a.reason, a.suppressed, a.release_name, a.title_id, a.title,"
        " a.source_class, a.group_name, a.severity, a.lead_days, a.pre_at, a.created_at,"
        " list({'sink': d.sink, 'status': d.status, 'attempts': d.attempts,"
        " 'last_error': d.last_error} ORDER BY d.sink) FILTER (WHERE d.delivery_id IS NOT NULL)"
        " FROM alerts a LEFT JOIN alert_deliveries d USING (alert_id)"
    )
    params: list[Any] = []
    if rule is not None:
        sql += " WHERE a.rule = ?"
        params.append(rule)
    sql += " GROUP BY ALL ORDER BY a.created_at DESC, a.alert_id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    out = []
    for r in connection.execute(sql, params).fetchall():
        out.append(
            {
                "alert_id": r[0],
                "rule": r[1],
                "reason": r[2],
                "suppressed": r[3],
                "release_name": r[4],
                "title_id": r[5],
                "title": r[6],
                "source_class": r[7],
                "group": r[8],
                "severity": r[9],
                "lead_days": r[10],
                "pre_at": r[11].astimezone(dt.UTC).isoformat() if r[11] else None,
                "created_at": r[12].astimezone(dt.UTC).isoformat(),
                "deliveries": r[13] or [],
            }
        )
    return out


def list_attempts(connection: Any, delivery_id: int) -> list[dict[str, Any]]:
    """Every attempt of one delivery, in order."""
    rows = connection.execute(
        "SELECT attempt, started_at, duration_ms, ok, status_code, error"
        " FROM alert_delivery_attempts WHERE delivery_id = ? ORDER BY attempt",
        [delivery_id],
    ).fetchall()
    return [
        {
            "attempt": r[0],
            "started_at": r[1].astimezone(dt.UTC),
            "duration_ms": r[2],
            "ok": r[3],
            "status_code": r[4],
            "error": r[5],
        }
        for r in rows
    ]
