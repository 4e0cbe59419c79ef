"""The demo's live leg on a small world: a REST backfill of the day before the window, then the
window's frames over a loopback predb.ovh websocket and a real IRC server's announce channel
at once, all through the real connectors into the store, and alerts for the replayed leaks
reach a loopback webhook with valid signatures; the receiver refuses forged ones."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from importlib.util import find_spec
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scenescope.alerts.sinks.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from scenescope.analysis.records import Leak
from scenescope.cli import app
from scenescope.demo.live import (
    LiveReplayError,
    SignedWebhookReceiver,
    busiest_leak_window,
    replay_into_store,
)
from scenescope.demo.live_result import LiveReplayResult
from scenescope.store import Store

SEED = 2020
FAST = 36_000.0  # 3 simulated hours in 0.3 s


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A small world, ingested, matched and with its leaks found — the demo without the live
    leg: (store path, world dir, leaks found)."""
    out = tmp_path_factory.mktemp("live") / "demo"
    args = ["demo", "--out", str(out), "--scale", "0.05", "--seed", str(SEED)]
    result = CliRunner().invoke(app, [*args, "--no-live", "--no-serve", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])
    assert report["live"] is None
    return Path(report["store"]), Path(report["world"]), int(report["leaks"])


def test_replayed_leaks_are_stored_and_alerted_through_a_signed_webhook(
    demo_store: tuple[Path, Path, int],
) -> None:
    store_path, world_dir, leaks_found = demo_store
    with Store.open(store_path) as store:
        releases_before = store.connection.execute("SELECT count(*) FROM releases").fetchone()
        result = replay_into_store(store, world_dir, speed=FAST)
        conn = store.connection
        releases_after = conn.execute("SELECT count(*) FROM releases").fetchone()
        delivered = conn.execute(
            "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'"
        ).fetchone()
        alerted = [row[0] for row in conn.execute("SELECT release_name FROM alerts").fetchall()]

    assert result.problems == ()
    assert result.frames_replayed > 0 and result.frames_missed == 0
    assert result.events_applied >= result.frames_replayed
    # replayed pres are new reports of known releases, never new releases
    assert result.releases_stored > 0 and result.new_releases == 0
    assert releases_after == releases_before
    assert result.alerts_fired > 0
    assert result.alerts_delivered == result.alerts_fired
    assert result.bad_signatures == 0
    assert delivered == (result.alerts_delivered,)
    assert result.latency_ms_p50 is not None and result.latency_ms_p99 is not None
    assert 0 < result.latency_ms_p50 <= result.latency_ms_p99
    assert 0 < len(result.examples) <= 5

    # every alert is for a release pred inside the replayed window
    window = _pres_between(world_dir, result.window_start, result.window_end)
    assert alerted and set(alerted) <= window
    assert {example.release_name for example in result.examples} <= set(alerted)

    summary = result.to_dict()
    assert summary["alerts_delivered"] == result.alerts_delivered
    assert json.loads(json.dumps(summary)) == summary  # plain JSON for `demo --json`
    assert leaks_found > 0
    with Store.open(store_path) as store:
        _assert_every_connector_stored(store, result)


def _assert_every_connector_stored(store: Store, result: LiveReplayResult) -> None:
    """REST, websocket and IRC each put their own reports in the store: the backfill's from
    the day before the window, the live feeds' from inside it, as many as were sent."""
    conn = store.connection
    rest, ws, irc = (result.connector(name) for name in ("rest", "websocket", "irc"))
    assert rest is not None and ws is not None and irc is not None, result.connectors
    assert irc.skipped is None, irc.skipped
    assert result.irc_server in ("ngircd", "miniircd")
    assert result.backfill_start is not None
    for connector, since, until in (
        (rest, result.backfill_start, result.window_start),
        (ws, result.window_start, result.window_end),
        (irc, result.window_start, result.window_end),
    ):
        stored = conn.execute(
            "SELECT count(*), count(DISTINCT release_id), min(pre_at), max(pre_at)"
            " FROM pre_reports WHERE feed = ?",
            [connector.feed],
        ).fetchone()
        assert stored is not None
        reports, releases, first, last = stored
        # a frame may repeat a report (a nuke frame carries its row): stored once
        assert 0 < releases <= reports <= connector.pres, (connector, reports)
        assert releases == connector.releases, connector
        # the IRC connector stamps arrival, on the replay's clock: a little after the pre
        slack = dt.timedelta(minutes=10) if connector is irc else dt.timedelta(0)
        assert since <= first and last < until + slack, (connector, first, last)
    for live in (ws, irc):  # nothing sent was lost, and each pre's lag was measured
        assert live.sent is not None and live.events == live.sent > 0
        assert live.lag_ms_p50 is not None and live.lag_ms_p99 is not None
        assert 0 <= live.lag_ms_p50 <= live.lag_ms_p99
    assert ws.releases == irc.releases == result.releases_stored
    assert result.events_applied == ws.events + irc.events
    nukes = dict(
        conn.execute(
            "SELECT feed, count(*) FROM nuke_events WHERE feed IN (?, ?, ?) GROUP BY feed",
            [rest.feed, ws.feed, irc.feed],
        ).fetchall()
    )
    assert nukes.get(ws.feed, 0) == ws.nukes and nukes.get(irc.feed, 0) == irc.nukes


