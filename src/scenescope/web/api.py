"""`/api/v1`: JSON over the same library calls the CLI makes; pages of table views, ETags,
CSV / Parquet downloads, the live stream and token administration.

Every route declares the role it needs (`require`): analyst for reading, viewer for the live
stream the dashboard uses, admin for tokens.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from scenescope.engine import Engine
from scenescope.web import data
from scenescope.web.auth import Principal, require
from scenescope.web.cache import served_stale
from scenescope.web.live import sse
from scenescope.web.tables import Page, QueryError, csv_bytes, etag, parquet_bytes, select
from scenescope.web.tokens import Role, TokenError
from scenescope.web.views import AnalysisView, families_result, registered_views, trace_result

router = APIRouter(prefix="/api/v1")
ANALYST = Depends(require(Role.analyst))
VIEWER = Depends(require(Role.viewer))
ADMIN = Depends(require(Role.admin))
SEARCH_MAX_ROWS = 10_000
KEEPALIVE_SECONDS = 15.0


def state_of(request: Request) -> Any:
    return request.app.state.web


async def view_table(request: Request, view: AnalysisView) -> pa.Table:
    """The view's whole table for the current store version (computed once, in a worker)."""
    table: pa.Table = await state_of(request).cache.get(f"view:{view.name}", view.table)
    return table


async def conditional(
    request: Request,
    build: Callable[[], Awaitable[Response]],
    *parts: object,
    version: str | None = None,
) -> Response:
    """Answer 304 when the client's ETag is current, else build the response and tag it
    (`version`: what the answer depends on, the store's version unless given)."""
    state = state_of(request)
    if version is None:
        version = await asyncio.get_running_loop().run_in_executor(None, state.version.current)
    query = sorted(request.query_params.multi_items())
    tag = etag(version, request.url.path, query, *parts)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    served_stale.set(False)
    response = await build()
    response.headers["Cache-Control"] = "private, no-cache"
    if served_stale.get():  # an older version's answer, the current one being computed
        response.headers["X-Scenescope-Stale"] = "1"
    else:
        response.headers["ETag"] = tag
    return response


def page_body(view_name: str, page: Page, request: Request) -> dict[str, Any]:
    base = str(request.url.path)
    return {
        "view": view_name,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "items": data.jsonable(page.items()),
        "links": {"csv": f"{base}.csv", "parquet": f"{base}.parquet"},
    }


def _view_routes(views: APIRouter, view: AnalysisView) -> None:
    filters = "; ".join(f"`{f.name}`: {f.help}" for f in view.filters)
    doc = (
        f"{view.summary}\n\nFilters: {filters or 'none'}; `sort` (column, `-` for descending), "
        f"`page`, `per_page`.\n\nMethod: {view.method}"
    )
    role = Depends(require(view.api_role))

    async def listing(request: Request, _: Principal = role) -> Response:
        async def build() -> Response:
            table = await view_table(request, view)
            page = view.select(table, request.query_params)
            return JSONResponse(page_body(view.name, page, request))

        return await conditional(request, build)

    async def download_csv(request: Request, _: Principal = role) -> Response:
        table = await view_table(request, view)
        chosen = view.select(table, request.query_params).table
        return Response(
            csv_bytes(chosen),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{view.name}.csv"'},
        )

    async def download_parquet(request: Request, _: Principal = role) -> Response:
        table = await view_table(request, view)
        chosen = view.select(table, request.query_params).table
        return Response(
            parquet_bytes(chosen),
            media_type="application/vnd.apache.parquet",
            headers={"Content-Disposition": f'attachment; filename="{view.name}.parquet"'},
        )

    tags: list[str | Enum] = ["analyses"]
    views.add_api_route(
        f"/{view.name}",
        listing,
        methods=["GET"],
        summary=view.title,
        description=doc,
        tags=tags,
    )
    views.add_api_route(
        f"/{view.name}.csv",
        download_csv,
        methods=["GET"],
        summary=f"{view.title} (CSV)",
        tags=tags,
    )
    views.add_api_route(
        f"/{view.name}.parquet",
        download_parquet,
        methods=["GET"],
        summary=f"{view.title} (Parquet)",
        tags=tags,
    )


