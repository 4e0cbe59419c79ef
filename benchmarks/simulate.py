"""Simulator throughput: time to write a world and rows/s, next to the bare cost of writing
the same number of CSV rows with csv.writer (the peer measured in the same run).

    .venv/bin/python benchmarks/simulate.py [--scale 1.0] [--start 2020-01-01] [--end 2020-12-31]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from scenescope.world.config import load_config
from scenescope.world.simulate import simulate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", default="2020-01-01")
    parser.add_argument("--end", default="2020-12-31")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = load_config().with_world(
        seed=args.seed,
        scale=args.scale,
        start=dt.date.fromisoformat(args.start),
        end=dt.date.fromisoformat(args.end),
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "world"
        summary = simulate(config, out)
        rows = (
            summary.pres_rows
            + summary.nukes
            + summary.frames
            + summary.sightings
            + summary.shipments
            + summary.releases
        )
        started = time.perf_counter()
        with (Path(tmp) / "peer.csv").open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            row = (
                "Some.Movie.2020.1080p.BluRay.x264-GRP",
                "2020-08-25T06:00:00Z",
                "X264-HD",
                9000000,
                93,
                "predb.ovh",
            )
            for _ in range(rows):
                writer.writerow(row)
        peer = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"world {args.start}..{args.end} scale {args.scale}: {summary.releases:,} releases, "
        f"{summary.pres_rows:,} pre rows, {rows:,} rows in all"
    )
    print(
        f"simulate: {summary.seconds:.1f} s, {rows / summary.seconds:,.0f} rows/s, "
        f"{summary.releases / summary.seconds:,.0f} releases/s, peak RSS {peak_mb:,.0f} MB"
    )
    print(
        f"peer (bare csv.writer of the same row count): {peer:.1f} s, "
        f"{rows / peer:,.0f} rows/s; simulate/peer time ratio {summary.seconds / peer:.1f}x"
    )


if __name__ == "__main__":
    main()
