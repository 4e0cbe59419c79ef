"""Match one parsed release (title, year, episode) to catalog titles, with a score and a reason.

Order of evidence: exact normalized key (title, original title, alias), then the same key with
the year folded back into the title (`Blade Runner 2049`), then fuzzy (rapidfuzz) within the
key's block. The year decides between remakes; with no year and several candidates nothing is
asserted: all candidates are kept as "possible". Series releases are confirmed by episode
number or air date, which also separates two series sharing a name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from scenescope.catalog.index import CatalogIndex, KeyEntry
from scenescope.catalog.normalize import full_key, title_key

_COUNTRY_SUFFIXES = frozenset({"us", "uk", "au", "ca", "nz", "ie"})


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """Thresholds: a candidate is asserted only if it scores >= accept_score and beats the
    runner-up by at least margin; fuzzy candidates below fuzzy_cutoff (0-100) are dropped."""

    accept_score: float = 0.9
    margin: float = 0.04
    fuzzy_cutoff: float = 80.0
    fuzzy_min_key_length: int = 5
    max_possible: int = 5


@dataclass(frozen=True, slots=True)
class ReleaseQuery:
    """What the matcher needs from a parsed release name."""

    title: str | None
    year: int | None = None
    episode_like: bool = False  # has a season, episode numbers or an air date
    season: int | None = None
    episode: int | None = None
    date: dt.date | None = None
    absolute: bool = False  # `episode` counts from the series' first episode (anime)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A catalog title a release may be, how sure we are, and why."""

    title_id: str
    status: str  # matched / possible
    score: float
    reason: str
    season: int | None = None
    episode: int | None = None
    air_date: dt.date | None = None


def year_factor(release_year: int | None, title_year: int | None) -> tuple[float, str]:
    """How much the years agree: equal 1.0, off by one 0.9, unknown 0.95, otherwise 0.5."""
    if release_year is None or title_year is None:
        return 0.95, "no year"
    gap = abs(release_year - title_year)
    if gap == 0:
        return 1.0, "year"
    if gap == 1:
        return 0.9, "year±1"
    return 0.5, f"year differs ({release_year} vs {title_year})"


def _kind_allowed(entry: KeyEntry, episode_like: bool) -> tuple[bool, float]:
    if episode_like:
        return entry.kind == "series", 1.0
    # A film-shaped name (no season/episode) is rarely a series, but can be (complete box sets).
    return True, (1.0 if entry.kind == "movie" else 0.9)


