"""Beyond one machine: `scenescope export --parquet DIR`, `scenescope import --parquet DIR` and
`scenescope analyze --engine spark|duckdb --input DIR --out DIR [ANALYSIS...]`. Thin over
`scenescope.engine.parquet`, `engine.plan_run` and `engine.spark`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from scenescope.cli.common import DB_OPTION, JSON_OPTION, fail, open_store, print_json_lines


def _since(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r}: not a date; use YYYY-MM-DD")


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        parquet: Path = typer.Option(..., "--parquet", help="Folder to write the dataset to."),
        since: str | None = typer.Option(
            None, "--since", help="Only releases pred on or after this day (YYYY-MM-DD)."
        ),
        db: Path | None = DB_OPTION,
        json_lines: bool = JSON_OPTION,
    ) -> None:
        """Write the store as partitioned Parquet (for `analyze` on Spark or DuckDB)."""
        from scenescope.engine.parquet import ParquetError, export_parquet

        day = _since(since)
        with open_store(db, read_only=True) as store:
            try:
                counts = export_parquet(store.connection, parquet, since=day)
            except ParquetError as exc:
                fail(str(exc))
        if json_lines:
            print_json_lines(c.to_dict() for c in counts)
            return
        for count in counts:
            typer.echo(f"{count.table}: {count.rows:,} rows")
        typer.echo(f"wrote {parquet}")

    @app.command("import")
    def import_(
        parquet: Path = typer.Option(..., "--parquet", help="A folder `export --parquet` wrote."),
        db: Path | None = DB_OPTION,
        json_lines: bool = JSON_OPTION,
    ) -> None:
        """Replace the store's tables with a Parquet dataset's (those it holds), row for row."""
        from scenescope.engine.parquet import ParquetError, import_parquet

        with open_store(db) as store:
            try:
                counts = import_parquet(store.connection, parquet)
            except ParquetError as exc:
                fail(str(exc))
        if json_lines:
            print_json_lines(c.to_dict() for c in counts)
            return
        for count in counts:
            typer.echo(f"{count.table}: {count.rows:,} rows")

    @app.command("analyze")
    def analyze(
        analyses: list[str] = typer.Argument(
            None, help="match, impact, propagation, race, leaks (default: all)."
        ),
        engine: str = typer.Option("duckdb", "--engine", help="spark or duckdb."),
        master: str = typer.Option(
            "local[2]", "--master", help="Spark master URL (local[N], spark://HOST:PORT)."
        ),
        input_dir: str = typer.Option(
            ..., "--input", help="A folder `export --parquet` wrote (spark: or a URI, s3a://...)."
        ),
        out: str = typer.Option(
            ..., "--out", help="Folder for the Parquet + JSON results (spark: or a URI)."
        ),
        shuffle_partitions: int = typer.Option(
            8, "--shuffle-partitions", min=1, help="spark: partitions per shuffle (cores x 2-4)."
        ),
        json_lines: bool = JSON_OPTION,
    ) -> None:
        """Run the batch analyses' plan over a Parquet dataset on Spark or DuckDB."""
        from scenescope.engine import plan
        from scenescope.engine.parquet import Location, ParquetError, is_uri
        from scenescope.engine.plan_run import DuckDBRunner, Runner, run_plan, write_outputs

        chosen = list(analyses or [])
        unknown = [a for a in chosen if a not in plan.ANALYSES]
        if unknown:
            fail(f"unknown analysis {unknown[0]!r}; choose from {', '.join(plan.ANALYSES)}")
        if engine not in ("spark", "duckdb"):
            fail(f"--engine {engine!r}: choose spark or duckdb")
        for option, value in (("--input", input_dir), ("--out", out)):
            if engine == "duckdb" and is_uri(value):
                fail(
                    f"{option} {value}: --engine duckdb reads and writes local folders; "
                    "use --engine spark for a URI (or copy it here)"
                )
        source: Location = input_dir if is_uri(input_dir) else Path(input_dir)
        target: Location = out if is_uri(out) else Path(out)
        runner: Runner
        session = None
        if engine == "spark":
            from scenescope.engine.spark import SparkRunner, SparkUnavailableError, spark_session

            try:
                session = spark_session(master, shuffle_partitions=shuffle_partitions)
            except SparkUnavailableError as exc:
                fail(str(exc))
            runner = SparkRunner(session)
        else:
            runner = DuckDBRunner()
        try:
            try:
                run = run_plan(runner, source, chosen)
            except (ParquetError, FileNotFoundError) as exc:
                fail(str(exc))
            written = write_outputs(runner, target, chosen)
        finally:
            if session is not None:
                session.stop()
        if json_lines:
            print_json_lines([run.to_dict()])
            return
        for name, rows in run.rows.items():
            typer.echo(f"{name}: {rows:,} rows")
        typer.echo(f"{engine}: wrote {len(written)} files to {out}")
