"""predb.ovh API v1 over HTTP: a polite client (`/` search pages, `/live`, `/stats`), the
paged backfill by query and date range, and a `/live` poller usable as a watch feed.

URLs: `predb+https://HOST/api/v1/` (and `predb+http://` for loopback tests).

The public server answers every request with HTTP 200 and a `{status, message, data}`
envelope; a failure is `{"status": "error", "message": "...", "data": null}`, reported here as
a PredbError carrying the server's message (not retried: it answers the same next time).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import httpx

from scenescope.feeds.base import FeedHealth, HealthMeter
from scenescope.feeds.events import FeedEvent, PreReport, Reject
from scenescope.feeds.predb_ovh_rows import RowError, release_events_or_reject, response_rows
from scenescope.feeds.ratelimit import Backoff, RateLimit, TokenBucket

log = logging.getLogger(__name__)

MAX_PAGE_ROWS = 100  # predb.ovh caps `count`
SEARCH_LIMIT = RateLimit(30, 60.0)
LIVE_LIMIT = RateLimit(2, 20.0)
STATS_LIMIT = RateLimit(30, 60.0)  # undocumented: as `/` (the server caches it for 60 s)
_SCHEMES = {
    "predb+https://": "https://",
    "predb+http://": "http://",
    "predb+wss://": "https://",
    "predb+ws://": "http://",
}


def feed_label(url: str, channel: str) -> str:
    """Provenance name for a predb feed: `predb.ovh/ws`, `predb:127.0.0.1:8080/live` …

    `channel` is `ws`, `live` or `api` (backfill pages), so the same pre seen through the
    websocket and through REST counts as two reports, one per path it reached us by.
    """
    host = urlsplit(http_base_url(url)).netloc
    return f"{'predb.ovh' if host == 'predb.ovh' else f'predb:{host}'}/{channel}"


class PredbError(RuntimeError):
    """The server kept failing, or answered something that is not the predb.ovh protocol."""


@dataclass(frozen=True, slots=True)
class PredbLimits:
    """Documented server limits, and how hard to retry before giving up."""

    search: RateLimit = SEARCH_LIMIT
    live: RateLimit = LIVE_LIMIT
    max_attempts: int = 8
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    stats: RateLimit = STATS_LIMIT


@dataclass(frozen=True, slots=True)
class PredbStats:
    """`GET /stats`: releases indexed, the server's clock, and how long its index scan took."""

    total: int
    date: dt.datetime | None  # None when the server's date does not parse
    scan_seconds: float | None


@dataclass(frozen=True, slots=True)
class PredbPage:
    """One answer of `/` or `/live`: its raw rows and the server's totals."""

    rows: list[Any]
    total: int | None
    offset: int | None


def http_base_url(url: str) -> str:
    """`predb+https://host/api/v1/...` → `https://host/api/v1/` (the API root)."""
    prefix = next((p for p in _SCHEMES if url.startswith(p)), None)
    if prefix is None:
        raise ValueError(f"not a predb URL (predb+https://HOST/api/v1/): {url!r}")
    scheme, rest = _SCHEMES[prefix], url[len(prefix) :]
    root = rest.split("?", 1)[0].rstrip("/")
    for tail in ("/ws", "/live"):
        if root.endswith(tail):
            root = root[: -len(tail)]
    return f"{scheme}{root}/"


