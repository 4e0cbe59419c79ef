"""The batch analyses on Spark `local[2]` and on DuckDB over the same Parquet, at scale (default
10^8 sightings + 10M pres).

A generator writes the dataset straight to Parquet (numpy + pyarrow, one bounded batch of
releases at a time, each table through its own ParquetWriter), in the layout
`scenescope export --parquet` writes, holding the columns the plan reads. Then
`scenescope analyze` runs every analysis on each engine as a child process, so each engine's
time and memory are its own; the bare names are parsed and matched to the catalog by the plan
(the matcher in Python: DuckDB's process, Spark's Python workers). Prints, per input size of a
scaling curve (1 / 10 / 100 %), the wall time of each engine, the ratio Spark / DuckDB, the
growth per 10x, and each engine's peak memory, sampled from /proc: the DuckDB child's
high-water mark; for Spark the Python driver's and the JVM's high-water marks and the peak of
the whole process tree (driver + JVM + Python workers, as proportional set size so shared
pages count once).

    .venv/bin/python benchmarks/spark.py                    # full size: hours on 2 cores
    .venv/bin/python benchmarks/spark.py --fraction 0.01    # 10^6 sightings + 100k pres
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scenescope.engine.parquet import MANIFEST

SIGHTINGS = 100_000_000
PRES = 10_000_000
RELEASES_PER_TITLE = 8
SERIES_EVERY = 5  # every fifth title is a series (its releases are episodes)
EPISODES_PER_SEASON = 8
START_US = 1_514_764_800_000_000  # 2018-01-01 00:00 UTC in microseconds
SPAN_DAYS = 3 * 365
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
GROUPS = 2_000
TIERS = ("p2p", "usenet", "ddl", "streaming", "iptv")
TIER_MEDIAN_HOURS = np.array([0.5, 1.2, 3.0, 12.0, 20.0])
# resolution, source as written in the name, parsed source, codec as written, parsed codec,
# category
FORMATS = (
    ("1080p", "BluRay", "bluray", "x264", "h264", "X264-HD"),
    ("720p", "BluRay", "bluray", "x264", "h264", "X264-SD"),
    ("2160p", "BluRay", "bluray", "x265", "h265", "X265"),
    ("1080p", "WEB", "web", "x264", "h264", "X264-HD"),
    ("2160p", "WEB", "web", "x265", "h265", "X265"),
    ("720p", "HDTV", "hdtv", "x264", "h264", "TV-X264"),
    (None, "DVDRip", "dvd", "XviD", "xvid", "XVID"),
    (None, "CAM", "cam", "XviD", "xvid", "CAM"),
)

UTC_US = pa.timestamp("us", tz="UTC")
SCHEMAS: dict[str, pa.Schema] = {  # the exported types of the columns the plan reads
    "releases": pa.schema(
        [
            ("release_id", pa.int64()),
            ("name", pa.string()),
            ("group_name", pa.string()),
            ("group_key", pa.string()),
            ("title", pa.string()),
            ("year", pa.int32()),
            ("kind", pa.string()),
            ("season", pa.int32()),
            ("episodes", pa.list_(pa.int32())),
            ("date", pa.date32()),
            ("absolute_episode", pa.bool_()),
            ("source", pa.string()),
            ("streaming_service", pa.string()),
            ("resolution", pa.string()),
            ("video_codec", pa.string()),
            ("languages", pa.list_(pa.string())),
            ("flags", pa.list_(pa.string())),
            ("category", pa.string()),
        ]
    ),
    "pre_reports": pa.schema(
        [
            ("release_id", pa.int64()),
            ("feed", pa.string()),
            ("pre_at", UTC_US),
            ("trusted", pa.bool_()),
        ]
    ),
    "nuke_events": pa.schema(
        [
            ("release_id", pa.int64()),
            ("kind", pa.string()),
            ("reason", pa.string()),
            ("event_at", UTC_US),
        ]
    ),
    "sightings": pa.schema(
        [
            ("release_id", pa.int64()),
            ("tier", pa.string()),
            ("seen_at", UTC_US),
            ("lag_ok", pa.bool_()),
        ]
    ),
    "catalog_titles": pa.schema(
        [
            ("title_id", pa.string()),
            ("kind", pa.string()),
            ("title", pa.string()),
            ("year", pa.int32()),
            ("original_title", pa.string()),
            ("aliases", pa.list_(pa.string())),
            ("studio", pa.string()),
        ]
    ),
    "catalog_release_dates": pa.schema(
        [
            ("title_id", pa.string()),
            ("territory", pa.string()),
            ("release_window", pa.string()),
            ("date", pa.date32()),
        ]
    ),
    "catalog_episodes": pa.schema(
        [
            ("title_id", pa.string()),
            ("season", pa.int32()),
            ("episode", pa.int32()),
            ("territory", pa.string()),
            ("air_date", pa.date32()),
        ]
    ),
    "release_matches": pa.schema(
        [
            ("release_id", pa.int64()),
            ("title_id", pa.string()),
            ("status", pa.string()),
            ("score", pa.float64()),
            ("reason", pa.string()),
            ("season", pa.int32()),
            ("episode", pa.int32()),
            ("air_date", pa.date32()),
        ]
    ),
}


# --- the generator ----------------------------------------------------------------------------


class TableWriter:
    """One table's files: DIR/<table>/part-NNNNN.parquet, a new file every `file_rows` rows, a
    row group per batch. A table that got no rows is one empty file (its schema)."""

    def __init__(self, folder: Path, schema: pa.Schema, file_rows: int) -> None:
        self.folder, self.schema, self.file_rows = folder, schema, file_rows
        folder.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self._files = 0
        self._in_file = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None or self._in_file >= self.file_rows:
            self._open()
        assert self._writer is not None
        self._writer.write_table(table.cast(self.schema), row_group_size=max(1, table.num_rows))
        self.rows += table.num_rows
        self._in_file += table.num_rows

    def _open(self) -> None:
        if self._writer is not None:
            self._writer.close()
        path = self.folder / f"part-{self._files:05d}.parquet"
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self._files += 1
        self._in_file = 0

    def close(self) -> int:
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.close()
        return self.rows


def _take(values: tuple[Any, ...] | list[Any], index: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values), pa.array(index))


def _text(numbers: np.ndarray) -> pa.Array:
    return pa.array(numbers).cast(pa.string())


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip")


def _lists(values: pa.Array, lengths: np.ndarray, null: np.ndarray, kind: pa.DataType) -> pa.Array:
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.cast(kind), mask=pa.array(null))


def _days(micros: np.ndarray) -> pa.Array:
    return pa.array((micros // DAY_US).astype(np.int32), pa.date32())


def release_batch(
    first: int,
    last: int,
    *,
    titles: int,
    sightings_per_pre: float,
    bare_fraction: float,
    rng: np.random.Generator,
) -> dict[str, pa.Table]:
    """Releases first..last-1 (first a multiple of RELEASES_PER_TITLE, so a title's releases
    are all in one batch) with their pres, nukes, sightings, titles, dates and matches."""
    release_id = np.arange(first, last, dtype=np.int64)
    count = len(release_id)
    title_no = release_id // RELEASES_PER_TITLE
    group = rng.integers(0, GROUPS, count)
    fmt = rng.integers(0, len(FORMATS), count)
    series = title_no % SERIES_EVERY == 0
    season = (1 + title_no % 4).astype(np.int32)
    episode = (1 + release_id % EPISODES_PER_SEASON).astype(np.int32)
    title_base_us = START_US + (title_no * (SPAN_DAYS * DAY_US // max(titles, 1)))
    pre_us = title_base_us + rng.integers(0, 2 * HOUR_US, count)
    bare = rng.random(count) < bare_fraction
    column = list(zip(*FORMATS, strict=True))
    title_text = _text(title_no)
    group_text = _text(group)
    episode_tag = _join("S0", _text(season), "E0", _text(episode))
    name = _join(
        _join(
            "Title",
            title_text,
            pc.if_else(pa.array(series), episode_tag, pa.scalar("2020")),
            _take(column[0], fmt),
            _take(column[1], fmt),
            _take(column[3], fmt),
            sep=".",
        ),
        "-GRP",
        group_text,
    )
    parsed = ~bare

    def parsed_only(values: pa.Array) -> pa.Array:
        return pc.if_else(pa.array(parsed), values, pa.nulls(count, values.type))

    flag_draw = rng.random(count)
    has_flag = (flag_draw < 0.03) & parsed
    flag_values = _take(("proper", "repack"), (flag_draw[has_flag] >= 0.02).astype(np.int64))
    episodes = _lists(
        pa.array(episode[series & parsed]),
        (series & parsed).astype(np.int64),
        ~(series & parsed),
        pa.int32(),
    )
    releases = pa.table(
        {
            "release_id": release_id,
            "name": name,
            "group_name": parsed_only(_join("GRP", group_text)),
            "group_key": parsed_only(_join("grp", group_text)),
            "title": parsed_only(_join("Title ", title_text)),
            "year": parsed_only(pa.array(np.where(series, None, 2020), pa.int32())),
            "kind": parsed_only(_take(("movie", "episode"), series.astype(np.int64))),
            "season": parsed_only(pa.array(np.where(series, season, None), pa.int32())),
            "episodes": episodes,
            "date": pa.nulls(count, pa.date32()),
            "absolute_episode": parsed_only(pa.array(np.zeros(count, bool))),
            "source": parsed_only(_take(column[2], fmt)),
            "streaming_service": parsed_only(
                pc.if_else(pa.array(fmt == 3), pa.scalar("NF"), pa.nulls(count, pa.string()))
            ),
            "resolution": parsed_only(_take(column[0], fmt)),
            "video_codec": parsed_only(_take(column[4], fmt)),
            "languages": _lists(
                pa.array([], pa.string()), np.zeros(count, np.int64), bare, pa.string()
            ),
            "flags": _lists(flag_values, has_flag.astype(np.int64), bare, pa.string()),
            "category": _take(column[5], fmt),
        }
    )
    pres = pa.table(
        {
            "release_id": release_id,
            "feed": _take(("bench",), np.zeros(count, np.int64)),
            "pre_at": pa.array(pre_us, UTC_US),
            "trusted": np.ones(count, bool),
        }
    )
    nuked = rng.random(count) < 0.03
    unnuked = nuked & (rng.random(count) < 0.15)
    nukes = pa.table(
        {
            "release_id": np.concatenate([release_id[nuked], release_id[unnuked]]),
            "kind": _take(("nuke", "unnuke"), np.repeat([0, 1], [nuked.sum(), unnuked.sum()])),
            "reason": _take(("dupe", "fixed"), np.repeat([0, 1], [nuked.sum(), unnuked.sum()])),
            "event_at": pa.array(
                np.concatenate([pre_us[nuked] + HOUR_US, pre_us[unnuked] + 5 * HOUR_US]), UTC_US
            ),
        }
    )
    seen = round(count * sightings_per_pre)
    of = rng.integers(0, count, seen)
    tier = rng.integers(0, len(TIERS), seen)
    lag_hours = TIER_MEDIAN_HOURS[tier] * rng.lognormal(0.0, 0.8, seen)
    early = rng.random(seen) < 0.01  # clock skew: seen before its pre
    lag_us = np.where(early, -HOUR_US, (lag_hours * HOUR_US).astype(np.int64))
    linked = rng.random(seen) >= 0.02
    sightings = pa.table(
        {
            "release_id": pa.array(release_id[of], mask=~linked),
            "tier": _take(TIERS, tier),
            "seen_at": pa.array(pre_us[of] + lag_us, UTC_US),
            "lag_ok": ~early,
        }
    )
    title_numbers = np.arange(first // RELEASES_PER_TITLE, (last - 1) // RELEASES_PER_TITLE + 1)
    title_id = _join("tt", _text(title_numbers))
    title_series = title_numbers % SERIES_EVERY == 0
    base_us = START_US + title_numbers * (SPAN_DAYS * DAY_US // max(titles, 1))
    movies = ~title_series
    movie_ids = pc.filter(title_id, pa.array(movies))
    movie_base = base_us[movies]
    # theatrical 100 days before the pres, digital 10 days before, street date 14 days after
    windows = (
        ("US", "theatrical", -100),
        ("GB", "theatrical", -95),
        ("US", "digital", -10),
        ("US", "physical", 14),
    )
    dates = pa.concat_tables(
        pa.table(
            {
                "title_id": movie_ids,
                "territory": _take((territory,), np.zeros(len(movie_base), np.int64)),
                "release_window": _take((window,), np.zeros(len(movie_base), np.int64)),
                "date": _days(movie_base + offset * DAY_US),
            }
        )
        for territory, window, offset in windows
    )
    series_ids = pc.filter(title_id, pa.array(title_series))
    series_base = base_us[title_series]
    airings = EPISODES_PER_SEASON
    episodes_table = pa.table(
        {
            "title_id": pc.take(
                series_ids, pa.array(np.repeat(np.arange(len(series_base)), airings))
            ),
            "season": np.repeat((1 + title_numbers[title_series] % 4).astype(np.int32), airings),
            "episode": np.tile(np.arange(1, airings + 1, dtype=np.int32), len(series_base)),
            "territory": _take(("US",), np.zeros(len(series_base) * airings, np.int64)),
            "air_date": _days(np.repeat(series_base, airings) - 2 * DAY_US),
        }
    )
    titles_table = pa.table(
        {
            "title_id": title_id,
            "kind": _take(("movie", "series"), title_series.astype(np.int64)),
            "title": _join("Title ", _text(title_numbers)),
            "year": pa.array(np.where(title_series, None, 2020), pa.int32()),
            "original_title": pa.nulls(len(title_numbers), pa.string()),
            "aliases": pa.nulls(len(title_numbers), pa.list_(pa.string())),
            "studio": _join("Studio ", _text(title_numbers % 40)),
        }
    )
    # the exported matches of parsed releases (the plan matches the bare ones itself)
    matched = (rng.random(count) < 0.7) & parsed
    matches = pa.table(
        {
            "release_id": release_id[matched],
            "title_id": _join("tt", _text(title_no[matched])),
            "status": _take(("matched",), np.zeros(int(matched.sum()), np.int64)),
            "score": np.ones(int(matched.sum())),
            "reason": _take(("title, year",), np.zeros(int(matched.sum()), np.int64)),
            "season": pa.array(np.where(series[matched], season[matched], None), pa.int32()),
            "episode": pa.array(np.where(series[matched], episode[matched], None), pa.int32()),
            "air_date": pa.nulls(int(matched.sum()), pa.date32()),
        }
    )
    return {
        "releases": releases,
        "pre_reports": pres,
        "nuke_events": nukes,
        "sightings": sightings,
        "catalog_titles": titles_table,
        "catalog_release_dates": dates,
        "catalog_episodes": episodes_table,
        "release_matches": matches,
    }


@dataclass(frozen=True, slots=True)
class Generated:
    folder: Path
    rows: dict[str, int]
    seconds: float
    megabytes: float


def generate(
    folder: Path,
    pres: int,
    sightings: int,
    *,
    bare_fraction: float,
    batch_releases: int,
    file_rows: int,
    seed: int,
) -> Generated:
    """A dataset of `pres` releases (one pre each) and ~`sightings` sightings at `folder`."""
    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    writers = {
        name: TableWriter(folder / name, schema, file_rows) for name, schema in SCHEMAS.items()
    }
    titles = -(-pres // RELEASES_PER_TITLE)
    step = max(RELEASES_PER_TITLE, batch_releases // RELEASES_PER_TITLE * RELEASES_PER_TITLE)
    for index, first in enumerate(range(0, pres, step)):
        rng = np.random.default_rng([seed, index])
        batch = release_batch(
            first,
            min(first + step, pres),
            titles=titles,
            sightings_per_pre=sightings / max(pres, 1),
            bare_fraction=bare_fraction,
            rng=rng,
        )
        for name, table in batch.items():
            writers[name].write(table)
    rows = {name: writer.close() for name, writer in writers.items()}
    manifest = {
        "format": "scenescope-parquet",
        "version": 1,
        "since": None,
        "generated_by": "benchmarks/spark.py",
        "tables": {name: {"rows": n} for name, n in rows.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in folder.rglob("*.parquet"))
    return Generated(folder, rows, time.perf_counter() - started, size / 1e6)


# --- measuring a child ------------------------------------------------------------------------


def _status_kb(pid: int, key: str, file: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc/*/stat (ppid is the 4th field, after the name)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@dataclass
class Measured:
    seconds: float
    summary: dict[str, Any]
    # high-water marks (VmHWM) of the child itself and of its JVM; not getrusage: a child's
    # ru_maxrss starts from its parent's RSS at the fork, which is this generator's
    driver_peak_mb: float
    jvm_peak_mb: float
    # the most the whole tree held at once: the sum of proportional set sizes (Pss), so the
    # pages Spark's forked Python workers share are counted once
    tree_peak_mb: float


def measure(command: list[str], env: dict[str, str], interval_s: float = 0.2) -> Measured:
    """Run `command` (a `scenescope analyze --json`), sampling its process tree's memory from
    /proc every `interval_s` until it exits."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    hwm: dict[int, int] = {}  # pid -> its VmHWM, kB
    jvms: set[int] = set()
    tree_peak_kb = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(interval_s):
            total = 0
            for pid in _tree(process.pid):
                total += _status_kb(pid, "Pss", "smaps_rollup")
                hwm[pid] = max(hwm.get(pid, 0), _status_kb(pid, "VmHWM"))
                if _comm(pid) == "java":
                    jvms.add(pid)
            tree_peak_kb[0] = max(tree_peak_kb[0], total)

    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream: Any, into: list[bytes]) -> None:  # a full pipe would stall the child
        for chunk in iter(lambda: stream.read(65536), b""):
            into.append(chunk)

    threads = [
        threading.Thread(target=sample, daemon=True),
        threading.Thread(target=drain, args=(process.stdout, chunks["out"]), daemon=True),
        threading.Thread(target=drain, args=(process.stderr, chunks["err"]), daemon=True),
    ]
    for thread in threads:
        thread.start()
    process.wait()
    seconds = time.perf_counter() - started
    done.set()
    for thread in threads:
        thread.join()
    if process.returncode != 0:
        err = b"".join(chunks["err"]).decode(errors="replace")
        raise RuntimeError(f"{' '.join(command)} failed:\n{err[-3000:]}")
    summary = json.loads(b"".join(chunks["out"]).decode().splitlines()[-1])
    return Measured(
        seconds,
        summary,
        hwm.get(process.pid, 0) / 1024,
        max((hwm[pid] for pid in jvms), default=0) / 1024,
        tree_peak_kb[0] / 1024,
    )


