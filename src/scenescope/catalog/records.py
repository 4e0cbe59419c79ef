"""Catalog records: titles, their official dates per territory and window, episodes.

Importers (CSV, TMDB JSON) produce these; the catalog store writes and reads them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TITLE_KINDS: tuple[str, ...] = ("movie", "series")
WINDOWS: tuple[str, ...] = ("theatrical", "digital", "physical", "tv")


@dataclass(frozen=True, slots=True)
class CatalogTitle:
    """A film or series the analyst cares about."""

    title_id: str
    kind: str  # movie / series
    title: str
    year: int | None = None
    original_title: str | None = None
    aliases: tuple[str, ...] = ()
    studio: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseDate:
    """The official start of one window in one territory."""

    title_id: str
    territory: str  # ISO 3166 alpha-2, upper case
    window: str  # theatrical / digital / physical / tv
    date: dt.date


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode of a series and when it first aired in a territory."""

    title_id: str
    season: int
    episode: int
    air_date: dt.date | None
    territory: str = ""  # "" when the source does not say


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A row (or a whole file) that could not be imported, and exactly where."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class CatalogBatch:
    """What one or more files said, before it reaches the store."""

    titles: list[CatalogTitle] = field(default_factory=list)
    release_dates: list[ReleaseDate] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def extend(self, other: CatalogBatch) -> None:
        self.titles.extend(other.titles)
        self.release_dates.extend(other.release_dates)
        self.episodes.extend(other.episodes)
        self.problems.extend(other.problems)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of `import_catalog`: counts of rows written and every problem found."""

    files: tuple[str, ...]
    titles: int
    release_dates: int
    episodes: int
    problems: tuple[ImportProblem, ...] = ()
    accounts: int = 0  # supply accounts and shipments (catalog.supply_import)
    shipments: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "files": list(self.files),
            "titles": self.titles,
            "release_dates": self.release_dates,
            "episodes": self.episodes,
            "accounts": self.accounts,
            "shipments": self.shipments,
            "problems": [str(p) for p in self.problems],
        }
