"""The plan on Apache Spark: a session for a master URL (`local[2]`, `spark://host:7077`), the
dataset read as Spark tables, the name parser mapped over Arrow batches (`mapInArrow`, the same
`parse_batch` the DuckDB runner uses), and each step a cached view of the transpiled SQL.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from scenescope.engine import plan
from scenescope.engine.matching import UNPARSED
from scenescope.engine.parquet import MONTH, Location, child

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkUnavailableError(Exception):
    """pyspark or a Java runtime is missing (one line to the user, with the fix)."""


def _package_root() -> str:
    import scenescope

    return str(Path(scenescope.__file__).resolve().parent.parent)


def spark_session(
    master: str = "local[2]", *, app_name: str = "scenescope", shuffle_partitions: int = 8
) -> SparkSession:
    """A session in UTC whose Python workers import this scenescope (the driver's interpreter
    and source tree, so a worker parses names with the same code)."""
    try:
        from pyspark.sql import SparkSession
    except ModuleNotFoundError as exc:
        raise SparkUnavailableError(
            "pyspark is not installed: pip install 'scenescope[spark]' (and a Java runtime)"
        ) from exc
    python_path = os.pathsep.join(p for p in (_package_root(), os.environ.get("PYTHONPATH")) if p)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Broadcast joins only where a side's size is measured at run time (adaptive
        # execution), never from a plan-time estimate: at 10^8 rows a filtered table the
        # planner guessed small outgrew the driver while being broadcast
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.autoBroadcastJoinThreshold", "10MB")
        # Spark's default INT96 reads back as a zone-less nanosecond time; DuckDB writes UTC
        # microseconds, and the two engines' result files must read back the same
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.executorEnv.PYTHONPATH", python_path)
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
    )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no java on PATH, a master that does not answer
        raise SparkUnavailableError(f"cannot start Spark at {master}: {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def _parse_partitions(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from scenescope.engine.plan_run import parse_batch

    for batch in batches:
        yield parse_batch(batch)


class SparkRunner:
    """The plan on a Spark session; each step is a cached temporary view."""

    dialect = "spark"
    reads_uris = True  # Hadoop's filesystems: s3a://, hdfs://, gs://, abfss://, file://

    def __init__(self, session: SparkSession) -> None:
        self.session = session
        self._frames: dict[str, Any] = {}
        self._broadcasts: list[Any] = []

    def _read(self, folder: Location, table: str, columns: tuple[str, ...]) -> Any:
        frame = self.session.read.parquet(str(child(folder, table)))
        return frame.select(*[c for c in columns if c != MONTH])

    def load(
        self, folder: Location, table: str, columns: tuple[str, ...], name: str | None = None
    ) -> None:
        frame = self._read(folder, table, columns)
        frame.createOrReplaceTempView(name or table)
        self._frames[name or table] = frame

    def load_releases(self, folder: Location) -> None:
        frame = self._read(folder, "releases", plan.RELEASE_COLUMNS)
        unparsed = frame.where("kind IS NULL").select("release_id").cache()
        unparsed.createOrReplaceTempView(UNPARSED)
        self._frames[UNPARSED] = unparsed
        if unparsed.limit(1).count():
            frame = frame.mapInArrow(_parse_partitions, frame.schema)
        frame = frame.cache()
        frame.createOrReplaceTempView("releases")
        self._frames["releases"] = frame

    def create(self, name: str, sql: str) -> None:
        frame = self.session.sql(sql).cache()
        frame.createOrReplaceTempView(name)
        self._frames[name] = frame

    def query(self, sql: str) -> pa.Table:
        return self.session.sql(sql).toArrow()

    def map_batches(self, step: plan.MapStep, payload: Any) -> None:
        """`step.function` over the source's partitions in the Python workers; the payload
        goes out once per executor as a broadcast."""
        from pyspark.sql.pandas.types import from_arrow_schema

        shared = self.session.sparkContext.broadcast(payload)
        function = step.function

        def mapped(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            yield from function(shared.value, batches)

        # a partition per core: each builds what the function needs from the payload once
        source = self._frames[step.source].repartition(self.session.sparkContext.defaultParallelism)
        frame = source.mapInArrow(mapped, from_arrow_schema(step.schema)).cache()
        frame.createOrReplaceTempView(step.name)
        self._frames[step.name] = frame
        self._broadcasts.append(shared)

    def count(self, name: str) -> int:
        return int(self._frames[name].count())

    def fetch(self, name: str) -> pa.Table:
        return self._frames[name].toArrow()

    def read_text(self, location: str) -> str:
        """A small text file (the manifest) through Spark's filesystem for `location`."""
        from pyspark.errors import AnalysisException

        try:
            rows = self.session.read.text(location, wholetext=True).collect()
        except AnalysisException as exc:  # PATH_NOT_FOUND
            raise FileNotFoundError(location) from exc
        return str(rows[0][0]) if rows else ""

    def write_text(self, location: str, text: str) -> None:
        """One file (a JSON summary) through Hadoop's filesystem for `location`."""
        context = self.session.sparkContext
        jvm = context._jvm
        assert jvm is not None
        path = jvm.org.apache.hadoop.fs.Path(location)
        stream = path.getFileSystem(context._jsc.hadoopConfiguration()).create(path, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def write(self, name: str, path: Location) -> None:
        self._frames[name].write.mode("overwrite").parquet(str(path))

    def close(self) -> None:
        for frame in self._frames.values():
            frame.unpersist()
        self._frames.clear()
        for shared in self._broadcasts:
            shared.unpersist()
        self._broadcasts.clear()
