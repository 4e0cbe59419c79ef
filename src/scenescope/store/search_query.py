"""One search of the search index: the newest page of releases matching terms and a range of
pre times (see `search_index` for why it looks at the latest weeks first)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import tantivy

from scenescope.store.queries import SearchHit

WEEK_US = 7 * 86_400 * 1_000_000
NO_PRE = -(2**62)  # the order key of a release without a trusted pre: after every other
# a term in fewer documents than this is searched in the whole range at once
RARE_TERM = 20_000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def page(
    searcher: Any,
    schema: tantivy.Schema,
    terms: list[tuple[str, str]],
    low: int | None,
    high: int | None,
    limit: int,
    weeks_newest: list[tuple[int, int]],
) -> list[SearchHit]:
    """The first `limit` releases having every (field, value) of `terms`, pre times in
    [low, high] (µs; None: open), newest first; `weeks_newest`: (pre week, documents)."""
    must = [tantivy.Query.term_query(schema, field, value) for field, value in terms]
    for start in _windows(searcher, terms, limit, low, high, weeks_newest):
        window = pre_range(schema, start if low is None else max(low, start), high)
        docs = _page(searcher, schema, _all([*must, window]), limit)
        if len(docs) >= limit:
            return _hits(docs)
    if low is not None or high is not None:
        must.append(pre_range(schema, NO_PRE + 1 if low is None else low, high))
    return _hits(_page(searcher, schema, _all(must), limit))


def pre_range(schema: tantivy.Schema, low: int | None, high: int | None) -> tantivy.Query:
    """Documents with pre times (µs) in [low, high]."""
    return tantivy.Query.range_query(schema, "pre_at", tantivy.FieldType.Integer, low, high)


def _all(must: list[tantivy.Query]) -> tantivy.Query:
    if not must:
        return tantivy.Query.all_query()
    if len(must) == 1:
        return must[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])


def _page(searcher: Any, schema: tantivy.Schema, query: tantivy.Query, limit: int) -> list[Any]:
    """The documents of the first `limit` matches by (pre time, release id), newest first."""
    found = searcher.search(query, limit=limit + 1, count=False, order_by_field="pre_at").hits
    keyed = [(k, a) for k, a in found[:limit]]
    if len(found) > limit and found[limit][0] == found[limit - 1][0]:
        # matches beyond the page share the last pre time: those go by release id
        edge = keyed[-1][0]
        keyed = [(k, a) for k, a in keyed if k > edge]
        tied = _all([query, pre_range(schema, edge, edge)])
        ties = searcher.search(
            tied, limit=limit - len(keyed), count=False, order_by_field="release_id"
        ).hits
        keyed += [(edge, a) for _, a in ties]
    docs = [searcher.doc(address) for _, address in keyed]
    return sorted(
        docs, key=lambda d: (d.get_first("pre_at"), d.get_first("release_id")), reverse=True
    )


def _hits(docs: list[Any]) -> list[SearchHit]:
    hits = []
    for doc in docs:
        key = doc.get_first("pre_at")
        hits.append(
            SearchHit(
                release_id=doc.get_first("release_id"),
                name=doc.get_first("name"),
                group=doc.get_first("group_name"),
                category=doc.get_first("category"),
                pre_at=None if key == NO_PRE else EPOCH + dt.timedelta(microseconds=key),
                status=doc.get_first("status"),
                nuke_reason=doc.get_first("nuke_reason"),
                feeds=doc.get_first("feeds"),
            )
        )
    return hits


def _windows(
    searcher: Any,
    terms: list[tuple[str, str]],
    limit: int,
    low: int | None,
    high: int | None,
    weeks_newest: list[tuple[int, int]],
) -> list[int]:
    """Where to start looking (pre times, newest first) before the whole range: the latest
    weeks expected to hold twice the page (from how common each term is), then eight times
    as many each time, up to a quarter of the index. None when a term is rare enough that
    the whole range costs less."""
    total = max(1, int(searcher.num_docs))
    density = 1.0
    for field, value in terms:
        matches = int(searcher.doc_freq(field, value))
        if matches <= RARE_TERM:
            return []
        density *= matches / total
    need = 2 * limit / density
    last = None if high is None else high // WEEK_US
    floor = None if low is None else low // WEEK_US
    starts: list[int] = []
    held = 0
    for week, count in weeks_newest:
        if last is not None and week > last:
            continue
        if floor is not None and week <= floor:
            break  # what is left is the range itself: the last search is as narrow
        held += count
        if held > total // 4:
            break
        if held >= need:
            starts.append(week * WEEK_US)
            need *= 8
    return starts
