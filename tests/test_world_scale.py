"""Scale: a world streams its rows to disk; what it holds in memory is its catalog (the
titles it simulates), never the pres, nukes, sightings or shipments it has written.

Each world is simulated in its own process, which reports its peak RSS. Slow (excluded by
default): `pytest -m slow tests/test_world_scale.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_CHILD = """
import datetime as dt, json, resource, sys
from pathlib import Path
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate
start_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
end = dt.date(2020, 12, 31)
config = load_config().with_world(scale=float(sys.argv[1]), end=end,
                                  start=end - dt.timedelta(days=int(sys.argv[2]) - 1))
summary = simulate(config, Path(sys.argv[3]))
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": summary.pres_rows, "titles": summary.titles,
                  "held_mb": peak_mb - start_mb}))
"""


def _world(scale: float, days: int, out: Path) -> dict[str, float]:
    """Simulate in a child process: pre rows, titles, and peak RSS above the interpreter's."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(scale), str(days), str(out)],
                          capture_output=True, text=True, check=True, timeout=1200)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_memory_follows_the_catalog_not_the_rows_written(tmp_path: Path) -> None:
    # a longer world writes 4x the rows with a catalog only ~1.4x larger (titles opening
    # before the start are shared): rows held in memory would show as ~4x
    short = _world(1.0, 60, tmp_path / "short")
    long = _world(1.0, 240, tmp_path / "long")
    print(f"\n60 days: {short['rows']:,.0f} pre rows, {short['titles']:,.0f} titles, "
          f"{short['held_mb']:.0f} MB; 240 days: {long['rows']:,.0f} pre rows, "
          f"{long['titles']:,.0f} titles, {long['held_mb']:.0f} MB")
    assert long["rows"] > 3.5 * short["rows"]
    assert long["titles"] < 1.6 * short["titles"]
    assert long["held_mb"] < 1.9 * short["held_mb"]


@pytest.mark.slow
def test_memory_grows_no_faster_than_the_catalog_with_scale(tmp_path: Path) -> None:
    small = _world(0.5, 120, tmp_path / "small")
    large = _world(2.0, 120, tmp_path / "large")
    print(f"\nscale 0.5: {small['rows']:,.0f} pre rows, {small['held_mb']:.0f} MB; "
          f"scale 2: {large['rows']:,.0f} pre rows, {large['held_mb']:.0f} MB")
    assert large["rows"] > 3.5 * small["rows"]
    catalog_growth = large["titles"] / small["titles"]
    assert large["held_mb"] < 1.1 * catalog_growth * small["held_mb"]
