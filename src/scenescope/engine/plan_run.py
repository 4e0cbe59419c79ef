"""Running the plan (engine/plan.py) over a Parquet dataset: the runner protocol both engines
implement, the DuckDB runner, the name parser as a batch function (the same one Spark maps over
Arrow batches), and writing each analysis as Parquet + JSON.

Each runner loads `releases` (parsing the names that came without their fields) and beside it
`unparsed_releases` (release_id of those names: the ones the plan matches itself).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from scenescope.engine import plan
from scenescope.engine.matching import UNPARSED
from scenescope.engine.parquet import Location, child, dataset_tables, is_uri, read_sql

# a few whole-dataset aggregates are small enough to print in the JSON in full
SMALL_ROWS = 5_000


class Runner(Protocol):
    """An engine the plan runs on: it loads inputs, creates each step as a view/table and
    hands results back as Arrow."""

    dialect: str
    reads_uris: bool  # whether --input / --out may be URIs (s3a://, hdfs://, file://)

    def load(
        self, folder: Location, table: str, columns: tuple[str, ...], name: str | None = None
    ) -> None: ...

    def load_releases(self, folder: Location) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def map_batches(self, step: plan.MapStep, payload: Any) -> None: ...

    def read_text(self, location: str) -> str: ...

    def write_text(self, location: str, text: str) -> None: ...

    def create(self, name: str, sql: str) -> None: ...

    def count(self, name: str) -> int: ...

    def fetch(self, name: str) -> pa.Table: ...

    def write(self, name: str, path: Location) -> None: ...


def unparsed(batch: pa.RecordBatch) -> pa.Array:
    """Which rows of a releases batch carry no parsed fields (a name-only export)."""
    return pc.is_null(batch.column("kind"))


def parse_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Fill the parsed fields of the rows that lack them with `scenescope.names.parse_many`
    (through the store's own name -> columns conversion); other rows pass unchanged."""
    mask = unparsed(batch)
    if not pc.any(mask).as_py():
        return batch
    from scenescope.store.batches import release_table

    names = pc.filter(batch.column("name"), mask).to_pylist()
    parsed = release_table(names, dt.datetime.now(dt.UTC))
    positions = pc.indices_nonzero(mask).to_pylist()
    columns = []
    for index, column_name in enumerate(batch.schema.names):
        column = batch.column(index)
        if column_name in ("release_id", "name", "category"):
            columns.append(column)
            continue
        values = column.to_pylist()
        fresh = parsed.column(column_name).to_pylist()
        for position, value in zip(positions, fresh, strict=True):
            values[position] = value
        columns.append(pa.array(values, column.type))
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def parse_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield parse_batch(batch)


class DuckDBRunner:
    """The plan on an embedded DuckDB over the same Parquet (the local peer of Spark)."""

    dialect = "duckdb"
    reads_uris = False

    def __init__(self, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self.connection = connection or duckdb.connect()
        self.connection.execute("SET TimeZone = 'UTC'")

    def load(
        self, folder: Location, table: str, columns: tuple[str, ...], name: str | None = None
    ) -> None:
        self.connection.execute(
            f"CREATE OR REPLACE VIEW {name or table} AS "
            f"{read_sql(Path(folder), table, list(columns))}"
        )

    def load_releases(self, folder: Location) -> None:
        sql = read_sql(Path(folder), "releases", list(plan.RELEASE_COLUMNS))
        self.connection.execute(
            f"CREATE OR REPLACE TABLE {UNPARSED} AS SELECT release_id FROM ({sql}) "
            "WHERE kind IS NULL"
        )
        if not self.count(UNPARSED):
            self.load(folder, "releases", plan.RELEASE_COLUMNS)
            return
        reader = self.connection.sql(sql).to_arrow_reader(batch_size=65_536)
        parsed = pa.RecordBatchReader.from_batches(reader.schema, parse_batches(iter(reader)))
        table = parsed.read_all()
        self.connection.register("releases_parsed", table)
        self.connection.execute("CREATE OR REPLACE TABLE releases AS SELECT * FROM releases_parsed")
        self.connection.unregister("releases_parsed")

    def create(self, name: str, sql: str) -> None:
        self.connection.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.connection.sql(sql).to_arrow_table()

    def map_batches(self, step: plan.MapStep, payload: Any) -> None:
        reader = self.connection.sql(f"SELECT * FROM {step.source}").to_arrow_reader(65_536)
        mapped = pa.RecordBatchReader.from_batches(
            step.schema, step.function(payload, iter(reader))
        )
        table = mapped.read_all()
        self.connection.register("mapped_batches", table)
        try:
            self.connection.execute(
                f"CREATE OR REPLACE TABLE {step.name} AS SELECT * FROM mapped_batches"
            )
        finally:
            self.connection.unregister("mapped_batches")

    def count(self, name: str) -> int:
        # fetchall, not fetchone: a half-read result blocks the next query on the connection
        return int(self.connection.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])

    def fetch(self, name: str) -> pa.Table:
        return self.connection.sql(f"SELECT * FROM {name}").to_arrow_table()

    def read_text(self, location: str) -> str:
        return Path(location).read_text(encoding="utf-8")

    def write_text(self, location: str, text: str) -> None:
        Path(location).write_text(text, encoding="utf-8")

    def write(self, name: str, path: Location) -> None:
        target = "'" + str(path).replace("'", "''") + "'"
        self.connection.execute(f"COPY {name} TO {target} (FORMAT parquet, COMPRESSION zstd)")


