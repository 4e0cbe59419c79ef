"""Catalog of titles and official dates, and matching releases to titles.

`import_catalog(store, paths)` loads titles / release dates / episodes (CSV or TMDB JSON);
`match_releases(store, release_ids=None)` records each release's title in `release_matches`.
"""

from scenescope.catalog.importer import import_catalog
from scenescope.catalog.match_run import LiveMatcher, MatchSummary, match_releases
from scenescope.catalog.records import ImportProblem, ImportReport

__all__ = [
    "ImportProblem",
    "ImportReport",
    "LiveMatcher",
    "MatchSummary",
    "import_catalog",
    "match_releases",
]
