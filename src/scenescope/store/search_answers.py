"""Pages the search index has answered, kept until a write could change them.

Under a live feed the index commits every half second, so answers kept per commit would
hardly ever be asked again. A page of a search changes only when a release written since
was on it (its state moved) or matches the search now (it may enter it); the index hands
every commit's documents to `invalidate`, which drops exactly those pages. The rest keep
answering: a word search is not recomputed because a release with other words came in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

KEPT = 512  # pages kept, the least recently asked dropped first


@dataclass(frozen=True, slots=True)
class Written:
    """What a search can select of one written document."""

    release_id: int
    tokens: frozenset[str]
    group_key: str | None
    category_key: str | None
    status: str
    pre_at: int

    @classmethod
    def of(cls, fields: dict[str, Any]) -> Written:
        return cls(
            fields["release_id"],
            frozenset(fields["tokens"]),
            fields.get("group_key"),
            fields.get("category_key"),
            fields["status"],
            fields["pre_at"],
        )

    def terms(self) -> list[tuple[str, str]]:
        """The (field, value) terms a search could ask of it."""
        found = [("tokens", token) for token in self.tokens]
        if self.group_key is not None:
            found.append(("group_key", self.group_key))
        if self.category_key is not None:
            found.append(("category_key", self.category_key))
        found.append(("status", self.status))
        return found

    def selected(self, terms: tuple[tuple[str, str], ...], low: int, high: int | None) -> bool:
        """Whether a search for `terms` with pre times in [low, high] selects it."""
        if self.pre_at < low or (high is not None and self.pre_at > high):
            return False
        for field, value in terms:
            if field == "tokens":
                if value not in self.tokens:
                    return False
            elif field == "group_key":
                if self.group_key != value:
                    return False
            elif field == "category_key":
                if self.category_key != value:
                    return False
            elif field == "status" and self.status != value:
                return False
        return True


@dataclass(frozen=True, slots=True)
class _Page:
    hits: list[Any]
    ids: frozenset[int]


class Answers:
    """Search pages by (terms, low, high, limit), valid for the index state named by
    `epoch`: a page computed on a searcher older than the last invalidation is not kept."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[Any, ...], _Page] = OrderedDict()
        self._lock = threading.Lock()
        self.epoch = 0

    def read(self, current: Callable[[], T]) -> tuple[int, T]:
        """The epoch and `current()` (the searcher) as one consistent pair."""
        with self._lock:
            return self.epoch, current()

    def get(self, key: tuple[Any, ...]) -> list[Any] | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            self._pages.move_to_end(key)
            return list(page.hits)

    def put(self, key: tuple[Any, ...], epoch: int, hits: list[Any]) -> None:
        """Keep `hits` for `key` if nothing was invalidated since `epoch` was read."""
        with self._lock:
            if epoch != self.epoch:
                return
            self._pages[key] = _Page(list(hits), frozenset(h.release_id for h in hits))
            while len(self._pages) > KEPT:
                self._pages.popitem(last=False)

    def invalidate(self, written: list[Written] | None, swap: Any) -> None:
        """Drop the pages `written` could change (all of them if None), calling `swap()` (the
        searcher's replacement) under the same lock, so no page of the old one slips in."""
        with self._lock:
            swap()
            self.epoch += 1
            if written is None:
                self._pages.clear()
                return
            ids = {w.release_id for w in written}
            # the written documents by each term they have: a page's candidates are those of
            # its rarest term (a live feed's new names seldom share a kept search's words)
            having: dict[tuple[str, str], list[Written]] = {}
            for w in written:
                for term in w.terms():
                    having.setdefault(term, []).append(w)
            stale = []
            for key, page in self._pages.items():
                terms, low, high = key[0], key[1], key[2]
                candidates = min((having.get(t, []) for t in terms), key=len) if terms else written
                if not ids.isdisjoint(page.ids) or any(
                    w.selected(terms, low, high) for w in candidates
                ):
                    stale.append(key)
            for key in stale:
                del self._pages[key]
