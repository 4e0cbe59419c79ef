"""Ingest throughput: pres CSV into a fresh store vs bare `parse_many` on the same names.

Generates N varied scene-style pre rows (default 1,000,000), times `parse_many` alone, then
imports the CSV into a fresh store in a child process (so its peak RSS is its own), and prints
both rows/s, the ratio (target ≥ 0.70) and the import's peak memory (target < 1.5 GB).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORDS = [
    "the",
    "last",
    "night",
    "dark",
    "star",
    "city",
    "river",
    "love",
    "war",
    "king",
    "queen",
    "secret",
    "house",
    "fire",
    "road",
    "man",
    "woman",
    "blue",
    "red",
    "black",
    "white",
    "dead",
    "life",
    "time",
    "world",
    "lost",
    "first",
    "home",
    "story",
    "game",
    "shadow",
    "light",
    "storm",
    "iron",
    "gold",
    "silent",
    "wild",
    "broken",
    "little",
    "big",
    "new",
    "old",
    "great",
    "deep",
    "high",
    "north",
    "south",
    "ghost",
    "hunter",
    "dream",
    "edge",
    "zero",
    "code",
    "rise",
    "fall",
    "return",
    "legacy",
    "empire",
    "kingdom",
    "island",
    "ocean",
    "mountain",
    "garden",
]
GROUPS = [
    f"{a}{b}"
    for a in (
        "SPARKS",
        "GECKOS",
        "DRONES",
        "ROVERS",
        "AMIABLE",
        "NTb",
        "FLUX",
        "CAKES",
        "GGEZ",
        "SKGTV",
        "PHOENiX",
        "DEFLATE",
        "BiPOLAR",
        "KOGi",
    )
    for b in ("", "HD", "TV", "X", "2")
]
MOVIE_TAILS = (
    "1080p.BluRay.x264",
    "720p.BluRay.x264",
    "2160p.UHD.BluRay.x265.HDR",
    "1080p.WEB.H264",
    "1080p.AMZN.WEB-DL.DDP5.1.H.264",
    "DVDRip.x264",
    "HDTS.x264",
    "1080p.NF.WEB-DL.DDP5.1.x264",
    "COMPLETE.BLURAY",
    "BDRip.x264",
    "DVDSCR.XviD",
    "1080p.BluRay.DTS.x264",
)
TV_TAILS = ("720p.HDTV.x264", "1080p.WEB.H264", "HDTV.x264", "1080p.AMZN.WEB-DL.DDP5.1.H.264")
LANGS = ("", "", "", "", "FRENCH.", "GERMAN.DL.", "iTALiAN.", "MULTi.")
FLAGS = ("", "", "", "", "", "PROPER.", "REPACK.", "INTERNAL.", "LIMITED.")
CATS = ("X264", "TV-X264", "X265", "TV-HD", "BLURAY", "DVDR", "WEB", "TV-SD")


def release_name(rng: random.Random) -> str:
    title = ".".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 4)))
    group = rng.choice(GROUPS)
    if rng.random() < 0.45:
        episode = f"S{rng.randint(1, 15):02d}E{rng.randint(1, 24):02d}"
        return f"{title}.{episode}.{rng.choice(LANGS)}{rng.choice(TV_TAILS)}-{group}"
    year = rng.randint(1950, 2024)
    flags = rng.choice(FLAGS)
    return f"{title}.{year}.{rng.choice(LANGS)}{flags}{rng.choice(MOVIE_TAILS)}-{group}"


def write_pres(path: Path, rows: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    start = dt.datetime(2015, 1, 1, tzinfo=dt.UTC).timestamp()
    names: list[str] = []
    seen: set[str] = set()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "pre_at", "category", "size_kb", "files"])
        while len(names) < rows:
            name = release_name(rng)
            if name in seen:
                name = f"{name[: name.rindex('-')]}.{len(names)}{name[name.rindex('-') :]}"
            seen.add(name)
            names.append(name)
            pre_at = dt.datetime.fromtimestamp(start + len(names) * 180, tz=dt.UTC)
            writer.writerow(
                [
                    name,
                    pre_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    rng.choice(CATS),
                    rng.randint(100_000, 50_000_000),
                    rng.randint(1, 120),
                ]
            )
    return names


def bare_parse_rate(names: list[str], chunk: int = 50_000) -> float:
    from scenescope import parse_many

    started = time.perf_counter()
    for i in range(0, len(names), chunk):
        parse_many(names[i : i + chunk])
    return len(names) / (time.perf_counter() - started)


def child_import(csv_path: str, db_path: str) -> None:
    from scenescope.feeds.files import FileFeed
    from scenescope.store import Store

    started = time.perf_counter()
    with Store.open(db_path) as store:
        summary = store.apply(FileFeed(csv_path))
        seconds = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        live_ms = live_apply_ms(store)
    print(
        json.dumps(
            {"seconds": seconds, "peak_kb": peak_kb, "live_ms": live_ms, **summary.to_dict()}
        )
    )


def live_apply_ms(store: Any, calls: int = 200, per_call: int = 5) -> list[float]:
    """Latency of small `apply` calls (what a live feed does) on the freshly filled store."""
    from scenescope.feeds.events import NukeEvent, PreReport

    rng = random.Random(99)
    now = dt.datetime.now(dt.UTC)
    times: list[float] = []
    for call in range(calls):
        events: list[Any] = [
            PreReport(f"{release_name(rng)}.LIVE{call}x{k}", now, "live")
            for k in range(per_call - 1)
        ]
        events.append(NukeEvent(events[0].name, "nuke", now, "live", reason="dupe"))
        started = time.perf_counter()
        store.apply(events)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child-import", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(*args.child_import)
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "pres.csv"
        names = write_pres(csv_path, args.rows)
        print(f"generated {len(names):,} pre rows ({csv_path.stat().st_size / 1e6:.0f} MB CSV)")
        parse_rate = bare_parse_rate(names)
        del names
        print(f"bare parse_many:        {parse_rate:>12,.0f} names/s")
        out = subprocess.run(
            [sys.executable, __file__, "--child-import", str(csv_path), str(Path(tmp) / "s.db")],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        ingest_rate = result["events"] / result["seconds"]
        print(
            f"ingest (parse + store): {ingest_rate:>12,.0f} rows/s  "
            f"({result['releases_new']:,} releases, {result['rejects']} rejects)"
        )
        print(f"ratio ingest / parse:   {ingest_rate / parse_rate:>12.2f}  (target >= 0.70)")
        print(f"ingest peak RSS:        {result['peak_kb'] / 1024:>12,.0f} MB  (target < 1536)")
        live = result["live_ms"]
        print(
            f"live apply of 5 events: median {live[len(live) // 2]:.1f} ms, "
            f"p99 {live[int(len(live) * 0.99)]:.1f} ms (on the filled store)"
        )


if __name__ == "__main__":
    main()
