"""Streamed output of a simulated world: one open file per table, rows written as they
happen (never a whole year in memory), in the formats of shared/DESIGN.md.

Times are ISO-8601 UTC with a `Z` (`2020-08-25T06:00:00Z`); ws frames carry unix seconds.
Frames are shaped as the public predb.ovh server writes them: nuke objects
`{id, typeId, type, preId, reason, net, nukeAt}` (lower-case type), sizes as fractional kB.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from scenescope.world.catalog import Catalog, iter_episodes
from scenescope.world.pres import NukeAction, SimRelease
from scenescope.world.supply import Supply

PRES_COLUMNS = ("name", "pre_at", "category", "size_kb", "files", "feed")
NUKES_COLUMNS = ("name", "kind", "reason", "network", "at")
SIGHTINGS_COLUMNS = ("name", "tier", "site", "seen_at")
SHIPMENTS_COLUMNS = (
    "shipment_id",
    "account_id",
    "title_id",
    "format",
    "shipped_at",
    "quantity",
    "distributor",
)
TRUTH_RELEASE_COLUMNS = (
    "name",
    "title_id",
    "group",
    "source_class",
    "is_noise",
    "kind",
    "season",
    "episode",
    "format",
    "category",
    "pre_at",
    "family",
)
NUKE_TYPE_IDS = {"nuke": 1, "unnuke": 2, "modnuke": 3, "delpre": 4, "undelpre": 5}
WS_FEED = "predb.ovh"


_DAY_PREFIX: dict[int, str] = {}
# "HH:MM:SSZ" for every second of a day, built on first use: two lookups make an ISO time
_CLOCK: list[str] = []


def iso(ts: int) -> str:
    """Unix seconds as ISO-8601 UTC (`...Z`); the date part is cached per day (hot path)."""
    day, seconds = divmod(ts, 86400)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
        if len(_DAY_PREFIX) > 100000:
            _DAY_PREFIX.clear()
        _DAY_PREFIX[day] = prefix
        if not _CLOCK:
            _CLOCK.extend(
                f"{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)
            )
    return prefix + _CLOCK[seconds]


_JSON_PLAIN = re.compile(r"[ -!#-\[\]-~]*\Z")


def json_string(value: str) -> str:
    """`value` as a JSON string literal, the bytes json.dumps(ensure_ascii=False) writes."""
    if _JSON_PLAIN.match(value):
        return '"' + value + '"'
    return json.dumps(value, ensure_ascii=False)


def reported_size_kb(release: SimRelease) -> float:
    """The size every feed reports for `release`, as predb.ovh writes it: fractional kB.

    predb.ovh divides its stored size by 1000, so sizes carry up to three decimals. The
    world draws whole kB (`size_kb`); the bytes below the kB are a fixed function of the name
    (CRC-32, so the same on every run), and every output — pres CSV, ws frames — carries the
    same value (formatted as `repr`, the text json.dumps writes for a float; exact in the
    store's DOUBLE column).
    """
    extra_bytes = zlib.crc32(release.name.encode("utf-8")) % 1000
    return (release.size_kb * 1000 + extra_bytes) / 1000


def csv_field(value: str) -> str:
    """A CSV field as csv.writer would write it (quoted only when needed)."""
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


_DAY_ISO: dict[dt.date, str] = {}


def iso_date(day: dt.date) -> str:
    """`day.isoformat()`, cached (shipments repeat a few hundred days millions of times)."""
    text = _DAY_ISO.get(day)
    if text is None:
        if len(_DAY_ISO) > 100000:
            _DAY_ISO.clear()
        text = _DAY_ISO[day] = day.isoformat()
    return text


class CsvTable:
    """One CSV file with a header, written row by row."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.handle: IO[str] = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(columns)
        self.rows = 0

    def write(self, row: tuple[Any, ...] | list[Any]) -> None:
        self.writer.writerow(row)
        self.rows += 1

    def write_line(self, line: str) -> None:
        """A pre-formatted CSV line (fields already passed through csv_field)."""
        self.handle.write(line)
        self.rows += 1

    def close(self) -> None:
        self.handle.close()


class WorldWriter:
    """The streamed tables of one world: pres, nukes, ws frames, sightings, shipments and the
    per-release truth. Use as a context manager."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.pres = CsvTable(out_dir / "pres.csv", PRES_COLUMNS)
        self.nukes = CsvTable(out_dir / "nukes.csv", NUKES_COLUMNS)
        self.sightings = CsvTable(out_dir / "sightings.csv", SIGHTINGS_COLUMNS)
        self.shipments = CsvTable(out_dir / "shipments.csv", SHIPMENTS_COLUMNS)
        self.truth_releases = CsvTable(out_dir / "truth_releases.csv", TRUTH_RELEASE_COLUMNS)
        self.frames: IO[str] = (out_dir / "ws_frames.jsonl").open("w", encoding="utf-8")
        self.frame_count = 0
        self.nuke_ids = 0

    def __enter__(self) -> WorldWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for table in (self.pres, self.nukes, self.sightings, self.shipments, self.truth_releases):
            table.close()
        self.frames.close()

    def pre(self, release: SimRelease, reports: list[tuple[str, int]]) -> None:
        # hot path: lines are formatted directly; only the name can need CSV quoting
        name = csv_field(release.name)
        pre_at = iso(release.ts)
        tail = f",{release.category},{reported_size_kb(release)!r},{release.files},"
        pres = self.pres
        frame_head = ""
        for feed, reported in reports:
            pres.handle.write(
                f"{name},{pre_at if reported == release.ts else iso(reported)}{tail}{feed}\n"
            )
            if feed == WS_FEED:
                if not frame_head:
                    frame_head = self._insert_frame_head(release)
                self.frames.write(f'{frame_head}"preAt":{reported},"nuke":null}}}}\n')
                self.frame_count += 1
        pres.rows += len(reports)
        episode = release.episode if release.kind == "episode" else ""
        self.truth_releases.write_line(
            f"{name},{release.title_id},{release.group},{release.source_class},"
            f"{0 if release.title_id else 1},{release.kind},{release.season or ''},{episode},"
            f"{release.format_key},{release.category},{pre_at},{release.family}\n"
        )

    def shipment(
        self,
        shipment_id: str,
        account_id: str,
        title_id: str,
        disc_format: str,
        shipped_at: dt.date,
        quantity: int,
        distributor: str,
    ) -> None:
        self.shipments.write_line(
            f"{shipment_id},{account_id},{title_id},{disc_format},"
            f"{iso_date(shipped_at)},{quantity},"
            f"{csv_field(distributor)}\n"
        )

    def nuke(self, action: NukeAction) -> None:
        release = action.release
        self.nukes.write((release.name, action.kind, action.reason, action.network, iso(action.ts)))
        self.nuke_ids += 1
        nuke = {
            "id": self.nuke_ids,
            "typeId": NUKE_TYPE_IDS[action.kind],
            "type": action.kind,
            "preId": release.id,
            "reason": action.reason,
            "net": action.network,
            "nukeAt": action.ts,
        }
        self._frame(action.kind, _ws_row(release, release.ts, nuke))

    def sighting(self, name: str, tier: str, site: str, ts: int) -> None:
        self.sightings.write_line(f"{csv_field(name)},{tier},{site},{iso(ts)}\n")

    def _insert_frame_head(self, release: SimRelease) -> str:
        """An insert frame up to `preAt`, formatted directly (the bytes json.dumps of
        _ws_row would give)."""
        team = release.name.rpartition("-")[2]
        return (
            f'{{"action":"insert","row":{{"id":{release.id},'
            f'"name":{json_string(release.name)},'
            f'"team":{json_string(team)},"cat":"{release.category}",'
            f'"genre":"","url":"","size":{reported_size_kb(release)!r},"files":{release.files},'
        )

    def _frame(self, action: str, row: dict[str, Any]) -> None:
        self.frames.write(
            json.dumps({"action": action, "row": row}, separators=(",", ":"), ensure_ascii=False)
        )
        self.frames.write("\n")
        self.frame_count += 1


def _ws_row(release: SimRelease, pre_at: int, nuke: dict[str, Any] | None) -> dict[str, Any]:
    """A release shaped like predb.ovh's: size in fractional kB, preAt in unix seconds."""
    team = release.name.rpartition("-")[2]
    return {
        "id": release.id,
        "name": release.name,
        "team": team,
        "cat": release.category,
        "genre": "",
        "url": "",
        "size": reported_size_kb(release),
        "files": release.files,
        "preAt": pre_at,
        "nuke": nuke,
    }


def write_static_table(
    path: Path, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """A whole CSV table from rows (consumed lazily, so a generator streams to disk)."""
    table = CsvTable(path, columns)
    table.writer.writerows(rows)
    table.close()


def write_catalog(out_dir: Path, catalog: Catalog) -> None:
    """titles, release_dates and episodes, streamed row by row (a 10x catalog has millions
    of rows: never a list of them in memory)."""

    def titles() -> Iterator[tuple[Any, ...]]:
        for movie in catalog.movies:
            yield (
                movie.title_id,
                "movie",
                movie.title,
                movie.year,
                movie.original_title,
                "|".join(movie.aliases),
                movie.studio,
            )
        for series in catalog.series:
            yield (
                series.title_id,
                "series",
                series.title,
                series.year,
                series.original_title,
                "|".join(series.aliases),
                series.studio,
            )

    def dates() -> Iterator[tuple[Any, ...]]:
        for movie in catalog.movies:
            for window in ("theatrical", "digital", "physical", "tv"):
                for territory, date in sorted(movie.dates.get(window, {}).items()):
                    yield (movie.title_id, territory, window, date.isoformat())

    def episodes() -> Iterator[tuple[Any, ...]]:
        for series in catalog.series:
            for season, number, air in iter_episodes(series):
                for territory, lag in sorted(season.territory_lag_days.items()):
                    yield (
                        series.title_id,
                        season.number,
                        number,
                        (air + dt.timedelta(days=lag)).isoformat(),
                        territory,
                    )

    write_static_table(
        out_dir / "titles.csv",
        ("title_id", "kind", "title", "year", "original_title", "aliases", "studio"),
        titles(),
    )
    write_static_table(
        out_dir / "release_dates.csv", ("title_id", "territory", "window", "date"), dates()
    )
    write_static_table(
        out_dir / "episodes.csv",
        ("title_id", "season", "episode", "air_date", "territory"),
        episodes(),
    )


def write_accounts(out_dir: Path, supply: Supply) -> None:
    rows = [
        (
            a.account_id,
            a.name,
            a.kind,
            a.country,
            a.opened_at.isoformat(),
            a.closed_at.isoformat() if a.closed_at else "",
        )
        for a in supply.accounts
    ]
    write_static_table(
        out_dir / "accounts.csv",
        ("account_id", "name", "kind", "country", "opened_at", "closed_at"),
        rows,
    )
