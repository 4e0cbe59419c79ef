"""Read the catalog CSV files (titles, release_dates, episodes) described in shared/DESIGN.md.

Every bad row becomes an `ImportProblem` naming file, line and field; the good rows of the
same file are kept. Extra columns are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from scenescope.catalog.records import (
    TITLE_KINDS,
    WINDOWS,
    CatalogBatch,
    CatalogTitle,
    Episode,
    ImportProblem,
    ReleaseDate,
)

TITLES_COLUMNS = ("title_id", "kind", "title")
RELEASE_DATES_COLUMNS = ("title_id", "territory", "window", "date")
EPISODES_COLUMNS = ("title_id", "season", "episode", "air_date")


class RowError(ValueError):
    """A bad value in one field of one row."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_date(text: str, field: str) -> dt.date:
    """A calendar date from `YYYY-MM-DD`, an ISO-8601 timestamp, or unix seconds (UTC)."""
    value = text.strip()
    if not value:
        raise RowError(field, "missing date")
    try:
        if value.lstrip("-").isdigit() and len(value) > 8:
            return dt.datetime.fromtimestamp(int(value), tz=dt.UTC).date()
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC)
        return stamp.date()
    except (ValueError, OverflowError, OSError):
        raise RowError(field, f"bad date {value!r} (expected YYYY-MM-DD)") from None


def _required(row: dict[str, str | None], field: str) -> str:
    value = (row.get(field) or "").strip()
    if not value:
        raise RowError(field, f"missing {field}")
    return value


def _optional(row: dict[str, str | None], field: str) -> str | None:
    value = (row.get(field) or "").strip()
    return value or None


def _int(
    row: dict[str, str | None], field: str, *, required: bool, low: int, high: int
) -> int | None:
    text = _required(row, field) if required else _optional(row, field)
    if text is None:
        return None
    try:
        number = int(float(text)) if text.endswith(".0") else int(text)
    except ValueError:
        raise RowError(field, f"bad {field} {text!r} (expected a whole number)") from None
    if not low <= number <= high:
        raise RowError(field, f"{field} {number} out of range {low}..{high}")
    return number


def _territory(row: dict[str, str | None], *, required: bool) -> str:
    text = _required(row, "territory") if required else (_optional(row, "territory") or "")
    if text and not (len(text) == 2 and text.isalpha() and text.isascii()):
        raise RowError("territory", f"bad territory {text!r} (expected ISO 3166 alpha-2, e.g. US)")
    return text.upper()


def title_from_row(row: dict[str, str | None]) -> CatalogTitle:
    title_id = _required(row, "title_id")
    kind = _required(row, "kind").lower()
    if kind not in TITLE_KINDS:
        raise RowError("kind", f"unknown kind {kind!r} (expected movie or series)")
    aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
    return CatalogTitle(
        title_id=title_id,
        kind=kind,
        title=_required(row, "title"),
        year=_int(row, "year", required=False, low=1870, high=2200),
        original_title=_optional(row, "original_title"),
        aliases=aliases,
        studio=_optional(row, "studio"),
    )


def release_date_from_row(row: dict[str, str | None]) -> ReleaseDate:
    window = _required(row, "window").lower()
    if window not in WINDOWS:
        raise RowError(
            "window", f"unknown window {window!r} (expected one of {', '.join(WINDOWS)})"
        )
    return ReleaseDate(
        title_id=_required(row, "title_id"),
        territory=_territory(row, required=True),
        window=window,
        date=parse_date(row.get("date") or "", "date"),
    )


def episode_from_row(row: dict[str, str | None]) -> Episode:
    air_text = _optional(row, "air_date")
    season = _int(row, "season", required=True, low=0, high=10_000)
    episode = _int(row, "episode", required=True, low=0, high=100_000)
    assert season is not None and episode is not None
    return Episode(
        title_id=_required(row, "title_id"),
        season=season,
        episode=episode,
        air_date=parse_date(air_text, "air_date") if air_text else None,
        territory=_territory(row, required=False),
    )


