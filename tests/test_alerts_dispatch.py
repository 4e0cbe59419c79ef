"""The dispatcher over a real DuckDB file and loopback receivers: dedupe across PROPER and
dupes, retries with capped backoff, dead-letter, a down sink never blocking submit, and a
queue that survives a restart."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

import test_alerts_support as support
from scenescope.alerts.dispatcher import AlertDispatcher, DeliveryOutcome
from scenescope.alerts.queue import list_alerts, list_attempts
from test_alerts_support import (
    WebhookReceiver,
    closed_port_url,
    config,
    make_leak,
)

# loopback receivers, shared with the other alert tests
hanging_server = support.hanging_server
webhook_receiver = support.webhook_receiver


RULES = """
[delivery]
max_attempts = {attempts}
backoff_initial_seconds = {initial}
backoff_max_seconds = {cap}
timeout_seconds = 2

[sinks.hook]
kind = "webhook"
url = "{url}"
secret = "loopback-shared-secret"

[rules.plain]
sinks = ["hook"]

[rules.wants-propers]
source_classes = ["retail-disc"]
sinks = ["hook"]
realert_on = ["proper"]
"""


@pytest.fixture
def connection(tmp_path: Path) -> Any:
    conn = duckdb.connect(str(tmp_path / "store.duckdb"))
    yield conn
    conn.close()


def rules(url: str, attempts: int = 3, initial: float = 2.0, cap: float = 5.0) -> Any:
    return config(RULES, url=url, attempts=attempts, initial=initial, cap=cap)


def test_one_alert_per_title_source_group_unless_rule_asks(
    connection: Any, webhook_receiver: WebhookReceiver
) -> None:
    first = make_leak("Some.Movie.2024.1080p.BluRay.x264-GRP")
    again = make_leak("Some.Movie.2024.1080p.BluRay.x264-GRP")
    dupe = make_leak("Some.Movie.2024.720p.BluRay.x264-GRP")
    proper = make_leak("Some.Movie.2024.PROPER.1080p.BluRay.x264-FIX", group="FIX")
    other_group = make_leak("Some.Movie.2024.2160p.UHD.BluRay.x265-OTHER", group="OTHER")
    with AlertDispatcher(connection, rules(webhook_receiver.url)) as dispatcher:
        recorded = dispatcher.submit([first, again, dupe, proper, other_group])
        outcomes = dispatcher.deliver_due()
    got = {(r.rule, r.release_name): (r.reason, r.suppressed) for r in recorded}
    assert got == {
        ("plain", first.release_name): ("first", False),
        ("wants-propers", first.release_name): ("first", False),
        ("plain", dupe.release_name): ("dupe", True),
        ("wants-propers", dupe.release_name): ("dupe", True),
        ("plain", proper.release_name): ("proper", True),
        ("wants-propers", proper.release_name): ("proper", False),
        ("plain", other_group.release_name): ("first", False),
        ("wants-propers", other_group.release_name): ("first", False),
    }
    assert len(outcomes) == 5 and {o.status for o in outcomes} == {"delivered"}
    bodies = webhook_receiver.wait_for(5)
    sent = sorted((b.json()["rule"], b.json()["leak"]["release_name"]) for b in bodies)
    assert ("wants-propers", proper.release_name) in sent
    assert all(name != dupe.release_name for _, name in sent)
    stored = list_alerts(connection)
    assert len(stored) == 8  # suppressed alerts are recorded too, without deliveries
    assert all(a["deliveries"] == [] for a in stored if a["suppressed"])


def test_dupe_realert_when_rule_asks(connection: Any, webhook_receiver: WebhookReceiver) -> None:
    text = RULES.replace('realert_on = ["proper"]', 'realert_on = ["proper", "dupe"]')
    cfg = config(text, url=webhook_receiver.url, attempts=3, initial=1, cap=1)
    with AlertDispatcher(connection, cfg) as dispatcher:
        dispatcher.submit([make_leak("A.2024.1080p.BluRay.x264-GRP")])
        recorded = dispatcher.submit([make_leak("A.2024.720p.BluRay.x264-GRP")])
    assert {(r.rule, r.suppressed) for r in recorded} == {("plain", True), ("wants-propers", False)}


def test_failing_receiver_retries_with_capped_backoff_then_dead_letters(
    connection: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [500] * 10
    cfg = config(RULES.split("[rules.wants-propers]")[0], url=webhook_receiver.url,
                 attempts=4, initial=2.0, cap=5.0)  # fmt: skip
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    statuses = []
    with AlertDispatcher(connection, cfg) as dispatcher:
        dispatcher.submit([make_leak()])
        for _ in range(6):
            outcomes = dispatcher.deliver_due(now=now)
            statuses += [o.status for o in outcomes]
            # nothing is due again until its backoff has passed
            assert dispatcher.deliver_due(now=now) == []
            now += dt.timedelta(seconds=5.5)
    assert statuses == ["pending", "pending", "pending", "dead"]
    assert len(webhook_receiver.wait_for(4)) == 4
    [alert] = list_alerts(connection)
    [delivery] = alert["deliveries"]
    assert delivery["status"] == "dead" and delivery["attempts"] == 4
    assert delivery["last_error"] == "HTTP 500 Internal Server Error"
    attempts = list_attempts(connection, 1)
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4]
    assert all(not a["ok"] and a["status_code"] == 500 for a in attempts)


def test_backoff_schedule_is_stored_per_attempt(
    connection: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [503, 503, 503]
    cfg = config(RULES.split("[rules.wants-propers]")[0], url=webhook_receiver.url,
                 attempts=5, initial=2.0, cap=5.0)  # fmt: skip
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    gaps = []
    with AlertDispatcher(connection, cfg) as dispatcher:
        dispatcher.submit([make_leak()])
        for _ in range(4):
            [outcome] = dispatcher.deliver_due(now=now)
            if outcome.status != "pending":
                break
            (next_at,) = connection.execute(
                "SELECT next_attempt_at FROM alert_deliveries WHERE delivery_id = ?",
                [outcome.delivery_id],
            ).fetchone()
            gaps.append(round((next_at - now).total_seconds()))
            now = next_at
    assert gaps == [2, 4, 5]  # capped exponential
    assert outcome.status == "delivered" and outcome.attempt == 4


def test_down_sink_never_blocks_submit_and_others_still_deliver(
    connection: Any, webhook_receiver: WebhookReceiver, hanging_server: str
) -> None:
    text = RULES.split("[rules.plain]")[0] + (
        '[sinks.stuck]\nkind = "webhook"\nurl = "{stuck}"\nsecret = "s"\n'
        '[sinks.down]\nkind = "webhook"\nurl = "{down}"\nsecret = "s"\n'
        '[rules.all]\nsinks = ["stuck", "down", "hook"]\n'
    )
    cfg = config(text, url=webhook_receiver.url, stuck=hanging_server, down=closed_port_url(),
                 attempts=2, initial=0.05, cap=0.05)  # fmt: skip
    attempted = threading.Event()
    outcomes: list[DeliveryOutcome] = []

    def on_attempt(outcome: DeliveryOutcome) -> None:
        outcomes.append(outcome)
        attempted.set()

    with AlertDispatcher(connection, cfg, on_attempt=on_attempt) as dispatcher:
        dispatcher.start()
        first = dispatcher.submit([make_leak("One.2024.1080p.BluRay.x264-GRP")])
        second = dispatcher.submit([make_leak("Two.2024.1080p.BluRay.x264-GRP", title_id="t2")])
        # both submits returned while the stuck sink still holds a send open
        assert len(first) == 1 and len(second) == 1
        received = webhook_receiver.wait_for(2)
        assert {r.json()["leak"]["release_name"] for r in received} == {
            "One.2024.1080p.BluRay.x264-GRP",
            "Two.2024.1080p.BluRay.x264-GRP",
        }
        assert dispatcher.wait_until_settled(timeout=20)
    by_sink: dict[str, set[str]] = {}
    for o in outcomes:
        by_sink.setdefault(o.sink, set()).add(o.status)
    assert by_sink["hook"] == {"delivered"}
    assert "dead" in by_sink["down"] and "dead" in by_sink["stuck"]
    counts = dict(
        connection.execute("SELECT status, count(*) FROM alert_deliveries GROUP BY 1").fetchall()
    )
    assert counts == {"delivered": 2, "dead": 4}


def test_background_delivery_retries_until_the_receiver_recovers(
    connection: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.statuses = [500, 500]
    cfg = config(RULES.split("[rules.wants-propers]")[0], url=webhook_receiver.url,
                 attempts=5, initial=0.02, cap=0.05)  # fmt: skip
    with AlertDispatcher(connection, cfg) as dispatcher:
        dispatcher.start()
        dispatcher.submit([make_leak()])
        assert dispatcher.wait_until_settled(timeout=20)
    assert len(webhook_receiver.wait_for(3)) == 3
    [alert] = list_alerts(connection)
    assert alert["deliveries"][0]["status"] == "delivered"
    assert alert["deliveries"][0]["attempts"] == 3


def test_queue_survives_a_restart(tmp_path: Path, webhook_receiver: WebhookReceiver) -> None:
    path = tmp_path / "store.duckdb"
    down = config(RULES.split("[rules.wants-propers]")[0], url=closed_port_url(),
                  attempts=5, initial=60, cap=60)  # fmt: skip
    conn = duckdb.connect(str(path))
    with AlertDispatcher(conn, down) as dispatcher:
        dispatcher.submit([make_leak("Persist.2024.1080p.BluRay.x264-GRP")])
        [outcome] = dispatcher.deliver_due()
        assert outcome.status == "pending"
    conn.close()
    up = config(RULES.split("[rules.wants-propers]")[0], url=webhook_receiver.url,
                attempts=5, initial=60, cap=60)  # fmt: skip
    conn = duckdb.connect(str(path))
    with AlertDispatcher(conn, up) as dispatcher:
        assert dispatcher.deliver_due() == []  # still backing off
        [outcome] = dispatcher.deliver_due(ignore_backoff=True)
    assert outcome.status == "delivered" and outcome.attempt == 2
    [got] = webhook_receiver.wait_for(1)
    assert got.json()["leak"]["release_name"] == "Persist.2024.1080p.BluRay.x264-GRP"
    conn.close()


def test_hostile_names_are_stored_verbatim(
    connection: Any, webhook_receiver: WebhookReceiver
) -> None:
    name = "X'); DROP TABLE alerts; --.2024.1080p.BluRay.x264-GRP"
    with AlertDispatcher(connection, rules(webhook_receiver.url)) as dispatcher:
        dispatcher.submit([make_leak(name)])
    names = {a["release_name"] for a in list_alerts(connection)}
    assert names == {name}