# --- releases, titles, groups, accounts ----------------------------------------------------


def _when(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"{name}={value!r}: expected a date such as 2020-08-25") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def search_releases(search: Callable[..., list[Any]], query: Any) -> dict[str, Any]:
    """One page of a release search (words, group, category, since, until, nuked): `search`
    is the store's search index or `store.queries.search` on a connection (the same answer)."""
    from scenescope.web.tables import DEFAULT_PER_PAGE, MAX_PER_PAGE, _int_param

    per_page = _int_param(query, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = _int_param(query, "page", 1, 1, SEARCH_MAX_ROWS // per_page or 1)
    hits = search(
        query.get("q") or "",
        group=query.get("group") or None,
        category=query.get("category") or None,
        since=_when(query.get("since"), "since"),
        until=_when(query.get("until"), "until"),
        nuked=(query.get("nuked") or "").lower() in ("1", "true", "yes"),
        limit=page * per_page + 1,
    )
    items = [h.to_dict() for h in hits[(page - 1) * per_page : page * per_page]]
    return {
        "page": page,
        "per_page": per_page,
        "has_more": len(hits) > page * per_page,
        "items": items,
    }


async def search_page(request: Request, query: dict[str, str]) -> dict[str, Any]:
    """A page of release search for the API and the pages: from the store's search index
    when it is ready (a few milliseconds, no store cursor), else with the SQL, cached per
    store version (the same search on the same version is the same page)."""
    from functools import partial

    from scenescope.store.queries import search

    state = state_of(request)
    index = state.store.search_index
    if index is not None:
        # the same search on the same index state is the same page: a burst computes it once
        shared = f"search:{index.generation}:{json.dumps(sorted(query.items()))}"
        return await state.cache.call(lambda: search_releases(index.search, query), shared=shared)
    key = "search:" + json.dumps(sorted(query.items()))
    return await state.cache.get(
        key, lambda e: search_releases(partial(search, e.connection), query), fresh=True
    )


@router.get("/releases", tags=["releases"], summary="Search releases")
async def releases(request: Request, _: Principal = ANALYST) -> Response:
    """Releases whose name holds every word of `q` (name tokens), filtered by `group`,
    `category`, `since`, `until`, `nuked`; newest pre first; `page`, `per_page`."""
    query = dict(request.query_params)

    async def build() -> Response:
        return JSONResponse(await search_page(request, query))

    # answered from the search index, the page depends on its state, not the store's count
    index = state_of(request).store.search_index
    version = None if index is None else f"search-index:{index.path}:{index.generation}"
    return await conditional(request, build, version=version)


@router.get("/releases/{name:path}", tags=["releases"], summary="One release")
async def release(request: Request, name: str, _: Principal = ANALYST) -> Response:
    """Parsed fields, every feed's report, nukes, state, matched title, sightings."""
    detail = await state_of(request).cache.run(lambda e: data.release_detail(e, name))
    if detail is None:
        return JSONResponse({"error": "no release of that name in the store"}, 404)
    return JSONResponse(detail)


@router.get("/titles", tags=["titles"], summary="Catalog titles")
async def titles(request: Request, _: Principal = ANALYST) -> Response:
    """Titles with matched releases and leak counts; `q` (words of the title), `studio`."""
    from scenescope.web.tables import Filter, rows_table

    async def build() -> Response:
        table = await state_of(request).cache.get(
            "titles", lambda e: rows_table(data.titles_table(e))
        )
        filters = (Filter("q", "title", "contains", ""), Filter("studio", "studio", "contains", ""))
        page = select(table, filters, request.query_params)
        return JSONResponse(page_body("titles", page, request))

    return await conditional(request, build)


@router.get("/titles/{title_id}", tags=["titles"], summary="A title and its timeline")
async def title(request: Request, title_id: str, _: Principal = ANALYST) -> Response:
    detail = await state_of(request).cache.get(
        f"title:{title_id}", lambda e: data.title_timeline(e, title_id)
    )
    if detail is None:
        return JSONResponse({"error": f"no title {title_id!r} in the catalog"}, 404)
    return JSONResponse(detail)


async def group_record(request: Request, name: str) -> dict[str, Any] | None:
    """A group's profile and race record, its family and successor candidates."""
    state = state_of(request)
    detail = await state.cache.get(f"group:{name.lower()}", lambda e: data.group_detail(e, name))
    if detail is None:
        return None
    key = name.strip().lower()
    families = await state.cache.get("families", families_result)
    family = families.family_of(key)
    successors_view = registered_views()["successors"]
    table = await state.cache.get(f"view:{successors_view.name}", successors_view.table)
    rows = [
        r
        for r in table.to_pylist()
        if key in (str(r["predecessor"]).lower(), str(r["successor"]).lower())
    ]
    return {
        **detail,
        "family": family.to_dict() if family else None,
        "successors": data.jsonable(rows),
    }


@router.get("/groups/{name}", tags=["groups"], summary="One group")
async def group(request: Request, name: str, _: Principal = ANALYST) -> Response:
    """Profile, race record and races, family, successor candidates."""
    detail = await group_record(request, name)
    if detail is None:
        return JSONResponse({"error": f"no releases by group {name!r} in the store"}, 404)
    return JSONResponse(detail)


@router.get("/races", tags=["groups"], summary="Races of a title or group")
async def races(
    request: Request, title: str = "", group: str = "", _: Principal = ANALYST
) -> Response:
    from scenescope.analysis.race import RaceParams, Races

    if not title and not group:
        raise QueryError("give title= or group=")
    params = RaceParams(title=title or None, group=group or None)
    result = await state_of(request).cache.get(
        f"races:{title}:{group}", lambda e: Races().fit(e, params)
    )
    return JSONResponse({"races": [r.to_dict() for r in result.races]})


async def impact_study(request: Request) -> Any:
    """The impact study of `event` (YYYY-MM-DD) for `groups` (comma-separated; default: the
    inferred family that went quietest across the day) and `category` prefixes."""
    from scenescope.analysis.impact_targets import study

    query = request.query_params
    text = (query.get("event") or "").strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"event={text!r}: expected a date, YYYY-MM-DD") from None
    chosen = [g.strip() for g in (query.get("groups") or "").split(",") if g.strip()]
    categories = [c.strip() for c in (query.get("category") or "").split(",") if c.strip()]
    key = f"impact-study:{day}:{','.join(chosen)}:{','.join(categories)}"

    def compute(engine: Engine) -> Any:
        return study(engine, day, chosen or None, categories=categories)

    try:
        return await state_of(request).cache.get(key, compute, fresh=True)
    except ValueError as exc:
        raise QueryError(f"impact of {day}: {exc}") from None


@router.get("/impact/study", tags=["analyses"], summary="One event's impact study")
async def impact_study_json(request: Request, _: Principal = ANALYST) -> Response:
    """Weekly observed vs counterfactual with intervals, the removal vs the chill, who filled
    the gap, who came back, the lower tiers; `event`, `groups`, `category`."""
    result = await impact_study(request)
    return JSONResponse(data.jsonable(result.to_dict()))


async def account_sheet(request: Request, account_id: str) -> dict[str, Any] | None:
    from scenescope.analysis.trace_sheet import evidence_rows

    state = state_of(request)
    result = await state.cache.get("trace", trace_result)
    account = result.account(account_id)
    if account is None:
        return None
    rows = await state.cache.run(lambda e: evidence_rows(e, result, account_id))
    return {"account": account.to_dict(), "titles": data.jsonable(rows)}


@router.get("/trace/accounts/{account_id}", tags=["trace"], summary="An account's evidence")
async def account(request: Request, account_id: str, _: Principal = ANALYST) -> Response:
    """The account's trace figures and every title it received, leaked or not."""
    sheet = await account_sheet(request, account_id)
    if sheet is None:
        return JSONResponse({"error": f"no account {account_id!r} in the trace"}, 404)
    return JSONResponse(sheet)


# --- alerts, feeds, live ---------------------------------------------------------------------


def rules_of(config: Any) -> list[dict[str, Any]]:
    if config is None:
        return []
    out = []
    for rule in config.rules.values():
        out.append(
            {
                "name": rule.name,
                "sinks": list(rule.sinks),
                "titles": sorted(rule.titles | rule.title_ids),
                "studios": sorted(rule.studios),
                "severities": sorted(rule.severities),
                "source_classes": sorted(rule.source_classes),
                "groups": sorted(rule.groups),
                "min_lead_days": rule.min_lead_days,
                "realert_on": sorted(rule.realert_on),
            }
        )
    return out


@router.get("/alerts", tags=["alerts"], summary="Alert history")
async def alerts(request: Request, _: Principal = ANALYST) -> Response:
    rows = await state_of(request).cache.run(data.alert_history)
    return JSONResponse({"items": rows})


@router.get("/alerts/rules", tags=["alerts"], summary="Alert rules in force")
async def alert_rules(request: Request, _: Principal = ANALYST) -> Response:
    return JSONResponse({"rules": rules_of(state_of(request).options.alerts)})


@router.get("/feeds", tags=["feeds"], summary="Feed health")
async def feeds(request: Request, _: Principal = ANALYST) -> Response:
    """Per feed: reports, last event, lag, longest gap, live connector counters."""
    state = state_of(request)
    live = state.live_health()
    rows = await state.cache.run(lambda e: data.feed_health(e, live))
    return JSONResponse({"items": rows})


@router.get("/stream", tags=["live"], summary="Live stream (server-sent events)")
async def stream(request: Request, _: Principal = VIEWER) -> StreamingResponse:
    """`event: pre|nuke|alert` with a JSON `data` line per new store row."""
    hub = state_of(request).hub

    async def events() -> Any:
        async with hub.subscribe() as queue:
            yield ": connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keepalive\n\n"
                    continue
                yield sse(event)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


# --- tokens (admin) --------------------------------------------------------------------------


class TokenRequest(BaseModel):
    role: str = Field(description="admin, analyst or viewer")
    name: str | None = Field(default=None, max_length=200)


@router.get("/tokens", tags=["admin"], summary="List tokens")
async def tokens(request: Request, _: Principal = ADMIN) -> Response:
    book = state_of(request).tokens
    return JSONResponse({"items": [t.to_dict() for t in book.list()]})


@router.post("/tokens", tags=["admin"], summary="Create a token", status_code=201)
async def create_token(request: Request, body: TokenRequest, _: Principal = ADMIN) -> Response:
    try:
        new = state_of(request).tokens.create(body.role, body.name)
    except TokenError as exc:
        raise QueryError(str(exc)) from None
    return JSONResponse({**new.info.to_dict(), "token": new.token}, 201)


@router.delete("/tokens/{token_id}", tags=["admin"], summary="Revoke a token")
async def revoke_token(request: Request, token_id: str, _: Principal = ADMIN) -> Response:
    try:
        info = state_of(request).tokens.revoke(token_id)
    except TokenError as exc:
        return JSONResponse({"error": str(exc)}, 404)
    return JSONResponse(info.to_dict())


@router.get("/search-index", tags=["releases"], summary="The search index's state")
async def search_index(request: Request, _: Principal = ANALYST) -> Response:
    """Whether release search reads the search index yet (`ready`; until then the store
    itself answers, more slowly) and how many releases it holds."""
    index = state_of(request).store.search_index
    return JSONResponse(
        {"ready": index is not None, "documents": index.documents if index is not None else None}
    )


@router.get("/headline", tags=["releases"], summary="Headline numbers")
async def headline(request: Request, _: Principal = ANALYST) -> Response:
    return JSONResponse(await state_of(request).cache.get("headline", data.headline))


def analysis_router() -> APIRouter:
    """The routes of every registered analysis view (built when the app is, so views
    registered by any module imported before then are served)."""
    views = APIRouter(prefix="/api/v1")
    for view in registered_views().values():
        _view_routes(views, view)
    return views