def detect_kind(header: list[str], path: Path) -> str | None:
    """Which catalog file this is, by its columns (falling back on the file name)."""
    columns = set(header)
    if set(RELEASE_DATES_COLUMNS) <= columns:
        return "release_dates"
    if set(EPISODES_COLUMNS) <= columns:
        return "episodes"
    if set(TITLES_COLUMNS) <= columns:
        return "titles"
    stem = path.stem.lower()
    for kind in ("release_dates", "episodes", "titles"):
        if stem.startswith(kind):
            return kind
    return None


_REQUIRED = {
    "titles": TITLES_COLUMNS,
    "release_dates": RELEASE_DATES_COLUMNS,
    "episodes": EPISODES_COLUMNS,
}


def _rows(handle: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    for row in handle:
        yield handle.line_num, row


def read_catalog_csv(path: Path) -> CatalogBatch:
    """One catalog CSV file as records; bad rows and a bad header become problems."""
    batch = CatalogBatch()
    name = str(path)
    try:
        # surrogateescape: one row with bad bytes is a problem on its line, not the file's end.
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            kind = detect_kind(header, path)
            if kind is None:
                batch.problems.append(
                    ImportProblem(
                        name,
                        1,
                        None,
                        "not a catalog file: expected titles, release_dates or episodes columns",
                    )
                )
                return batch
            missing = [c for c in _REQUIRED[kind] if c not in header]
            if missing:
                batch.problems.append(
                    ImportProblem(name, 1, missing[0], f"missing required column {missing[0]!r}")
                )
                return batch
            _read_rows(kind, reader, name, batch)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        batch.problems.append(ImportProblem(name, None, None, f"cannot read: {exc}"))
    return batch


def _read_rows(kind: str, reader: csv.DictReader[str], name: str, batch: CatalogBatch) -> None:
    seen: dict[tuple[object, ...], int] = {}
    for line, row in _rows(reader):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        unreadable = _unreadable_field(row)
        if unreadable is not None:
            message = f"{unreadable} is not valid UTF-8 or holds a control character"
            batch.problems.append(ImportProblem(name, line, unreadable, message))
            continue
        try:
            record, identity, id_field = _convert(kind, row)
        except RowError as exc:
            batch.problems.append(ImportProblem(name, line, exc.field, str(exc)))
            continue
        if identity in seen:
            batch.problems.append(
                ImportProblem(
                    name, line, id_field, f"duplicate {id_field} (first on line {seen[identity]})"
                )
            )
            continue
        seen[identity] = line
        if isinstance(record, CatalogTitle):
            batch.titles.append(record)
        elif isinstance(record, ReleaseDate):
            batch.release_dates.append(record)
        else:
            batch.episodes.append(record)


_UNREADABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_READ_COLUMNS = frozenset(
    (*TITLES_COLUMNS, "year", "original_title", "aliases", "studio", *RELEASE_DATES_COLUMNS,
     *EPISODES_COLUMNS, "territory")
)  # fmt: skip


def _unreadable_field(row: dict[str, str | None]) -> str | None:
    """The first column we read holding undecodable bytes or a control character (NUL, CR,
    LF...); extra columns are ignored whatever they hold."""
    for field, value in row.items():
        if field in _READ_COLUMNS and isinstance(value, str) and _UNREADABLE.search(value):
            return field
    return None


_Converter = Callable[[dict[str, str | None]], CatalogTitle | ReleaseDate | Episode]


def _convert(
    kind: str, row: dict[str, str | None]
) -> tuple[CatalogTitle | ReleaseDate | Episode, tuple[object, ...], str]:
    if kind == "titles":
        title = title_from_row(row)
        return title, (title.title_id,), "title_id"
    if kind == "release_dates":
        date = release_date_from_row(row)
        return date, (date.title_id, date.territory, date.window), "window"
    episode = episode_from_row(row)
    return (
        episode,
        (episode.title_id, episode.season, episode.episode, episode.territory),
        "episode",
    )
