"""The plan on Apache Spark equals the plan on DuckDB: a small simulated world exported as
Parquet (a third of its releases as bare names without matches, so Spark parses and matches
them in its Python workers, same-named catalog twins making ties for the timing to decide),
`scenescope analyze` run on both engines over the same files (Spark through file:// URIs, the
object-storage path), every output compared row for row; and, in a slow test, the same on a
standalone master + worker started on loopback."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cli_support import run
from scenescope.analysis.trace_world import load_world
from scenescope.engine import plan
from scenescope.engine.parquet import export_parquet
from scenescope.engine.plan_run import DuckDBRunner, run_plan, sorted_output
from scenescope.sightings import import_sightings, link_sightings
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate
from test_parquet import FLOAT_TOLERANCE, add_title_twins, same_rows, strip_parsed

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="Spark needs a Java runtime: run scripts/install-system-test-deps (CI does)",
)

SEED = 4245
# five months around the raid at 2% of the real volume: ~4,400 releases, ~3,300 sightings
WORLD = {"start": dt.date(2020, 6, 1), "end": dt.date(2020, 10, 31), "scale": 0.02}
STRIP_EVERY = 3  # every third release exported as its name only


@dataclass(frozen=True, slots=True)
class Datasets:
    full: Path  # as exported: every release carries its parsed fields
    names_only: Path  # the same, a third of the releases as bare names


@dataclass(frozen=True, slots=True)
class EngineRun:
    out: Path
    summary: dict[str, Any]  # the `--json` line: rows per output, seconds per step


def build_datasets(folder: Path) -> Datasets:
    config = load_config(None).with_world(seed=SEED, **WORLD)
    simulate(config, folder / "world")
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        load_world(store, folder / "world")
        import_sightings(store, folder / "world" / "sightings.csv")
        link_sightings(store)
    add_title_twins(db)
    with Store.open(db, read_only=True) as store:
        export_parquet(store.connection, folder / "full")
    shutil.copytree(folder / "full", folder / "names_only")
    strip_parsed(folder / "names_only", every=STRIP_EVERY)
    return Datasets(folder / "full", folder / "names_only")


def analyze(
    engine: str, dataset: Path, out: Path, *, master: str = "local[2]", uris: bool = False
) -> EngineRun:
    """`scenescope analyze` in this process (every analysis), as a shell would run it; with
    `uris`, --input and --out are given as file:// URIs (the object-storage code path)."""
    source, target = (dataset.as_uri(), out.as_uri()) if uris else (dataset, out)
    result = run(
        "analyze", "--engine", engine, "--master", master, "--input", source, "--out", target,
        "--json",
    )  # fmt: skip
    assert result.code == 0, result.err[-3000:]
    return EngineRun(out, json.loads(result.out.splitlines()[-1]))


def read_output(out: Path, name: str) -> pa.Table:
    """One written output: DuckDB writes a file, Spark a folder of part files."""
    return pq.read_table(out / f"{name}.parquet")


