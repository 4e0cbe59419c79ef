"""Scale: a world streams to disk, so memory grows with the catalog, never with the pres.

Two worlds, 4x apart in volume, each simulated in its own process; the larger may not
need anywhere near 4x the memory. Slow (excluded by default): `pytest -m slow`.
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
config = load_config().with_world(scale=float(sys.argv[1]), start=dt.date(2020, 6, 1),
                                  end=dt.date(2020, 9, 30))
summary = simulate(config, Path(sys.argv[2]))
print(json.dumps({"pres_rows": summary.pres_rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(scale: float, out: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(scale), str(out)],
                          capture_output=True, text=True, check=True, timeout=1200)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _baseline_mb() -> float:
    """What the interpreter with the simulator's imports takes before simulating."""
    code = ("import resource, scenescope.world.simulate, numpy; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return float(done.stdout.strip())


@pytest.mark.slow
def test_peak_memory_grows_far_slower_than_the_pres(tmp_path: Path) -> None:
    small = _run(0.5, tmp_path / "small")
    large = _run(2.0, tmp_path / "large")
    baseline = _baseline_mb()
    assert large["pres_rows"] > 3.5 * small["pres_rows"]
    small_mb = small["peak_rss_mb"] - baseline
    large_mb = large["peak_rss_mb"] - baseline
    print(f"baseline {baseline:.0f} MB; scale 0.5: {small['pres_rows']:,} pre rows, "
          f"+{small_mb:.0f} MB; scale 2: {large['pres_rows']:,} pre rows, +{large_mb:.0f} MB")
    # 4x the pres: memory above the interpreter's grows with the catalog only (well under 4x)
    assert large_mb < 2.5 * small_mb
    assert large["peak_rss_mb"] < 1024
