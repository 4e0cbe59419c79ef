"""The FastAPI application: state, lifespan (feeds, live hub), security headers, errors.

`create_app(store, options)` builds the app over one open store. The process owns the store
(DuckDB allows one writer): `options.watch` feeds run inside it, analyses run in worker
threads on their own cursors, and the event loop only routes requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from scenescope.feeds.base import Feed
from scenescope.web.auth import AuthError, RateLimiter, Sessions
from scenescope.web.cache import AnalysisCache, StoreVersion
from scenescope.web.live import LiveHub
from scenescope.web.safety import clipped, visible
from scenescope.web.tables import QueryError
from scenescope.web.tokens import TokenBook

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@dataclass(frozen=True, slots=True)
class WebOptions:
    """How the workbench runs (the `serve` command's options)."""

    feeds: Sequence[Feed] = ()
    alerts: Any = None  # an alerts.rules.AlertConfig: rules shown, and run on watched pres
    rate_per_second: float = 20.0  # per token
    rate_burst: int = 60
    secret: str | None = None  # session signing key (default: random per process)
    workers: int = 4
    secure_cookies: bool = False  # set when served over TLS / behind an HTTPS proxy
    live_match: bool = True
    search_index: bool = True  # build / catch up the store's search index while serving
    # DuckDB's threads while serving (None: one core fewer than the machine has, at least
    # one): an analysis of a big store recomputed in the background must not take the core
    # the event loop answers requests on (on 2 cores it stalled every request for seconds)
    database_threads: int | None = None


@dataclass(slots=True)
class WebState:
    store: Any  # scenescope.store.Store
    options: WebOptions
    tokens: TokenBook
    sessions: Sessions
    limiter: RateLimiter
    version: StoreVersion
    cache: AnalysisCache
    hub: LiveHub
    templates: Jinja2Templates
    watcher: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def live_health(self) -> list[dict[str, Any]]:
        if self.watcher is None:
            return []
        return [h.to_dict() for h in self.watcher.health()]


def merge_query(query: dict[str, str], **changes: object) -> str:
    """The page's query string with some parameters changed (None removes one)."""
    from urllib.parse import urlencode

    merged = {k: v for k, v in query.items() if v not in ("", None)}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return urlencode(merged)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.autoescape = True
    env.filters["visible"] = visible
    env.filters["clip"] = clipped
    from scenescope.web.pages import link_for

    env.globals["link_for"] = link_for
    env.filters["merge_query"] = merge_query
    return templates


_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Adds the security headers to every response a route did not set them on (CSP
    everywhere but the API docs page). A plain ASGI middleware: Starlette's
    BaseHTTPMiddleware runs each request in a task of its own, a cost on every request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = list(_SECURITY_HEADERS)
        if not scope["path"].startswith("/api/docs"):
            wanted.append((b"content-security-policy", CSP.encode()))

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in wanted if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(store: Any, options: WebOptions | None = None) -> FastAPI:
    """The workbench over an open, writable `Store`."""
    options = options or WebOptions()
    engine = store.engine
    version = StoreVersion(engine)
    cache = AnalysisCache(engine, version, workers=options.workers)
    state = WebState(
        store=store,
        options=options,
        tokens=TokenBook(store.connection.cursor()),
        sessions=Sessions(options.secret or secrets.token_urlsafe(32)),
        limiter=RateLimiter(options.rate_per_second, options.rate_burst),
        version=version,
        cache=cache,
        hub=LiveHub(cache, match=options.live_match and options.alerts is None),
        templates=_templates(),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await state.hub.start()
        async with _database_threads(state), _indexing(state), _watching(state):
            yield
        await state.hub.stop()
        cache.close()

    app = FastAPI(
        title="scenescope workbench",
        version="1",
        summary="Release intelligence over public Scene metadata. Metadata only: never content.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        headers: dict[str, str] = {}
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="scenescope"'
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message}, exc.status, headers=headers)
        from scenescope.web.pages import error_page

        return error_page(request, exc.status, exc.message, headers=headers)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, 400)
        from scenescope.web.pages import error_page

        return error_page(request, 400, str(exc))

    from scenescope.web import api, pages

    app.include_router(api.router)
    app.include_router(api.analysis_router())
    app.include_router(pages.router)
    app.include_router(pages.analysis_pages())
    return app


@contextlib.asynccontextmanager
async def _database_threads(state: WebState) -> AsyncIterator[None]:
    """DuckDB on `database_threads` threads while serving, as it was afterwards."""
    conn = state.store.connection
    before = int(conn.execute("SELECT current_setting('threads')").fetchall()[0][0])
    wanted = state.options.database_threads or max(1, (os.cpu_count() or 2) - 1)
    conn.execute(f"SET threads = {int(wanted)}")
    try:
        yield
    finally:
        conn.execute(f"SET threads = {before}")


@contextlib.asynccontextmanager
async def _indexing(state: WebState) -> AsyncIterator[None]:
    """Build or catch up the search index in a thread while serving: searches use the SQL
    until it is ready, then the index (which follows every write of this process)."""
    import threading

    if not state.options.search_index:
        yield
        return
    stop = threading.Event()
    log = logging.getLogger("uvicorn.error")

    class Stopped(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if stop.is_set():
            raise Stopped
        log.info("search index: %s of %s releases indexed", f"{done:,}", f"{total:,}")

    cursor = state.store.connection.cursor()  # made here: the store's own is shared

    def build() -> None:
        started = time.perf_counter()
        try:
            index = state.store.use_search_index(create=True, progress=progress, connection=cursor)
        except Stopped:
            return
        except Exception as exc:  # searches keep reading the store: say why, go on serving
            log.warning("no search index (searches read the store): %s", exc)
            return
        if index is not None:
            log.info(
                "search index ready: %s releases (%.1f s)",
                f"{index.documents:,}",
                time.perf_counter() - started,
            )

    thread = threading.Thread(target=build, name="scenescope search index", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        await asyncio.to_thread(thread.join, 60)


@contextlib.asynccontextmanager
async def _watching(state: WebState) -> AsyncIterator[None]:
    """Run the `--watch` feeds in this process (with alert rules, if any) while serving."""
    import asyncio

    if not state.options.feeds:
        yield
        return
    from scenescope.alerts.watch_hook import watch_alerts
    from scenescope.feeds.watch import Watcher

    with watch_alerts(state.store, state.options.alerts) as on_alerts:

        def on_applied(batch: Any, committed_at: float) -> None:
            state.version.invalidate()
            if on_alerts is not None:
                on_alerts(batch, committed_at)

        state.watcher = Watcher(list(state.options.feeds), state.store, on_applied=on_applied)
        task = asyncio.create_task(state.watcher.run(), name="scenescope watch")
        try:
            yield
        finally:
            state.watcher.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=15)
