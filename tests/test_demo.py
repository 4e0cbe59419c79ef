"""The README's first command: `scenescope demo` runs the story end to end on a small world,
writes the report and serves the workbench until Ctrl-C (`--no-serve` stops after the report)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from scenescope.cli import app

SMALL = ["--scale", "0.05", "--seed", "913"]


def test_demo_runs_the_story_and_scores_it_against_truth(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    runner = CliRunner()
    args = ["demo", "--out", str(out), *SMALL, "--no-live", "--no-serve"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Live:" not in result.output and "6/6 Writing the report" in result.output
    assert "leaks found" in result.output
    assert "precision" in result.output and "recall" in result.output
    assert (out / "world" / "truth.json").exists()
    assert (out / "scenescope.duckdb").exists()
    # the operation's aftermath: drops found untold, the counterfactual, its charts
    assert "The operation and its aftermath" in result.output
    assert "impact vs truth" in result.output
    assert (out / "impact" / "counterfactual.png").exists()
    # the seized media as one evidence case, its triage against the truth
    assert "Seized media" in result.output and "group-workstation" in result.output
    assert "triage vs truth: roles right 1.00" in result.output
    # the report, and where to look; no workbench with --no-serve
    report = (out / "report.html").read_text(encoding="utf-8")
    for section in ("Leaks board", "Families", "Trace", "Seized media", "Impact of each drop"):
        assert section in report
    assert "<script" not in report
    assert "Where to look" in result.output and "workbench" in result.output
    assert "scenescope serve" in " ".join(result.output.split())
    assert "serving the workbench" not in result.output

    # A second run reuses the world, starts its own store afresh, and reports the same figures.
    # Its live leg takes the announce channel through miniircd, the server a fresh machine has.
    args = ["demo", "--out", str(out), *SMALL, "--json", "--no-serve", "--irc", "miniircd"]
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    lines = [line for line in again.stdout.splitlines() if line.startswith("{")]
    summary = json.loads(lines[-1])
    assert summary["leaks"] > 0
    assert summary["score"]["precision"] >= 0.99
    assert summary["score"]["recall"] >= 0.98
    assert len(summary["top_leaks"]) == min(20, summary["leaks"])
    assert all(leak["lead_days"] > 0 for leak in summary["top_leaks"])
    assert summary["families"], "the default world's families should be found"
    impact = summary["impact"]
    assert impact["summary"]["weeks"] > 0 and impact["summary"]["direct_lost"] > 0
    assert impact["detect"]["days_off"] is not None and impact["detect"]["days_off"] <= 2
    # the live leg ran after the figures above, and its alerts reached the signed webhook
    assert summary["live"]["frames_replayed"] > 0
    assert 0 < summary["live"]["alerts_delivered"] == summary["live"]["alerts_fired"]
    # every connector brought its share into the store: the dump, REST, websocket, IRC
    ingest = {connector["connector"]: connector for connector in summary["ingest"]}
    assert list(ingest) == ["files", "rest", "websocket", "irc"]
    assert ingest["files"]["carried"] == "history from the world's dump"
    assert summary["live"]["irc_server"] == "miniircd"
    from scenescope.store import Store

    with Store.open(out / "scenescope.duckdb") as store:
        for connector in ingest.values():
            assert connector["events"] > 0 and connector["releases"] > 0, connector
            if connector["connector"] == "files":
                continue
            stored = store.connection.execute(
                "SELECT count(*) FROM pre_reports WHERE feed = ?", [connector["feed"]]
            ).fetchone()
            assert stored is not None and 0 < stored[0] <= connector["pres"], connector
    for live in ("websocket", "irc"):
        assert ingest[live]["events"] == ingest[live]["sent"]
        assert ingest[live]["lag_ms_p50"] is not None
    evidence = summary["evidence"]
    assert evidence["case"] == "operation" and evidence["score"]["role_accuracy"] >= 0.95
    kinds = {m["label"]: m["kind"] for m in evidence["media"]}
    if shutil.which("fls"):  # the end-user drive the world also wrote as an ext2 image
        assert "image" in kinds.values()
    assert summary["report"]["html"] == str(out / "report.html")
    assert summary["dashboard"] is None


def test_demo_serves_the_workbench_until_ctrl_c(tmp_path: Path) -> None:
    """The real command in its own process: it prints the dashboard URL and a token, the
    dashboard answers with that token (header and sign-in), and Ctrl-C ends it with 0."""
    out = tmp_path / "demo"
    with socket.socket() as taken:  # the port asked for is in use: the demo picks another
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        command = [str(Path(sys.executable).with_name("scenescope")), "demo", "--out", str(out)]
        demo = subprocess.Popen(
            [*command, "--scale", "0.02", "--seed", "5", "--no-live", "--port", str(busy)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        )
        try:
            printed = _read_until(demo, "serving the workbench on", timeout=240)
            url = re.search(r"serving the workbench on (http://127\.0\.0\.1:(\d+)/)", printed)
            token = re.search(r"^token\s+(ss_[A-Za-z0-9_-]+)\s*$", printed, re.MULTILINE)
            assert url and token, printed
            assert int(url[2]) != busy and f"port {busy} was taken" in printed
            assert "report" in printed and (out / "report.html").exists()
            base, secret = url[1], token[1]
            _wait_listening(base)
            with httpx.Client(base_url=base, timeout=30) as client:
                assert client.get("/").status_code == 401  # no token, no dashboard
                page = client.get("/", headers={"Authorization": f"Bearer {secret}"})
                assert page.status_code == 200 and "scenescope" in page.text
                form = client.get("/login")
                assert form.status_code == 200
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
                assert csrf, form.text
                signed = client.post(
                    "/login", data={"token": secret, "csrf_token": csrf[1], "next": "/evidence"}
                )
                assert signed.status_code == 303 and signed.headers["location"] == "/evidence"
                evidence = client.get("/evidence")  # the session cookie from the sign-in
                assert evidence.status_code == 200 and "ws-embers" in evidence.text
            demo.send_signal(signal.SIGINT)
            rest, _ = demo.communicate(timeout=60)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
    assert demo.returncode == 0, printed + rest
    assert "the store is closed" in rest
    from scenescope.store import Store

    with Store.open(out / "scenescope.duckdb"):  # released: another process may write it
        pass


def _read_until(process: subprocess.Popen[str], marker: str, *, timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"no {marker!r} within {timeout} s:\n" + "".join(seen))


def _wait_listening(base: str) -> None:
    """The URL is printed as uvicorn starts; wait for it to accept connections."""
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "login", timeout=5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_demo_refuses_a_file_as_out_and_a_locked_store_before_simulating(tmp_path: Path) -> None:
    import subprocess
    import sys

    runner = CliRunner()
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    result = runner.invoke(app, ["demo", "--out", str(a_file), "--scale", "0.01"])
    assert result.exit_code == 2
    assert "is a file" in result.output

    out = tmp_path / "demo"
    out.mkdir()
    store_path = out / "scenescope.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom scenescope.store import Store\n"
            f"s = Store.open({str(store_path)!r})\nprint('held', flush=True)\nsys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = runner.invoke(app, ["demo", "--out", str(out), "--scale", "0.01"])
        assert result.exit_code == 2
        assert "open for writing by another scenescope" in result.output
        assert not (out / "world").exists(), "nothing is simulated when the store is locked"
        assert store_path.exists(), "the other process's store is left alone"
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_the_report_keeps_hostile_names_inert_and_prints_a_pdf(tmp_path: Path) -> None:
    """The report the demo writes (`scenescope report`): names written by the people we watch
    stay text, and `--pdf` prints the same document through Chromium."""
    import datetime as dt

    from cli_support import run
    from scenescope.feeds.events import PreReport
    from scenescope.store import Store

    hostile = (
        "Evil.Movie.2020.1080p.WEB.x264-<script>window.pwned=1</script>",
        'Evil.Movie.2020.720p.WEB.x264-"><img src=x onerror=alert(1)>',
        "Evil.Rtl.2020.1080p.WEB.x264-GRP\u202egnp.exe",
    )
    db = tmp_path / "store.duckdb"
    at = dt.datetime(2020, 8, 30, 12, tzinfo=dt.UTC)
    with Store.open(db) as store:
        store.apply(
            PreReport(name=n, pre_at=at + dt.timedelta(minutes=i), feed="t", category="X264")
            for i, n in enumerate(hostile)
        )
    out = tmp_path / "report.html"
    args = ["report", "--out", str(out), "--db", str(db)]
    pdf = tmp_path / "report.pdf"
    if shutil.which("chromium"):
        args += ["--pdf", str(pdf)]
    result = run(*args)
    assert result.code == 0, result.out + result.err
    html = out.read_text(encoding="utf-8")
    assert "Groups" in html and "Method." in html and "<script" not in html
    if shutil.which("chromium"):
        assert pdf.read_bytes().startswith(b"%PDF")

    # every cell of every section goes through the same escaping
    from scenescope.report.document import ReportPeriod, ReportSection, cell_text, render_html

    section = ReportSection(
        "leaks",
        "Leaks <b>board</b>",
        "summary",
        "{{7*7}}",
        len(hostile),
        ("release",),
        tuple((cell_text(name),) for name in hostile),
    )
    page = render_html({"releases": 3}, [section], ReportPeriod())
    assert "<script" not in page and "<img src=x" not in page and "<b>board" not in page
    assert "&lt;script&gt;" in page and "\\u202e" in page and "\u202e" not in page
    assert "{{7*7}}" in page  # a value is never evaluated as a template
