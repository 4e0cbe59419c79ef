"""The README's first command: `scenescope demo` runs the story end to end on a small world."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scenescope.cli import app


def test_demo_runs_the_story_and_scores_it_against_truth(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    runner = CliRunner()
    args = ["demo", "--out", str(out), "--scale", "0.05", "--seed", "913", "--no-live"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "6/6" not in result.output
    assert "leaks found" in result.output
    assert "precision" in result.output and "recall" in result.output
    assert (out / "world" / "truth.json").exists()
    assert (out / "scenescope.duckdb").exists()
    # the operation's aftermath: drops found untold, the counterfactual, its charts
    assert "The operation and its aftermath" in result.output
    assert "impact vs truth" in result.output
    assert (out / "impact" / "counterfactual.png").exists()

    # A second run reuses the world, starts its own store afresh, and reports the same figures.
    again = runner.invoke(
        app, ["demo", "--out", str(out), "--scale", "0.05", "--seed", "913", "--json"]
    )
    assert again.exit_code == 0, again.output
    lines = [line for line in again.stdout.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1])
    assert report["leaks"] > 0
    assert report["score"]["precision"] >= 0.99
    assert report["score"]["recall"] >= 0.98
    assert len(report["top_leaks"]) == min(20, report["leaks"])
    assert all(leak["lead_days"] > 0 for leak in report["top_leaks"])
    assert report["families"], "the default world's families should be found"
    impact = report["impact"]
    assert impact["summary"]["weeks"] > 0 and impact["summary"]["direct_lost"] > 0
    assert impact["detect"]["days_off"] is not None and impact["detect"]["days_off"] <= 2
    # the live leg ran after the figures above, and its alerts reached the signed webhook
    assert report["live"]["frames_replayed"] > 0
    assert 0 < report["live"]["alerts_delivered"] == report["live"]["alerts_fired"]


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
