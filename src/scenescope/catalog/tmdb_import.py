"""Read TMDB API JSON as the service returns it: movie details (with `release_dates` appended)
and TV details (with `seasons`, `season/N` appended) or standalone season details.

A file may hold one object, a JSON array of objects, or JSON Lines. Title ids are
`tmdb:movie:<id>` and `tmdb:tv:<id>`. TMDB release types map to windows: 2 limited and
3 theatrical -> theatrical, 4 digital, 5 physical, 6 TV; 1 (premiere) is not a window.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scenescope.catalog.records import (
    CatalogBatch,
    CatalogTitle,
    Episode,
    ImportProblem,
    ReleaseDate,
)

TMDB_RELEASE_TYPES: dict[int, str] = {
    2: "theatrical",
    3: "theatrical",
    4: "digital",
    5: "physical",
    6: "tv",
}


def movie_title_id(tmdb_id: object) -> str:
    return f"tmdb:movie:{tmdb_id}"


def tv_title_id(tmdb_id: object) -> str:
    return f"tmdb:tv:{tmdb_id}"


def _date(text: object) -> dt.date | None:
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    except ValueError:
        return None


def _year(text: object) -> int | None:
    date = _date(text)
    return date.year if date else None


def _studio(doc: dict[str, Any]) -> str | None:
    for key in ("production_companies", "networks"):
        companies = doc.get(key) or []
        if companies and isinstance(companies[0], dict) and companies[0].get("name"):
            return str(companies[0]["name"])
    return None


def _aliases(doc: dict[str, Any], main: str) -> tuple[str, ...]:
    block = doc.get("alternative_titles") or {}
    items = block.get("titles") or block.get("results") or [] if isinstance(block, dict) else []
    seen: list[str] = []
    for item in items:
        title = item.get("title") if isinstance(item, dict) else None
        if isinstance(title, str) and title.strip() and title != main and title not in seen:
            seen.append(title.strip())
    return tuple(seen)


def documents(text: str) -> Iterator[Any]:
    """The JSON objects in a file: one object, an array of objects, or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        return
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError:
        for line in stripped.splitlines():
            if line.strip():
                yield json.loads(line)
        return
    if isinstance(doc, list):
        yield from doc
    else:
        yield doc


def _add_title(
    doc: dict[str, Any],
    title_id: str,
    kind: str,
    keys: tuple[str, str, str],
    name: str,
    batch: CatalogBatch,
    index: int,
) -> bool:
    """Add a movie or show's title record (TMDB names its fields differently for each: `keys`
    is title, original title, first date); a missing title is a problem, and False."""
    title_key, original_key, date_key = keys
    title = doc.get(title_key)
    if not isinstance(title, str) or not title.strip():
        what = "movie without a title" if kind == "movie" else "TV show without a name"
        batch.problems.append(ImportProblem(name, index, title_key, what))
        return False
    original = doc.get(original_key)
    batch.titles.append(
        CatalogTitle(
            title_id=title_id,
            kind=kind,
            title=title.strip(),
            year=_year(doc.get(date_key)),
            original_title=original if isinstance(original, str) and original != title else None,
            aliases=_aliases(doc, title),
            studio=_studio(doc),
        )
    )
    return True


def _movie(doc: dict[str, Any], name: str, batch: CatalogBatch, index: int) -> None:
    title_id = movie_title_id(doc["id"])
    if not _add_title(doc, title_id, "movie", ("title", "original_title", "release_date"),
                      name, batch, index):  # fmt: skip
        return
    earliest: dict[tuple[str, str], dt.date] = {}
    for country in (doc.get("release_dates") or {}).get("results") or []:
        territory = str(country.get("iso_3166_1") or "").upper()
        if len(territory) != 2:
            batch.problems.append(
                ImportProblem(
                    name, index, "release_dates.results.iso_3166_1", f"bad territory {territory!r}"
                )
            )
            continue
        for entry in country.get("release_dates") or []:
            window = TMDB_RELEASE_TYPES.get(entry.get("type"))  # type 1 (premiere) is not a window
            date = _date(entry.get("release_date"))
            if window is None:
                continue
            if date is None:
                batch.problems.append(
                    ImportProblem(
                        name,
                        index,
                        "release_dates.release_date",
                        f"bad date {entry.get('release_date')!r} for {territory}",
                    )
                )
                continue
            key = (territory, window)
            if key not in earliest or date < earliest[key]:
                earliest[key] = date
    for (territory, window), date in sorted(earliest.items()):
        batch.release_dates.append(ReleaseDate(title_id, territory, window, date))


def _episodes(
    season_doc: dict[str, Any], title_id: str, territory: str, batch: CatalogBatch
) -> None:
    for ep in season_doc.get("episodes") or []:
        season = ep.get("season_number", season_doc.get("season_number"))
        number = ep.get("episode_number")
        if not isinstance(season, int) or not isinstance(number, int):
            continue
        batch.episodes.append(
            Episode(title_id, season, number, _date(ep.get("air_date")), territory)
        )


def _tv(doc: dict[str, Any], name: str, batch: CatalogBatch, index: int) -> None:
    title_id = tv_title_id(doc["id"])
    if not _add_title(doc, title_id, "series", ("name", "original_name", "first_air_date"),
                      name, batch, index):  # fmt: skip
        return
    countries = doc.get("origin_country") or []
    territory = str(countries[0]).upper() if countries else ""
    for season in doc.get("seasons") or []:
        if isinstance(season, dict):
            _episodes(season, title_id, territory, batch)
    for key, value in doc.items():
        if key.startswith("season/") and isinstance(value, dict):
            _episodes(value, title_id, territory, batch)


def _season(doc: dict[str, Any], name: str, batch: CatalogBatch, index: int) -> None:
    episodes = doc.get("episodes") or []
    show_ids = {ep.get("show_id") for ep in episodes if isinstance(ep, dict)} - {None}
    if len(show_ids) != 1:
        batch.problems.append(
            ImportProblem(
                name,
                index,
                "episodes.show_id",
                "season details without a show_id to attach them to",
            )
        )
        return
    _episodes(doc, tv_title_id(show_ids.pop()), "", batch)


def read_tmdb_json(path: Path) -> CatalogBatch:
    """TMDB movie / TV / season details in one file as catalog records."""
    batch = CatalogBatch()
    name = str(path)
    try:
        docs = list(documents(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        batch.problems.append(ImportProblem(name, None, None, f"not TMDB JSON: {exc}"))
        return batch
    for index, doc in enumerate(docs, start=1):
        if not isinstance(doc, dict):
            batch.problems.append(ImportProblem(name, index, None, "expected a JSON object"))
        elif "id" in doc and "title" in doc:
            _movie(doc, name, batch, index)
        elif "id" in doc and "name" in doc and ("first_air_date" in doc or "seasons" in doc):
            _tv(doc, name, batch, index)
        elif "episodes" in doc and "season_number" in doc:
            _season(doc, name, batch, index)
        else:
            batch.problems.append(
                ImportProblem(name, index, None, "not a TMDB movie, TV or season details object")
            )
    return batch