class Matcher:
    """Scores releases against one catalog index; caches title-level work by normalized key."""

    def __init__(self, index: CatalogIndex, policy: MatchPolicy | None = None) -> None:
        self.index = index
        self.policy = policy or MatchPolicy()
        self._fuzzy_cache: dict[str, list[tuple[str, float]]] = {}
        self._title_cache: dict[
            tuple[str | None, int | None, bool], list[tuple[float, str, KeyEntry]]
        ] = {}

    def match(self, query: ReleaseQuery) -> list[Candidate]:
        """All candidates, best first; at most the first one has status "matched"."""
        title = query.title
        year = query.year
        if query.date is not None and query.episode_like:
            year = None  # a daily show's date is not the series' year
        if not title and year is not None:
            title, year = str(year), None  # a name that is only a number: `2012`
        cache_key = (title, year, query.episode_like)
        scored = self._title_cache.get(cache_key)
        if scored is None:
            scored = self._title_level(title_key(title), year, query.episode_like)
            full = full_key(title)
            forms = {entry.full == full for _, _, entry in scored}
            if forms == {True, False}:
                # `Gentle Runway` / `The Gentle Runway`, `X II` / `X 2` share a key: the
                # form as written wins.
                scored = [
                    (s, r, e) if e.full == full else (s * 0.95, f"{r}, article differs", e)
                    for s, r, e in scored
                ]
            self._title_cache[cache_key] = scored
        if not scored:
            return []
        return self._decide(self._with_episodes(scored, query))

    def _title_level(
        self, key: str, year: int | None, episode_like: bool
    ) -> list[tuple[float, str, KeyEntry]]:
        if not key:
            return []
        scored = self._exact(key, year, episode_like, "")
        if year is not None:
            # The "year" may belong to the title itself (`Blade.Runner.2049`, `1917`).
            scored += self._exact(f"{key} {year}", None, episode_like, ", year in title")
        words = key.rsplit(" ", 1)
        if len(words) == 2 and words[1] in _COUNTRY_SUFFIXES:
            # `The.Office.US`: the country tells remakes apart in names, catalogs often omit it.
            scored += [
                (score * 0.97, f"{reason}, without {words[1]}", entry)
                for score, reason, entry in self._exact(words[0], year, episode_like, "")
            ]
        best = max((s for s, *_ in scored), default=0.0)
        if best < self.policy.accept_score and len(key) >= self.policy.fuzzy_min_key_length:
            scored += self._fuzzy(key, year, episode_like)
        return scored

    def _exact(
        self, key: str, year: int | None, episode_like: bool, note: str
    ) -> list[tuple[float, str, KeyEntry]]:
        out = []
        for entry in self.index.by_key.get(key, ()):
            allowed, kind_factor = _kind_allowed(entry, episode_like)
            if not allowed:
                continue
            factor, year_note = year_factor(year, entry.year)
            # A title, original title or alias count the same: when one film's alias is another
            # film's original title, the name alone cannot tell them apart (kept as possible).
            out.append((factor * kind_factor, f"{entry.via}, {year_note}{note}", entry))
        return out

    def _fuzzy(
        self, key: str, year: int | None, episode_like: bool
    ) -> list[tuple[float, str, KeyEntry]]:
        hits = self._fuzzy_cache.get(key)
        if hits is None:
            choices = self.index.fuzzy_block(key)
            found = process.extract(
                key, choices, scorer=fuzz.ratio, limit=6, score_cutoff=self.policy.fuzzy_cutoff
            )
            hits = list({choice: float(score) for choice, score, _ in found}.items())
            self._fuzzy_cache[key] = hits
        out = []
        for choice, similarity in hits:
            for score, reason, entry in self._exact(choice, year, episode_like, ""):
                out.append((score * similarity / 100.0, f"fuzzy {similarity:.0f} {reason}", entry))
        return out

    def _with_episodes(
        self, scored: list[tuple[float, str, KeyEntry]], query: ReleaseQuery
    ) -> list[Candidate]:
        candidates: dict[str, Candidate] = {}
        for score, reason, entry in scored:
            season, episode, air_date = query.season, query.episode, None
            if entry.kind == "series" and query.episode_like:
                found = self._episode(entry.title_id, query)
                if found is not None:
                    season, episode = found
                    score = min(1.0, score + 0.05)
                    reason += ", episode in catalog"
                    if query.date is not None:
                        air_date = query.date
            previous = candidates.get(entry.title_id)
            if previous is None or score > previous.score:
                candidates[entry.title_id] = Candidate(
                    entry.title_id, "possible", round(score, 4), reason, season, episode, air_date
                )
        return sorted(candidates.values(), key=lambda c: (-c.score, c.title_id))

    def _episode(self, title_id: str, query: ReleaseQuery) -> tuple[int, int] | None:
        if query.date is not None:
            return self.index.episodes_by_air_date.get((title_id, query.date))
        if query.season is not None and query.episode is not None:
            pair = (query.season, query.episode)
            return pair if pair in self.index.episodes.get(title_id, ()) else None
        if query.absolute and query.episode is not None:
            ordered = self.index.absolute_order(title_id)
            if 0 < query.episode <= len(ordered):
                return ordered[query.episode - 1]
        return None

    def _decide(self, candidates: list[Candidate]) -> list[Candidate]:
        if not candidates:
            return []
        top = candidates[0]
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        kept = candidates[: self.policy.max_possible]
        if top.score >= self.policy.accept_score and top.score - runner_up >= self.policy.margin:
            matched = Candidate(
                top.title_id,
                "matched",
                top.score,
                top.reason,
                top.season,
                top.episode,
                top.air_date,
            )
            return [matched]  # alternatives of an asserted match are not kept
        if len(candidates) > 1 and top.score >= self.policy.accept_score:
            note = f"ambiguous: {len(candidates)} candidates"
            return [
                Candidate(
                    c.title_id,
                    "possible",
                    c.score,
                    f"{note}; {c.reason}",
                    c.season,
                    c.episode,
                    c.air_date,
                )
                for c in kept
            ]
        return kept
