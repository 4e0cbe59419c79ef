"""A real store holding a hand-written catalog and pres, matched: the fixture several test
modules build (titles, release dates and episodes as CSV text, pres as name -> time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

from scenescope.catalog import import_catalog, match_releases
from scenescope.feeds.events import FeedEvent, PreReport
from scenescope.store import Store


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def catalog_store(
    folder: Path,
    *,
    titles: str,
    dates: str,
    episodes: str,
    pres: Mapping[str, dt.datetime],
    events: Iterable[FeedEvent] = (),
) -> Path:
    """Write the catalog files in `folder`, import them, store the pres (and other events),
    match, and return the store's path."""
    (folder / "titles.csv").write_text(titles, encoding="utf-8")
    (folder / "release_dates.csv").write_text(dates, encoding="utf-8")
    (folder / "episodes.csv").write_text(episodes, encoding="utf-8")
    path = folder / "store.duckdb"
    with Store.open(path) as store:
        assert import_catalog(store, [folder]).ok
        store.apply(PreReport(name=n, pre_at=at, feed="test") for n, at in pres.items())
        store.apply(list(events))
        match_releases(store)
    return path
