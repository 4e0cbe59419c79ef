"""The cheap benchmarks run end to end at a toy size, so a change to the library that breaks a
benchmark's setup is caught by the suite, not on the day someone wants the figures. Figures are
not checked here (they come from the full-size runs); only that each script finishes and prints
its figure beside its peer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

CASES = {
    "match.py": (["--releases", "3000", "--titles", "500", "--baseline-sample", "20"], "ratio:"),
    "ingest.py": (["--rows", "5000"], "ingest peak RSS"),
    "groups_scale.py": (["--rows", "20000", "--groups", "50"], "ratio to peer scan"),
    "search.py": (["--releases", "20000"], "x the scan"),
    "alerts.py": (["--alerts", "20"], "ratio to peer"),
    "impact.py": (["--rows", "20000"], "peer full scan"),
    "evidence.py": (
        ["--seeds", "9090", "--scale", "0.03", "--entries", "20000"],
        "x the peer",
    ),
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_at_toy_size(script: str, tmp_path: Path) -> None:
    args, marker = CASES[script]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert marker in done.stdout, done.stdout[-2000:]


# what benchmarks/spark.py prints: each engine's figure, the ratio, the matching, the curve
SPARK_FIGURES = (
    "spark fixed cost",
    "duckdb:",
    "spark:",
    "matching (the plan's match steps)",
    "ratio to peer (spark / duckdb)",
    "output row counts equal",
    "scaling curve",
)


@pytest.mark.slow  # a JVM, then every analysis on both engines: minutes on 2 shared cores
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")
def test_spark_benchmark_runs_at_toy_size(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, str(BENCHMARKS / "spark.py"), "--pres", "800", "--sightings", "4000",
            "--curve", "1", "--spark-memory", "1g", "--dir", str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for figure in SPARK_FIGURES:
        assert figure in done.stdout, (figure, done.stdout[-2000:])
