"""`import_catalog(store, paths)`: catalog CSVs and TMDB JSON into the store, reporting bad rows.

A directory imports the catalog files it holds (titles, release_dates, episodes CSV; *.json).
Dates and episodes naming a title that is in neither the store nor this import are reported
(and still kept, so a titles file imported later completes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scenescope.catalog.csv_import import read_catalog_csv
from scenescope.catalog.records import CatalogBatch, ImportProblem, ImportReport
from scenescope.catalog.supply_import import import_supply, supply_kind
from scenescope.catalog.tables import (
    connection_of,
    known_title_ids,
    upsert_episodes,
    upsert_release_dates,
    upsert_titles,
)
from scenescope.catalog.tmdb_import import read_tmdb_json
from scenescope.engine.core import Source

CATALOG_CSV_STEMS = ("titles", "release_dates", "episodes", "accounts", "shipments")


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[ImportProblem]]:
    """Files to read, titles first; a directory contributes its catalog files."""
    files: list[Path] = []
    problems: list[ImportProblem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [
                path / f"{stem}.csv"
                for stem in CATALOG_CSV_STEMS
                if (path / f"{stem}.csv").exists()
            ]
            found += sorted(path.glob("*.json"))
            found = [p for p in found if p.name != "truth.json"]
            if not found:
                problems.append(
                    ImportProblem(str(path), None, None, "no catalog files in this directory")
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(ImportProblem(str(path), None, None, "no such file"))
    # Titles before the files that refer to them.
    files.sort(key=lambda p: 0 if p.stem.lower().startswith("titles") else 1)
    return files, problems


def read_catalog_file(path: Path) -> CatalogBatch:
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        return read_tmdb_json(path)
    return read_catalog_csv(path)


def import_catalog(store: Source, paths: Iterable[Path | str]) -> ImportReport:
    """Read every path and upsert titles, release dates and episodes into the store."""
    files, problems = expand_paths(paths)
    batch = CatalogBatch(problems=problems)
    # accounts and shipments go to the supply importer, after the titles they name
    supply_files = [p for p in files if supply_kind(p) is not None]
    for path in files:
        if path not in supply_files:
            batch.extend(read_catalog_file(path))
    conn = connection_of(store)
    conn.execute("BEGIN TRANSACTION")
    try:
        title_count = upsert_titles(conn, batch.titles)
        known = known_title_ids(conn)
        batch.problems.extend(_orphans(batch, known))
        date_count = upsert_release_dates(conn, batch.release_dates)
        episode_count = upsert_episodes(conn, batch.episodes)
        supply = import_supply(conn, supply_files)
        batch.problems.extend(supply.problems)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ImportReport(
        files=tuple(str(p) for p in files),
        titles=title_count,
        release_dates=date_count,
        episodes=episode_count,
        accounts=supply.accounts,
        shipments=supply.shipments,
        problems=tuple(batch.problems),
    )


def _orphans(batch: CatalogBatch, known: set[str]) -> list[ImportProblem]:
    missing = sorted(
        {d.title_id for d in batch.release_dates if d.title_id not in known}
        | {e.title_id for e in batch.episodes if e.title_id not in known}
    )
    return [
        ImportProblem(
            "(import)", None, "title_id", f"unknown title_id {tid!r}: dates kept, import its title"
        )
        for tid in missing[:20]
    ]