@pytest.mark.skipif(find_spec("miniircd") is None, reason="miniircd missing")
def test_miniircd_carries_the_announce_channel_where_ngircd_is_not_installed(
    demo_store: tuple[Path, Path, int], tmp_path: Path
) -> None:
    """The fallback IRC server: the same legs on a copy of the store, IRC through miniircd."""
    store_path, world_dir, _ = demo_store
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store_path, copy)
    with Store.open(copy) as store:
        result = replay_into_store(store, world_dir, speed=FAST, irc="miniircd")
        assert result.problems == ()
        assert result.irc_server == "miniircd"
        _assert_every_connector_stored(store, result)

        # without IRC the other legs still run, and the summary says why IRC did not
        quiet = replay_into_store(store, world_dir, speed=FAST, irc="off")
    irc = quiet.connector("irc")
    assert irc is not None and irc.skipped == "turned off" and irc.events == 0
    assert any("IRC" in line and "skipped: turned off" in line for line in quiet.summary_lines())
    assert quiet.irc_server is None and quiet.frames_replayed > 0


def test_receiver_accepts_signed_posts_once_and_refuses_forged_ones() -> None:
    body = json.dumps(
        {
            "leak": {
                "release_name": "Some.Movie.2020.1080p.BluRay.x264-GRP",
                "title": "Some Movie",
                "group": "GRP",
                "source_class": "retail-disc",
                "lead_days": 12.5,
            }
        }
    ).encode()
    with SignedWebhookReceiver("demo-secret") as receiver, httpx.Client(timeout=5.0) as client:
        good = {SIGNATURE_HEADER: sign("demo-secret", body), DELIVERY_HEADER: "7"}
        assert client.post(receiver.url, content=body, headers=good).status_code == 204
        assert client.post(receiver.url, content=body, headers=good).status_code == 204  # retry
        forged = {SIGNATURE_HEADER: sign("wrong-secret", body), DELIVERY_HEADER: "8"}
        assert client.post(receiver.url, content=body, headers=forged).status_code == 401
        tampered = {SIGNATURE_HEADER: good[SIGNATURE_HEADER], DELIVERY_HEADER: "9"}
        assert client.post(receiver.url, content=body + b" ", headers=tampered).status_code == 401
        received = receiver.received()
    assert [(a.delivery_id, a.group, a.lead_days) for a in received] == [("7", "GRP", 12.5)]
    assert receiver.rejected == 2


def test_busiest_window_holds_the_most_distinct_leak_signatures() -> None:
    base = dt.datetime(2020, 3, 1, tzinfo=dt.UTC)
    leaks = [
        _leak("A.2020.BluRay-ONE", "a", "ONE", base),
        _leak("B.2020.BluRay-ONE", "b", "ONE", base + dt.timedelta(days=2)),
        _leak("B.2020.BluRay-TWO", "b", "TWO", base + dt.timedelta(days=2, hours=1)),
        _leak("B.2020.BluRay.PROPER-TWO", "b", "TWO", base + dt.timedelta(days=2, hours=2)),
        _leak("C.2020.WEB-TRE", "c", "TRE", base + dt.timedelta(days=9), source_class="web"),
    ]
    start = busiest_leak_window(leaks, dt.timedelta(hours=6))
    assert start == base + dt.timedelta(days=2)
    # no leak of the wanted class: any class will do rather than nothing
    assert busiest_leak_window(leaks[-1:], dt.timedelta(hours=6)) == leaks[-1].pre_at


def test_a_world_without_websocket_frames_is_a_clear_error(
    tmp_path: Path, demo_store: tuple[Path, Path, int]
) -> None:
    store_path, _, _ = demo_store
    with Store.open(store_path) as store, pytest.raises(LiveReplayError, match=r"ws_frames\.jsonl"):
        replay_into_store(store, tmp_path, start_at=dt.datetime(2020, 3, 1, tzinfo=dt.UTC))


def _leak(
    name: str, title_id: str, group: str, pre_at: dt.datetime, *, source_class: str = "retail-disc"
) -> Leak:
    return Leak(
        release_name=name,
        title_id=title_id,
        title=title_id.upper(),
        source_class=source_class,
        pre_at=pre_at,
        lead_days=5.0,
        severity="pre-physical",
        group=group,
    )


def _pres_between(world_dir: Path, start: dt.datetime, end: dt.datetime) -> set[str]:
    names: set[str] = set()
    with (world_dir / "ws_frames.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            frame = json.loads(line)
            row = frame["row"]
            if frame["action"] == "insert" and start.timestamp() <= row["preAt"] < end.timestamp():
                names.add(row["name"])
    return names
