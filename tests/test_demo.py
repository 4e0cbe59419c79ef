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
    # the live leg ran after the figures above, and its alerts reached the signed webhook
    assert report["live"]["frames_replayed"] > 0
    assert 0 < report["live"]["alerts_delivered"] == report["live"]["alerts_fired"]