def _scenescope() -> str:
    found = Path(sys.executable).with_name("scenescope")
    return str(found) if found.exists() else shutil.which("scenescope") or "scenescope"


def analyze(engine: str, dataset: Path, out: Path, args: argparse.Namespace) -> Measured:
    command = [
        _scenescope(),
        "analyze",
        "--engine",
        engine,
        "--master",
        args.master,
        "--input",
        str(dataset),
        "--out",
        str(out),
        "--json",
    ]
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        # pyspark starts its JVM through spark-submit; the driver's heap is set there
        "PYSPARK_SUBMIT_ARGS": f"--driver-memory {args.spark_memory} pyspark-shell",
    }
    return measure(command, env)


def spark_fixed_cost(args: argparse.Namespace) -> float:
    """Seconds to start a Spark session on the master and stop it (no data): what every
    Spark run pays before its first row."""
    code = (
        "from scenescope.engine.spark import spark_session\n"
        f"spark_session({args.master!r}).range(1).count()\n"
    )
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "PYSPARK_SUBMIT_ARGS": f"--driver-memory {args.spark_memory} pyspark-shell",
    }
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


# --- the report -------------------------------------------------------------------------------


MATCH_STEPS = ("match_input", "match_groups", "scored_groups", "fresh_matches", "timing_ties")


