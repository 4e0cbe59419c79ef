"""Turns leaks into alerts and delivers them: dedupe, a persistent queue, retries, dead-letter.

`submit()` only writes to the store (fast, never touches a sink), so ingestion is never
blocked by a slow or dead sink. Delivery runs on a background thread with a small pool of
senders; failed attempts back off exponentially (capped) and dead-letter after N tries.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scenescope.alerts import queue as alert_queue
from scenescope.alerts.message import dedupe_key, is_proper
from scenescope.alerts.rules import AlertConfig, AlertRule
from scenescope.alerts.sinks import DeliveryResult, Sink, make_sink
from scenescope.analysis.records import Leak

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class RecordedAlert:
    """What `submit` did for one (leak, rule): the stored alert and whether it will be sent."""

    alert_id: int
    rule: str
    reason: str  # first / proper / dupe
    suppressed: bool
    release_name: str


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """One delivery attempt as it happened."""

    delivery_id: int
    alert_id: int
    sink: str
    attempt: int
    status: str  # delivered / pending (will retry) / dead
    result: DeliveryResult


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def classify(rule: AlertRule, leak: Leak, prior: list[alert_queue.PriorAlert]) -> str | None:
    """first / proper / dupe for a leak given the rule's earlier alerts; None = already alerted.

    A PROPER fixes an earlier release of the same title and source class (by any group); a
    dupe is another release with the same (title, source class, group) as an earlier alert.
    """
    if any(p.release_name == leak.release_name for p in prior):
        return None
    if prior and is_proper(leak.release_name):
        return "proper"
    key = dedupe_key(leak)
    if any(p.dedupe_key == key for p in prior):
        return "dupe"
    return "first"


class AlertDispatcher:
    """Matches leaks to rules, records alerts in the store and delivers them to sinks."""

    def __init__(
        self,
        connection: Any,
        config: AlertConfig,
        *,
        sinks: Mapping[str, Sink] | None = None,
        senders: int = 4,
        on_attempt: Callable[[DeliveryOutcome], None] | None = None,
    ) -> None:
        alert_queue.ensure_schema(connection)
        self.config = config
        self._sinks: dict[str, Sink] = (
            dict(sinks)
            if sinks is not None
            else {name: make_sink(sink, config.delivery) for name, sink in config.sinks.items()}
        )
        self._on_attempt = on_attempt
        # one DuckDB cursor per thread: submit (caller), the scheduler loop, each sender
        self._submit_cursor = connection.cursor()
        self._loop_cursor = connection.cursor()
        self._wait_cursor = connection.cursor()
        self._sender_cursors: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._all_cursors = [self._submit_cursor, self._loop_cursor, self._wait_cursor]
        for _ in range(senders):
            cursor = connection.cursor()
            self._sender_cursors.put(cursor)
            self._all_cursors.append(cursor)
        self._executor = ThreadPoolExecutor(senders, thread_name_prefix="scenescope-alert-send")
        self._submit_lock = threading.Lock()
        self._state = threading.Condition()  # guards _in_flight; notified after each attempt
        self._in_flight: set[int] = set()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- recording ---------------------------------------------------------------------

    def submit(self, leaks: Iterable[Leak]) -> list[RecordedAlert]:
        """Record an alert for every (leak, matching rule) not seen before; queue its sends.

        One query and one transaction per call, whatever the number of leaks.
        """
        # oldest first, originals before their PROPERs, so dedupe sees the first release first
        ordered = sorted(leaks, key=lambda x: (x.pre_at, is_proper(x.release_name), x.release_name))
        if not ordered:
            return []
        with self._submit_lock:
            prior = alert_queue.prior_alerts(self._submit_cursor, (x.title_id for x in ordered))
            new: list[alert_queue.NewAlert] = []
            for leak in ordered:
                for rule in self.config.matching_rules(leak):
                    seen = prior.setdefault((rule.name, leak.title_id, leak.source_class), [])
                    reason = classify(rule, leak, seen)
                    if reason is None:
                        continue
                    seen.append(alert_queue.PriorAlert(leak.release_name, dedupe_key(leak)))
                    suppressed = reason != "first" and reason not in rule.realert_on
                    new.append(
                        alert_queue.NewAlert(rule.name, reason, leak, rule.sinks, suppressed)
                    )
            ids = alert_queue.record_alerts(self._submit_cursor, new, now=_utcnow())
        recorded = [
            RecordedAlert(alert_id, a.rule, a.reason, a.suppressed, a.leak.release_name)
            for a, alert_id in zip(new, ids, strict=True)
            if alert_id is not None
        ]
        if any(not a.suppressed for a in recorded):
            self._wake.set()
        return recorded

    # -- delivery ----------------------------------------------------------------------

    def deliver_due(
        self, *, now: dt.datetime | None = None, ignore_backoff: bool = False
    ) -> list[DeliveryOutcome]:
        """Try every delivery due by `now` once, in parallel, and wait for the results.

        For the CLI flush and for tests; do not mix with a running background thread.
        """
        if self._thread is not None:
            raise RuntimeError("deliver_due() while the background delivery thread runs")
        due_by = None if ignore_backoff else (now or _utcnow())
        due = alert_queue.due_deliveries(self._loop_cursor, due_by)
        futures = [self._dispatch(delivery, now) for delivery in due]
        return [future.result() for future in futures]

    def start(self) -> None:
        """Start delivering in the background until `close()`."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="scenescope-alert-scheduler", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self._schedule_due()
                timeout = self._seconds_to_next_due()
            except Exception:  # keep delivering; a broken row must not stop the queue
                log.exception("alert scheduler failed; retrying")
                timeout = IDLE_POLL_SECONDS
            self._wake.wait(timeout)

    def _schedule_due(self) -> None:
        with self._state:
            in_flight = frozenset(self._in_flight)
        for delivery in alert_queue.due_deliveries(self._loop_cursor, _utcnow(), exclude=in_flight):
            self._dispatch(delivery, None)

    def _seconds_to_next_due(self) -> float:
        with self._state:
            in_flight = list(self._in_flight)
        row = alert_queue.first_row(
            self._loop_cursor,
            "SELECT min(next_attempt_at) FROM alert_deliveries"
            " WHERE status = 'pending' AND NOT list_contains(?::BIGINT[], delivery_id)",
            [in_flight],
        )
        if not row or row[0] is None:
            return IDLE_POLL_SECONDS
        wait = (row[0] - _utcnow()).total_seconds()
        return min(max(wait, 0.0), IDLE_POLL_SECONDS)

    def _dispatch(
        self, delivery: alert_queue.PendingDelivery, now: dt.datetime | None
    ) -> Future[DeliveryOutcome]:
        with self._state:
            self._in_flight.add(delivery.delivery_id)
        return self._executor.submit(self._attempt, delivery, now)

    def _attempt(
        self, delivery: alert_queue.PendingDelivery, now: dt.datetime | None
    ) -> DeliveryOutcome:
        started_at = now or _utcnow()
        clock = time.perf_counter()
        try:
            sink = self._sinks.get(delivery.sink)
            if sink is None:
                result = DeliveryResult(
                    ok=False, error=f"sink {delivery.sink!r} is not in the config", permanent=True
                )
            else:
                result = sink.send(delivery.alert, delivery_id=str(delivery.delivery_id))
        except Exception as exc:  # a sink bug: record it as a failed attempt, keep going
            log.exception("sink %s raised", delivery.sink)
            result = DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        duration_ms = (time.perf_counter() - clock) * 1000.0
        cursor = self._sender_cursors.get()
        try:
            status = alert_queue.record_attempt(
                cursor,
                delivery,
                result,
                started_at=started_at,
                duration_ms=duration_ms,
                policy=self.config.delivery,
            )
        finally:
            self._sender_cursors.put(cursor)
            with self._state:
                self._in_flight.discard(delivery.delivery_id)
                self._state.notify_all()
            self._wake.set()
        outcome = DeliveryOutcome(
            delivery_id=delivery.delivery_id,
            alert_id=delivery.alert.alert_id,
            sink=delivery.sink,
            attempt=delivery.attempts + 1,
            status=status,
            result=result,
        )
        if self._on_attempt is not None:
            self._on_attempt(outcome)
        return outcome

    def wait_until_settled(self, timeout: float) -> bool:
        """Block until no delivery is pending or in flight (all delivered or dead)."""
        deadline = time.monotonic() + timeout
        with self._state:
            while True:
                if not self._in_flight and alert_queue.pending_count(self._wait_cursor) == 0:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._state.wait(min(remaining, IDLE_POLL_SECONDS))

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop the background thread, let in-flight sends finish, release sinks and cursors.

        Pending deliveries stay queued in the store for the next run (or `alerts deliver`).
        """
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._executor.shutdown(wait=True)
        for sink in self._sinks.values():
            sink.close()
        for cursor in self._all_cursors:
            cursor.close()

    def __enter__(self) -> AlertDispatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
