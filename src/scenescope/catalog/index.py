"""The in-memory catalog index the matcher looks titles up in.

Every title, original title and alias is reduced to its normalized key (`normalize.title_key`);
keys are also indexed by word and prefix so fuzzy comparison only runs inside small blocks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from scenescope.catalog.normalize import full_key, key_tokens, title_key
from scenescope.catalog.records import CatalogTitle, Episode

PREFIX_LENGTH = 4


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One way of naming a catalog title: which title, and whether it is the title, an alias..."""

    title_id: str
    kind: str  # movie / series
    year: int | None
    via: str  # title / original title / alias
    full: str = ""  # the name's full key, leading article included


@dataclass(slots=True)
class CatalogIndex:
    """Lookup structures over the catalog: key -> titles, word -> keys, episodes per title."""

    by_key: dict[str, list[KeyEntry]] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    keys_by_token: dict[str, list[str]] = field(default_factory=dict)
    keys_by_prefix: dict[str, list[str]] = field(default_factory=dict)
    episodes: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    episodes_by_air_date: dict[tuple[str, dt.date], tuple[int, int]] = field(default_factory=dict)
    title_count: int = 0
    _absolute: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, titles: Iterable[CatalogTitle], episodes: Iterable[Episode] = ()
    ) -> CatalogIndex:
        index = cls()
        by_key: dict[str, list[KeyEntry]] = defaultdict(list)
        for title in titles:
            index.title_count += 1
            names = [(title.title, "title")]
            if title.original_title:
                names.append((title.original_title, "original title"))
            names.extend((alias, "alias") for alias in title.aliases)
            seen: set[str] = set()
            for name, via in names:
                key = title_key(name)
                if key and key not in seen:
                    seen.add(key)
                    entry = KeyEntry(title.title_id, title.kind, title.year, via, full_key(name))
                    by_key[key].append(entry)
        index.by_key = dict(by_key)
        index.keys = list(index.by_key)
        tokens: dict[str, list[str]] = defaultdict(list)
        prefixes: dict[str, list[str]] = defaultdict(list)
        for key in index.keys:
            for token in set(key_tokens(key)):
                tokens[token].append(key)
            prefixes[key[:PREFIX_LENGTH]].append(key)
        index.keys_by_token = dict(tokens)
        index.keys_by_prefix = dict(prefixes)
        index._add_episodes(episodes)
        return index

    def _add_episodes(self, episodes: Iterable[Episode]) -> None:
        numbers: dict[str, set[tuple[int, int]]] = defaultdict(set)
        airings: dict[tuple[str, dt.date], list[tuple[str, int, int]]] = defaultdict(list)
        first_aired: dict[tuple[str, int, int], dt.date] = {}
        aired: list[tuple[Episode, dt.date]] = []
        for ep in episodes:
            numbers[ep.title_id].add((ep.season, ep.episode))
            if ep.air_date is not None:
                aired.append((ep, ep.air_date))
        for ep, air_date in aired:
            airings[(ep.title_id, air_date)].append((ep.territory, ep.season, ep.episode))
            number = (ep.title_id, ep.season, ep.episode)
            first_aired[number] = min(first_aired.get(number, air_date), air_date)
        premieres: dict[tuple[str, str], int] = defaultdict(int)
        for ep, air_date in aired:
            if air_date == first_aired[(ep.title_id, ep.season, ep.episode)]:
                premieres[(ep.title_id, ep.territory)] += 1
        for (title_id, air_date), found in airings.items():
            # A date names the episode its home broadcaster aired that day: when territories
            # aired different episodes on one date, the territory that most often airs the
            # series' episodes first wins (ties: alphabetical territory, earlier episode).
            _territory, season, episode = min(
                found, key=lambda a: (-premieres[(title_id, a[0])], a[0], a[1], a[2])
            )
            self.episodes_by_air_date[(title_id, air_date)] = (season, episode)
        self.episodes = dict(numbers)

    def absolute_order(self, title_id: str) -> list[tuple[int, int]]:
        """The series' regular episodes in airing order, for absolute numbering (specials,
        season 0, are not counted)."""
        ordered = self._absolute.get(title_id)
        if ordered is None:
            ordered = sorted(p for p in self.episodes.get(title_id, ()) if p[0] > 0)
            self._absolute[title_id] = ordered
        return ordered

    def fuzzy_block(
        self, key: str, max_tokens: int = 2, max_list: int = 200, enough: int = 50
    ) -> list[str]:
        """Catalog keys worth comparing with `key` (may repeat a key): those sharing its rarest
        words, else its prefix (a one-word title with a typo). Words and prefixes shared by
        more than `max_list` keys do not block: they bring noise and cost what blocking saves."""
        by_token = self.keys_by_token
        tokens = [t for t in key.split() if 0 < len(by_token.get(t, ())) <= max_list]
        block: list[str] = []
        if tokens:
            tokens.sort(key=lambda t: len(by_token[t]))
            for token in tokens[:max_tokens]:
                block += by_token[token]
                if len(block) >= enough:
                    break
            return block
        prefix = self.keys_by_prefix.get(key[:PREFIX_LENGTH], [])
        return prefix if len(prefix) <= max_list else []