def _matching_s(run: Measured) -> float:
    """Seconds in the plan's matching steps (Spark's are lazy until a later step reads them:
    its figure is what building the cached views took)."""
    seconds = run.summary.get("seconds", {})
    return float(sum(seconds.get(step, 0.0) for step in MATCH_STEPS))


def _growth(values: list[float]) -> str:
    steps = [f"x{b / a:.2f}" for a, b in itertools.pairwise(values) if a > 0]
    return " then ".join(steps) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sightings", type=int, default=SIGHTINGS)
    parser.add_argument("--pres", type=int, default=PRES)
    parser.add_argument(
        "--fraction", type=float, default=1.0, help="Scale both sizes (0.01 = 1%% of them)."
    )
    parser.add_argument(
        "--curve", default="0.01,0.1,1", help="Fractions of the size to time (comma-separated)."
    )
    parser.add_argument(
        "--bare-fraction",
        type=float,
        default=0.1,
        help="Share of releases exported as bare names (parsed by the plan).",
    )
    parser.add_argument("--master", default="local[2]")
    # 4g is too little at full size: a 10^8-row run died in a broadcast with it
    parser.add_argument("--spark-memory", default="8g", help="The Spark driver's heap.")
    parser.add_argument("--batch-releases", type=int, default=200_000)
    parser.add_argument("--file-rows", type=int, default=4_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=None, help="Where to write the datasets.")
    parser.add_argument("--keep", action="store_true", help="Keep the datasets afterwards.")
    args = parser.parse_args()

    pres = max(RELEASES_PER_TITLE, int(args.pres * args.fraction))
    sightings = int(args.sightings * args.fraction)
    curve = sorted(float(f) for f in args.curve.split(","))
    root = args.dir or Path(tempfile.mkdtemp(prefix="scenescope-spark-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(
        f"size 100% = {sightings:,} sightings + {pres:,} pres "
        f"({args.bare_fraction:.0%} as bare names); Spark master {args.master}, "
        f"{os.cpu_count()} cores"
    )
    results: list[tuple[float, Generated, Measured, Measured]] = []
    try:
        fixed = spark_fixed_cost(args)
        print(f"spark fixed cost (session start + one job + stop): {fixed:.1f} s")
        for fraction in curve:
            label = f"{fraction:.0%}"
            data = generate(
                root / f"data-{label.rstrip('%')}",
                max(RELEASES_PER_TITLE, int(pres * fraction)),
                int(sightings * fraction),
                bare_fraction=args.bare_fraction,
                batch_releases=args.batch_releases,
                file_rows=args.file_rows,
                seed=args.seed,
            )
            print(
                f"\n[{label}] generated {data.rows['sightings']:,} sightings + "
                f"{data.rows['pre_reports']:,} pres ({data.megabytes:,.1f} MB Parquet) in "
                f"{data.seconds:.1f} s; generator peak RSS so far "
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
            )
            duck = analyze("duckdb", data.folder, root / f"out-duckdb-{label.rstrip('%')}", args)
            print(f"  duckdb: {duck.seconds:8.1f} s   peak {duck.driver_peak_mb:,.0f} MB")
            spark = analyze("spark", data.folder, root / f"out-spark-{label.rstrip('%')}", args)
            print(
                f"  spark:  {spark.seconds:8.1f} s   peak driver {spark.driver_peak_mb:,.0f} MB,"
                f" JVM {spark.jvm_peak_mb:,.0f} MB, whole tree (Pss) {spark.tree_peak_mb:,.0f} MB"
            )
            print(
                f"  matching (the plan's match steps): duckdb {_matching_s(duck):.1f} s, "
                f"spark {_matching_s(spark):.1f} s, "
                f"{duck.summary['rows'].get('release_matches', 0):,} matches"
            )
            same = duck.summary["rows"] == spark.summary["rows"]
            print(
                f"  ratio to peer (spark / duckdb): {spark.seconds / duck.seconds:.2f}x; "
                f"output row counts {'equal' if same else 'DIFFER'}"
            )
            if not same:
                print(f"  duckdb {duck.summary['rows']}\n  spark  {spark.summary['rows']}")
            results.append((fraction, data, duck, spark))
            for out in root.glob(f"out-*-{label.rstrip('%')}"):
                shutil.rmtree(out)
            if not args.keep:
                shutil.rmtree(data.folder)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)

    print("\nscaling curve (wall seconds, each a fresh child process):")
    print(
        f"  {'size':>6} {'sightings':>13} {'pres':>11} {'duckdb s':>9} {'spark s':>9} "
        f"{'spark/duckdb':>12} {'duckdb MB':>10} {'spark tree MB':>13}"
    )
    for fraction, data, duck, spark in results:
        print(
            f"  {fraction:>6.0%} {data.rows['sightings']:>13,} {data.rows['pre_reports']:>11,} "
            f"{duck.seconds:>9.1f} {spark.seconds:>9.1f} {spark.seconds / duck.seconds:>12.2f} "
            f"{duck.driver_peak_mb:>10,.0f} {spark.tree_peak_mb:>13,.0f}"
        )
    print(
        f"  growth per step: duckdb {_growth([r[2].seconds for r in results])}, "
        f"spark {_growth([r[3].seconds for r in results])}"
    )
    print(
        "  spark minus its fixed cost at the largest size: "
        f"{results[-1][3].seconds - fixed:.1f} s vs duckdb {results[-1][2].seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
