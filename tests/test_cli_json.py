"""`--json` everywhere: every command has it, and its stdout is JSON Lines only (one object a
line, nothing else: no progress bar, no blank line), times in ISO-8601, names exactly as
stored. Runs the program's entry point in-process on a small simulated world.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import typer

from cli_support import run
from scenescope.cli import app


def json_lines(*args: str | Path) -> list[dict[str, Any]]:
    """Run with --json; every stdout line must be one JSON object."""
    result = run(*args, "--json")
    assert result.code == 0, (args, result)
    rows = []
    for line in result.out.splitlines():
        value = json.loads(line)  # a blank or non-JSON line fails here
        assert isinstance(value, dict), (args, line)
        rows.append(value)
    assert result.out == "" or result.out.endswith("\n")
    return rows


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("world")
    db = folder / "store.duckdb"
    summary = json_lines(
        "simulate", "--out", folder, "--start", "2020-06-01", "--end", "2020-08-31",
        "--scale", "0.03",
    )  # fmt: skip
    assert len(summary) == 1 and summary[0]["releases"] > 0
    ingested = json_lines("ingest", "--db", db, folder / "pres.csv", folder / "nukes.csv")
    assert [r["kind"] for r in ingested] == ["pres", "nukes"]
    imported = json_lines("catalog", "import", "--db", db, folder)
    assert imported[0]["titles"] > 0 and imported[0]["problems"] == []
    matched = json_lines("match", "--db", db)
    assert matched[0]["matched"] > 0
    alerts = folder / "alerts.toml"
    alerts.write_text(
        "[delivery]\nmax_attempts = 1\ntimeout_seconds = 2\n"
        '[sinks.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\nsecret = "s"\n'
        '[rules.retail]\nsource_classes = ["retail-disc"]\nsinks = ["hook"]\n'
    )
    return {"db": db, "folder": folder, "alerts": alerts}


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def test_every_command_has_json() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 20
    missing = [
        " ".join(path)
        for path, command in commands
        if not any("--json" in getattr(p, "opts", ()) for p in command.params)
    ]
    assert missing == []


def test_listing_commands_print_json_lines_only(world: dict[str, Path]) -> None:
    db = world["db"]
    leaks = json_lines("leaks", "--db", db)
    assert leaks and {"release_name", "title_id", "group", "lead_days"} <= set(leaks[0])
    group = leaks[0]["group"]
    title_id = leaks[0]["title_id"]

    groups = json_lines("groups", "--db", db)
    assert group in {g["group"] for g in groups}
    assert json_lines("group", group, "--db", db)[0]["group"] == group
    assert all(group in {e["group"] for e in r["entrants"]} for r in json_lines(
        "race", "--group", group, "--db", db))  # fmt: skip
    assert json_lines("race", title_id, "--db", db)
    assert json_lines("catalog", "show", title_id, "--db", db)[0]["title_id"] == title_id
    titles = json_lines("catalog", "list", "--db", db, "--limit", "5")
    assert len(titles) == 5 and {"title_id", "theatrical", "releases"} <= set(titles[0])
    hits = json_lines("search", "--db", db, "--group", group, "--limit", "3")
    assert len(hits) == 3 and all(h["group"] == group for h in hits)
    families = json_lines("families", "--db", db)
    assert all(f["members"] for f in families)
    assert all("predecessor" in c for c in json_lines("successors", "--db", db))
    graph = json_lines("network", "--db", db, "--out", world["folder"] / "g.graphml")
    assert graph[0]["families"] == len(families) and Path(graph[0]["out"]).exists()
    parsed = json_lines("parse", "The.Movie.2020.1080p.BluRay.x264-GRP")
    assert parsed[0]["group"] == "GRP" and parsed[0]["year"] == 2020


def test_alert_commands_print_json_lines_only(world: dict[str, Path]) -> None:
    db, config = world["db"], world["alerts"]
    rules = json_lines("alerts", "rules", "-c", config)
    assert rules == [
        {
            "rule": "retail",
            "sinks": ["hook (webhook)"],
            "titles": [],
            "title_ids": [],
            "studios": [],
            "severities": [],
            "source_classes": ["retail-disc"],
            "groups": [],
            "min_lead_days": None,
            "realert_on": [],
        }
    ]
    scanned = json_lines("alerts", "scan", "-c", config, "--db", db)
    assert scanned and all(r["rule"] == "retail" for r in scanned)
    listed = json_lines("alerts", "list", "--limit", "5", "--db", db)
    assert len(listed) == 5
    # One attempt each against a closed loopback port: failures are rows, not stray output.
    delivered = json_lines("alerts", "deliver", "-c", config, "--db", db)
    assert delivered and all(d["status"] in ("dead", "pending") for d in delivered)


def test_stats_times_are_iso_8601(world: dict[str, Path]) -> None:
    rows = json_lines("stats", "--db", world["db"], "--days", "3")
    totals = rows[0]
    assert totals["section"] == "totals" and totals["releases"] > 0
    parsed = dt.datetime.fromisoformat(totals["last_pre_at"])
    assert "T" in totals["last_pre_at"] and parsed.utcoffset() == dt.timedelta(0)
    days = [r for r in rows if r["section"] == "day"]
    # The store counts the last N days back from the newest pre, both ends partial (N + 1 dates).
    assert 3 <= len(days) <= 4 and days[-1]["day"] == totals["last_pre_at"][:10]
    assert [d["day"] for d in days] == sorted(d["day"] for d in days)


def test_json_count_matches_the_table(world: dict[str, Path]) -> None:
    db = world["db"]
    for command, noun in (("groups", "groups"), ("leaks", "leaks"), ("successors", "candidates")):
        rows = json_lines(command, "--db", db)
        table = run(command, "--db", db)
        assert f"{len(rows)} {noun}" in table.out, command


def test_names_round_trip_exactly(tmp_path: Path) -> None:
    names = [
        "[red]Loud[/red].2020.1080p.WEB.x264-GRP",
        "Esc\x1b[2JName.2020.720p.WEB.x264-GRP",
        "Caf\u00e9.Tunnel.2020.1080p.WEB.x264-GRP",
    ]
    pres = tmp_path / "pres.csv"
    pres.write_text(
        "name,pre_at\n" + "".join(f"{n},2020-01-0{k + 1}\n" for k, n in enumerate(names)),
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    assert run("ingest", "--db", db, pres).code == 0
    hits = json_lines("search", "--db", db)
    assert sorted(h["name"] for h in hits) == sorted(names)


def test_empty_answers_are_empty_output(tmp_path: Path) -> None:
    pres = tmp_path / "pres.csv"
    pres.write_text("name,pre_at\n")
    db = tmp_path / "empty.duckdb"
    assert json_lines("ingest", "--db", db, pres)[0]["events"] == 0
    for args in (("search", "x"), ("groups",), ("families",), ("successors",), ("alerts", "list")):
        assert json_lines(*args, "--db", db) == [], args
    assert json_lines("catalog", "list", "--db", db) == []