class PredbRestClient:
    """GETs against predb.ovh with a token bucket per endpoint and retries with backoff."""

    def __init__(
        self,
        url: str,
        *,
        limits: PredbLimits | None = None,
        http: httpx.AsyncClient | None = None,
        meter: HealthMeter | None = None,
    ) -> None:
        self.base_url = http_base_url(url)
        self.limits = limits or PredbLimits()
        self._http = http or httpx.AsyncClient(timeout=30.0, headers={"User-Agent": "scenescope"})
        self._buckets = {
            "": TokenBucket(self.limits.search),
            "live": TokenBucket(self.limits.live),
            "stats": TokenBucket(self.limits.stats),
        }
        self.feed = feed_label(url, "api")
        self.meter = meter or HealthMeter(self.feed)
        self.requests_sent = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def search(self, query: str = "", page: int = 1, count: int = MAX_PAGE_ROWS) -> PredbPage:
        """One page of `GET /?q=&page=&count=` (newest pre first)."""
        params = {"q": query, "page": str(page), "count": str(min(count, MAX_PAGE_ROWS))}
        return await self._get("", params)

    async def live(self) -> PredbPage:
        """`GET /live`: the latest pres."""
        return await self._get("live", {})

    async def stats(self) -> PredbStats:
        """`GET /stats`: a cheap check that the server and its index answer."""
        response = await self._fetch("stats", {})
        data = _data(response)
        if not isinstance(data, dict) or not _is_int(data.get("total")):
            raise PredbError(f"{response.url}: not a predb.ovh stats answer: {data!r:.200}")
        scan = data.get("time")
        return PredbStats(
            total=data["total"],
            date=_rfc3339(data.get("date")),
            scan_seconds=float(scan) if _is_number(scan) else None,
        )

    async def _get(self, endpoint: str, params: dict[str, str]) -> PredbPage:
        return _page(await self._fetch(endpoint, params))

    async def _fetch(self, endpoint: str, params: dict[str, str]) -> httpx.Response:
        backoff = Backoff(self.limits.backoff_base_seconds, self.limits.backoff_cap_seconds)
        bucket = self._buckets[endpoint]
        last_problem = ""
        for attempt in range(1, self.limits.max_attempts + 1):
            await bucket.acquire()
            self.requests_sent += 1
            try:
                response = await self._http.get(self.base_url + endpoint, params=params)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                self.meter.error()
                self._say_retrying(endpoint, last_problem, attempt)
                await backoff.wait()
                continue
            if response.status_code == 429:
                retry_after = _retry_after_seconds(response)
                last_problem = "429 rate limited"
                self.meter.error()
                self._say_retrying(endpoint, last_problem, attempt)
                delay = retry_after if retry_after is not None else backoff.next_delay()
                bucket.hold_until(delay)
                continue
            if response.status_code >= 500:
                last_problem = f"HTTP {response.status_code}"
                self.meter.error()
                self._say_retrying(endpoint, last_problem, attempt)
                await backoff.wait()
                continue
            if response.status_code != 200:
                raise PredbError(
                    f"{response.url}: HTTP {response.status_code}: {response.text[:200]}"
                )
            return response
        raise PredbError(
            f"{self.base_url}{endpoint}: gave up after "
            f"{self.limits.max_attempts} attempts ({last_problem})"
        )

    def _say_retrying(self, endpoint: str, problem: str, attempt: int) -> None:
        """A user waiting on retries sees why (the last try raises PredbError instead)."""
        if attempt < self.limits.max_attempts:
            log.warning(
                "%s%s: %s; retrying (%d of %d tries)",
                self.base_url, endpoint, problem, attempt + 1, self.limits.max_attempts,
            )  # fmt: skip


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rfc3339(value: object) -> dt.datetime | None:
    """The server's `date` (Go's RFC 3339 with up to nine fraction digits) as a UTC time."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python reads at most six fraction digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else None


def _document(response: httpx.Response) -> Any:
    """The JSON body; a `{"status": "error"}` envelope (sent with HTTP 200) is a PredbError."""
    try:
        document = json.loads(response.content)
    except ValueError as exc:
        raise PredbError(f"{response.url}: not a predb.ovh response: {exc}") from exc
    if isinstance(document, dict) and document.get("status") == "error":
        message = document.get("message")
        raise PredbError(f"{response.url}: the server says: {message or 'error'!s:.200}")
    return document


def _data(response: httpx.Response) -> Any:
    document = _document(response)
    return document.get("data") if isinstance(document, dict) else None


def _page(response: httpx.Response) -> PredbPage:
    document = _document(response)
    try:
        rows = response_rows(document)
    except RowError as exc:
        raise PredbError(f"{response.url}: not a predb.ovh response: {exc}") from exc
    data = document.get("data") if isinstance(document, dict) else None
    total = data.get("total") if isinstance(data, dict) else None
    offset = data.get("offset") if isinstance(data, dict) else None
    return PredbPage(
        rows=rows,
        total=total if _is_int(total) else None,
        offset=offset if _is_int(offset) else None,
    )


@dataclass(frozen=True, slots=True)
class BackfillPage:
    """One fetched page of a backfill, converted and filtered to the date range."""

    page: int
    events: list[FeedEvent]
    rows_fetched: int
    last: bool  # the range is covered: no page after this one is needed
    total: int | None = None


@dataclass(frozen=True, slots=True)
class BackfillRange:
    """What to backfill: a predb.ovh query, optionally bounded by pre time (UTC)."""

    query: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    page_size: int = MAX_PAGE_ROWS
    max_pages: int | None = None

    def contains(self, at: dt.datetime) -> bool:
        if self.since is not None and at < self.since:
            return False
        return not (self.until is not None and at > self.until)


def _event_time(event: FeedEvent) -> dt.datetime | None:
    if isinstance(event, PreReport):
        return event.pre_at
    if isinstance(event, Reject):
        return None
    return event.at


async def backfill_pages(
    client: PredbRestClient,
    wanted: BackfillRange,
    *,
    start_page: int = 1,
    feed: str | None = None,
) -> AsyncIterator[BackfillPage]:
    """Walk `/?q=` pages from `start_page`, newest first, until the range is covered.

    predb.ovh has no date parameter, so the range is applied here: rows newer than `until`
    are skipped, and paging stops at the first page reaching back before `since`. New pres
    arriving during the walk push rows down to later pages, so a resumed walk may see a row
    twice (the store ignores the repeat) but never skips one.
    """
    feed = feed or client.feed
    page = start_page
    while True:
        result = await client.search(wanted.query, page, wanted.page_size)
        seen_at = dt.datetime.now(dt.UTC)
        events: list[FeedEvent] = []
        reached_since = False
        for row in result.rows:
            row_events = release_events_or_reject(
                row, feed=feed, seen_at=seen_at, source=f"{client.base_url} page {page}"
            )
            first = row_events[0]
            when = _event_time(first)
            if when is not None and isinstance(first, PreReport):
                if wanted.since is not None and when < wanted.since:
                    reached_since = True
                if not wanted.contains(when):
                    continue
            events.extend(row_events)
        last = len(result.rows) < wanted.page_size or reached_since
        yield BackfillPage(
            page=page, events=events, rows_fetched=len(result.rows), last=last, total=result.total
        )
        # `max_pages` pauses the walk without finishing it: the cursor resumes from here.
        if last or (wanted.max_pages is not None and page - start_page + 1 >= wanted.max_pages):
            return
        page += 1


@dataclass
class LivePoller:
    """A watch feed over REST only: polls `/live` as often as its rate limit allows."""

    url: str
    limits: PredbLimits = field(default_factory=PredbLimits)
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or feed_label(self.url, "live")
        self.meter = HealthMeter(self.name)
        self.client = PredbRestClient(self.url, limits=self.limits, meter=self.meter)

    def health(self) -> FeedHealth:
        return self.meter.snapshot()

    async def events(self) -> AsyncIterator[FeedEvent]:
        try:
            while True:
                try:
                    result = await self.client.live()
                except PredbError as exc:
                    self.meter.connected = False
                    log.warning("%s: %s", self.name, exc)
                    await asyncio.sleep(self.limits.live.per_seconds / self.limits.live.requests)
                    continue
                self.meter.connected = True
                seen_at = dt.datetime.now(dt.UTC)
                for row in result.rows:
                    for event in release_events_or_reject(
                        row, feed=self.name, seen_at=seen_at, source=f"{self.client.base_url}live"
                    ):
                        self.meter.frame(_event_time(event))
                        if isinstance(event, Reject):
                            self.meter.error()
                        yield event
        finally:
            await self.client.aclose()