@dataclass(frozen=True, slots=True)
class PlanRun:
    """What a run produced: per output relation its row count, and the seconds per step."""

    engine: str
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "rows": self.rows, "seconds": self.seconds}


def run_plan(runner: Runner, folder: Location, analyses: list[str] | None = None) -> PlanRun:
    """Load the dataset at `folder` (a path, or a URI for a runner that reads them) into
    `runner` and build the steps the analyses need."""
    outputs = plan.outputs_of(list(analyses or []))
    present = dataset_tables(folder, runner.read_text if runner.reads_uris else None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for table, columns in plan.INPUT_COLUMNS.items():
        if table not in present:
            raise FileNotFoundError(f"{child(folder, table)}: the dataset has no {table} table")
        if table == "releases":
            runner.load_releases(folder)
        else:
            runner.load(folder, table, columns, plan.INPUT_NAMES.get(table))
    seconds["load"] = time.perf_counter() - started

    def query(sql: str) -> pa.Table:
        return runner.query(plan.render(sql, runner.dialect))

    for step in plan.order(list(outputs)):
        started = time.perf_counter()
        if isinstance(step, plan.MapStep):
            runner.map_batches(step, step.payload(query))
        else:
            runner.create(step.name, plan.render(step.sql, runner.dialect))
        seconds[step.name] = time.perf_counter() - started
    return PlanRun(runner.dialect, {name: runner.count(name) for name in outputs}, seconds)


def sorted_output(runner: Runner, name: str, key: tuple[str, ...]) -> pa.Table:
    """An output as Arrow, in its sort key's order (nulls last), for comparing engines."""
    table = runner.fetch(name)
    return table.sort_by([(column, "ascending") for column in key])


def write_outputs(
    runner: Runner, out: Location, analyses: list[str] | None = None
) -> list[Location]:
    """Each output relation as out/<name>.parquet, and per analysis out/<analysis>.json with the
    row counts (and the rows of the aggregates, when small). A URI `out` is written through
    the runner's filesystem (the JSON too), a path on this machine."""
    if not is_uri(out):
        Path(out).mkdir(parents=True, exist_ok=True)
    written: list[Location] = []
    aggregates = {step.name for step in plan.AGGREGATES}
    for analysis in analyses or list(plan.ANALYSES):
        summary: dict[str, Any] = {"analysis": analysis, "engine": runner.dialect, "outputs": {}}
        for name, key in plan.ANALYSES[analysis].outputs.items():
            path = child(out, f"{name}.parquet")
            runner.write(name, path)
            rows = runner.count(name)
            entry: dict[str, Any] = {"rows": rows, "parquet": f"{name}.parquet"}
            if rows <= SMALL_ROWS and name in aggregates:
                entry["data"] = _jsonable(sorted_output(runner, name, key).to_pylist())
            summary["outputs"][name] = entry
            written.append(path)
        json_path = child(out, f"{analysis}.json")
        text = json.dumps(summary, indent=2, default=str) + "\n"
        if is_uri(json_path):
            runner.write_text(str(json_path), text)
        else:
            Path(json_path).write_text(text, encoding="utf-8")
        written.append(json_path)
    return written


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def value(v: Any) -> Any:
        if isinstance(v, dt.datetime | dt.date):
            return v.isoformat()
        return v

    return [{k: value(v) for k, v in row.items()} for row in rows]