def in_order(table: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """Sorted by the output's key, then by every other column, so rows that tie on the key
    still line up the same way on both sides."""
    rest = [c for c in table.column_names if c not in key]
    return table.sort_by([(c, "ascending") for c in (*key, *rest)])


def same_types(left: pa.Schema, right: pa.Schema, name: str) -> None:
    """The same logical type per column; integers may differ in width (Spark's row_number is
    an INT where DuckDB's is a BIGINT)."""
    for a, b in zip(left, right, strict=True):
        if pa.types.is_integer(a.type) and pa.types.is_integer(b.type):
            continue
        assert a.type == b.type, (name, a.name, a.type, b.type)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Datasets:
    return build_datasets(tmp_path_factory.mktemp("spark-world"))


@pytest.fixture(scope="module")
def spark_run(datasets: Datasets, tmp_path_factory: pytest.TempPathFactory) -> EngineRun:
    """Spark started once for the module: every analysis on local[2] over the names-only set,
    read and written through URIs as a cluster reads object storage (s3a:// is the same
    Hadoop filesystem call with another scheme)."""
    out = tmp_path_factory.mktemp("spark-out") / "results"  # a folder Spark itself creates
    return analyze("spark", datasets.names_only, out, uris=True)


@pytest.fixture(scope="module")
def duckdb_run(datasets: Datasets, tmp_path_factory: pytest.TempPathFactory) -> EngineRun:
    return analyze("duckdb", datasets.names_only, tmp_path_factory.mktemp("duckdb-out"))


def test_every_output_on_spark_equals_duckdb_row_for_row(
    spark_run: EngineRun, duckdb_run: EngineRun
) -> None:
    outputs = plan.outputs_of([])
    assert spark_run.summary["engine"] == "spark" and duckdb_run.summary["engine"] == "duckdb"
    assert spark_run.summary["rows"] == duckdb_run.summary["rows"]
    for name, key in outputs.items():
        spark, duck = read_output(spark_run.out, name), read_output(duckdb_run.out, name)
        assert duck.num_rows > 0, name
        same_types(spark.schema, duck.schema, name)
        same_rows(in_order(spark, key), in_order(duck, key), name)
    # the series and the joins are not trivially small: a difference would show
    rows = spark_run.summary["rows"]
    assert rows["daily_pres"] > 1000 and rows["sighting_lags"] > 1000
    assert rows["race_entries"] > 1000 and rows["release_leads"] > 500
    assert rows["release_matches"] > 1000
    # Spark's own matching ran: the possible ties and the timing's decisions are among its rows
    matches = read_output(spark_run.out, "release_matches")
    assert "possible" in matches.column("status").to_pylist()
    assert any(r.startswith("name tie decided") for r in matches.column("reason").to_pylist())


def test_names_spark_parses_give_what_the_store_parsed_on_ingest(
    datasets: Datasets, spark_run: EngineRun
) -> None:
    """Spark's outputs over the names-only set equal DuckDB's over the fully parsed and matched
    export: the parser in Spark's Python workers is the ingest parser, and its matches (the
    release_matches output included) are the library matcher's."""
    stored = DuckDBRunner()
    run_plan(stored, datasets.full)
    bare = pq.read_table(datasets.names_only / "releases", columns=["release_id", "kind"])
    assert bare.column("kind").null_count > 1000
    exported = pq.read_table(datasets.names_only / "release_matches", columns=["release_id"])
    unmatched = set(
        pc.filter(bare.column("release_id"), pc.is_null(bare.column("kind"))).to_pylist()
    )
    assert not unmatched & set(exported.column("release_id").to_pylist())
    for name, key in plan.outputs_of([]).items():
        theirs = in_order(sorted_output(stored, name, key), key)
        same_rows(in_order(read_output(spark_run.out, name), key), theirs, name)


def test_the_json_summaries_agree(spark_run: EngineRun, duckdb_run: EngineRun) -> None:
    for analysis in plan.ANALYSES:
        spark = json.loads((spark_run.out / f"{analysis}.json").read_text())
        duck = json.loads((duckdb_run.out / f"{analysis}.json").read_text())
        assert (spark["engine"], duck["engine"]) == ("spark", "duckdb")
        assert spark["outputs"].keys() == duck["outputs"].keys(), analysis
        for name, entry in spark["outputs"].items():
            other = duck["outputs"][name]
            assert entry["rows"] == other["rows"], (analysis, name)
            assert ("data" in entry) == ("data" in other), (analysis, name)
            for left, right in zip(entry.get("data", []), other.get("data", []), strict=True):
                assert left.keys() == right.keys()
                for column, value in left.items():
                    assert _close(value, right[column]), (analysis, name, column, value)
    leaks = json.loads((spark_run.out / "leaks.json").read_text())
    assert leaks["outputs"]["leak_summary"]["data"], "the leak summary is printed in full"


def test_duckdb_refuses_a_uri_in_one_line(datasets: Datasets, tmp_path: Path) -> None:
    for args in (
        ("--input", "s3a://bucket/scenescope", "--out", str(tmp_path)),
        ("--input", str(datasets.full), "--out", "s3a://bucket/results"),
    ):
        result = run("analyze", "--engine", "duckdb", *args)
        assert result.code == 2, result
        assert "use --engine spark" in result.err and "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
    assert not any(tmp_path.iterdir())


def _close(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    if isinstance(left, str) and isinstance(right, str) and "T" in left:
        try:  # a timestamp: the same instant, whichever way the engine spelled its offset
            return dt.datetime.fromisoformat(left) == dt.datetime.fromisoformat(right)
        except ValueError:
            pass
    return bool(left == right)


# --- a standalone cluster on loopback ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent / "bin" / "spark-class"


@dataclass(frozen=True, slots=True)
class Cluster:
    url: str  # spark://127.0.0.1:PORT
    web: str  # the master's web UI, whose /json/ says which workers are alive


def _alive_workers(web: str) -> int:
    try:
        with urllib.request.urlopen(f"{web}/json/", timeout=5) as response:
            state = json.load(response)
    except OSError:
        return 0
    return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")


@contextmanager
def standalone_cluster(folder: Path, *, cores: int = 2) -> Iterator[Cluster]:
    """A master and one worker on loopback, each its own JVM (pyspark's bin/spark-class); the
    worker has registered when this yields. Both are stopped (and the executors the worker
    started with them) on exit."""
    port, web_port, worker_web_port = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(folder)}
    started: list[subprocess.Popen[bytes]] = []

    def start(log_name: str, *args: str) -> None:
        with (folder / log_name).open("wb") as log:
            started.append(
                subprocess.Popen(
                    [str(_spark_class()), *args],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group: the executors go down with it
                )
            )

    cluster = Cluster(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}")
    try:
        start(
            "master.log", "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(web_port),
        )  # fmt: skip
        start(
            "worker.log", "org.apache.spark.deploy.worker.Worker", cluster.url,
            "--host", "127.0.0.1", "--webui-port", str(worker_web_port),
            "--cores", str(cores), "--memory", "2g", "--work-dir", str(folder / "work"),
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while _alive_workers(cluster.web) < 1:
            for process in started:
                if process.poll() is not None:
                    logs = "".join(p.read_text()[-2000:] for p in folder.glob("*.log"))
                    raise AssertionError(f"a Spark daemon exited ({process.returncode}): {logs}")
            assert time.monotonic() < deadline, "the worker never registered with the master"
            time.sleep(0.5)  # polling the master's own account of its workers
        yield cluster
    finally:
        for process in reversed(started):
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    try:  # anything the daemon started in its group (an executor) that outlived it
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.slow
def test_a_standalone_master_and_worker_give_the_duckdb_results(
    datasets: Datasets, duckdb_run: EngineRun, tmp_path: Path
) -> None:
    """`--master spark://` beyond local mode: the driver is a separate `scenescope analyze`
    process, the executors are the worker's (and parse the bare names there)."""
    out = tmp_path / "out"
    with standalone_cluster(tmp_path) as cluster:
        command = [
            str(Path(sys.executable).with_name("scenescope")), "analyze", "--engine", "spark",
            "--master", cluster.url, "--input", str(datasets.names_only), "--out", str(out),
            "--json",
        ]  # fmt: skip
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        # the application ran on the cluster, not in a local fallback
        with urllib.request.urlopen(f"{cluster.web}/json/", timeout=5) as response:
            state = json.load(response)
        finished = [a["name"] for a in state.get("completedapps", [])]
        assert "scenescope" in finished, state
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["engine"] == "spark"
    assert summary["rows"] == duckdb_run.summary["rows"]
    for name, key in plan.outputs_of([]).items():
        spark, duck = read_output(out, name), read_output(duckdb_run.out, name)
        same_types(spark.schema, duck.schema, name)
        same_rows(in_order(spark, key), in_order(duck, key), name)
