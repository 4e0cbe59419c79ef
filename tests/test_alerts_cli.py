"""`scenescope alerts` commands against a real store file and a loopback webhook receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import test_alerts_support as support
from scenescope.alerts.dispatcher import AlertDispatcher
from scenescope.cli import app
from scenescope.store import Store
from test_alerts_support import WebhookReceiver, closed_port_url, config, make_leak

webhook_receiver = support.webhook_receiver

RULES = """
[sinks.soc]
kind = "webhook"
url = "{url}/signed"
secret = "loopback-shared-secret"

[sinks.down]
kind = "webhook"
url = "{down}"
secret = "x"

[rules.acme]
studios = ["Acme Pictures"]
sinks = ["soc"]

[rules.broken]
sinks = ["down"]
"""


@pytest.fixture
def config_file(tmp_path: Path, webhook_receiver: WebhookReceiver) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(RULES.format(url=webhook_receiver.url, down=closed_port_url()), "utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_alerts_test_sends_a_sample_through_the_rule_sinks(
    config_file: Path, webhook_receiver: WebhookReceiver
) -> None:
    code, out, _ = run("alerts", "test", "acme", "--config", str(config_file))
    assert code == 0, out
    assert out.strip() == "soc [webhook]: delivered (200)"
    [got] = webhook_receiver.wait_for(1)
    assert got.signature_ok and got.json()["reason"] == "test"


def test_alerts_test_reports_a_failing_sink_with_exit_1(config_file: Path) -> None:
    code, out, _ = run("alerts", "test", "broken", "--config", str(config_file), "--json")
    assert code == 1
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["sink"] == "down" and not row["ok"] and row["retryable"]


def test_user_mistakes_are_one_line_errors(config_file: Path, tmp_path: Path) -> None:
    code, _, err = run("alerts", "test", "nope", "--config", str(config_file))
    assert code == 2 and err.count("\n") == 1
    assert "no rule named 'nope'" in err and "acme, broken" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[rules.x]\nsinks = ["ghost"]\n', "utf-8")
    code, _, err = run("alerts", "rules", "--config", str(bad))
    assert code == 2 and err.startswith(f"error: {bad}: rule 'x': field 'sinks'")
    code, _, err = run("alerts", "list", "--db", str(tmp_path / "absent.duckdb"))
    assert code == 2 and "no store at" in err


def test_deliver_flushes_the_queue_and_list_shows_the_result(
    tmp_path: Path, config_file: Path, webhook_receiver: WebhookReceiver
) -> None:
    db = tmp_path / "store.duckdb"
    rules = config(config_file.read_text("utf-8").replace("{", "{{").replace("}", "}}"))
    with Store.open(db) as store, AlertDispatcher(store.connection, rules) as dispatcher:
        queued = dispatcher.submit([make_leak()])
    assert sorted(q.rule for q in queued) == ["acme", "broken"]  # queued, not yet sent
    assert webhook_receiver.received == []
    code, out, _ = run("alerts", "deliver", "--config", str(config_file), "--db", str(db))
    assert code == 0, out
    assert out.strip().endswith(
        "2 attempts: 1 delivered, 1 will retry, 0 dead-lettered; 1 still queued"
    )
    code, out, _ = run("alerts", "list", "--db", str(db), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    by_rule = {row["rule"]: row for row in rows}
    assert by_rule["acme"]["deliveries"][0]["status"] == "delivered"
    assert by_rule["broken"]["deliveries"][0]["status"] == "pending"
    assert by_rule["acme"]["release_name"] == "Some.Movie.2024.1080p.BluRay.x264-GRP"
    assert webhook_receiver.wait_for(1)[0].json()["rule"] == "acme"
    code, out, _ = run("alerts", "list", "--db", str(db))
    assert code == 0 and "acme" in out and "delivered" in out and "pending" in out


def test_rules_lists_filters_and_sinks(config_file: Path) -> None:
    code, out, _ = run("alerts", "rules", "--config", str(config_file))
    assert code == 0
    assert "acme: studios=acme pictures -> soc (webhook)" in out
    assert "broken: every leak -> down (webhook)" in out


def test_scan_queues_stored_leaks_once_and_delivers(
    tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    import datetime as dt

    from scenescope.catalog import import_catalog
    from scenescope.catalog.match_run import match_releases
    from scenescope.feeds.events import PreReport

    (tmp_path / "titles.csv").write_text(
        "title_id,kind,title,year,original_title,aliases,studio\nm1,movie,Dune,2021,,,Warner\n"
    )
    (tmp_path / "release_dates.csv").write_text(
        "title_id,territory,window,date\nm1,US,physical,2022-01-11\n"
    )
    at = dt.datetime(2021, 12, 28, 3, tzinfo=dt.UTC)
    db = tmp_path / "store.duckdb"
    with Store.open(db) as store:
        import_catalog(store, [tmp_path / "titles.csv", tmp_path / "release_dates.csv"])
        store.apply([PreReport("Dune.2021.1080p.BluRay.x264-GRP", at, "test")])
        match_releases(store)
    path = tmp_path / "alerts.toml"
    path.write_text(
        f'[sinks.soc]\nkind = "webhook"\nurl = "{webhook_receiver.url}/signed"\n'
        'secret = "loopback-shared-secret"\n[rules.all]\nsinks = ["soc"]\n',
        "utf-8",
    )
    args = ("alerts", "scan", "--config", str(path), "--db", str(db), "--deliver")
    code, out, _ = run(*args)
    assert code == 0, out
    assert out.strip() == "1 leaks, 1 new alerts (1 queued, 0 suppressed as PROPER/dupe); " + (
        "1 of 1 deliveries succeeded"
    )
    [got] = webhook_receiver.wait_for(1)
    assert got.signature_ok and got.json()["leak"]["title_id"] == "m1"
    code, out, _ = run(*args)
    assert code == 0 and out.startswith("1 leaks, 0 new alerts")
