"""The workbench's pages: server-rendered Jinja2 over the same records the API returns.

Every page needs a signed-in token (viewer or better; admin for token administration). Names
are rendered through autoescape plus the `visible` / `clip` filters; charts are Altair
specs rendered to SVG images, so nothing a release name says can run in the browser.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scenescope.report import figures
from scenescope.web import api, data
from scenescope.web.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_SECONDS,
    Principal,
    require,
)
from scenescope.web.tables import select
from scenescope.web.tokens import Role
from scenescope.web.views import AnalysisView, families_result, registered_views

router = APIRouter(include_in_schema=False)
VIEWER = Depends(require(Role.viewer))
ADMIN = Depends(require(Role.admin))
CUSTOM_PAGES = frozenset({"families"})  # views whose page is written out below


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    state = request.app.state.web
    principal = getattr(request.state, "principal", None)
    context.update(
        request=request,
        principal=principal,
        csrf=principal.csrf if principal is not None else None,
        csrf_field=CSRF_FIELD,
        nav=[v for v in registered_views().values() if v.in_nav],
    )
    response: HTMLResponse = state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(
    request: Request, status: int, message: str, *, headers: dict[str, str] | None = None
) -> Response:
    """A clear page for 400 / 401 / 403 / 404 / 429; 401 offers the sign-in form."""
    state = request.app.state.web
    token = state.sessions.login_csrf() if status == 401 else None
    titles = {
        400: "Bad request",
        401: "Sign in required",
        403: "Not allowed for your role",
        404: "Not found",
        429: "Too many requests",
    }
    response = render(
        request,
        "error.html",
        status,
        status_code=status,
        title=titles.get(status, "Error"),
        message=message,
        login_csrf=token,
        next_path=_next_of(request),
    )
    if token:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            max_age=3600,
            secure=state.options.secure_cookies,
        )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _next_of(request: Request) -> str:
    """Where to go after signing in from this page: back to it (the sign-in page itself
    passes on its ?next=)."""
    if request.url.path in ("/login", "/logout"):
        return _safe_next(request.query_params.get("next"))
    query = f"?{request.url.query}" if request.url.query else ""
    return _safe_next(request.url.path + query)


def _safe_next(path: str | None) -> str:
    """Only a local path may follow sign-in (never another site)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


# --- sign-in -------------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    response = error_page(request, 401, "Paste an API token (scenescope token create) to sign in.")
    response.status_code = 200  # the sign-in page itself is not an error
    if "www-authenticate" in response.headers:
        del response.headers["www-authenticate"]
    return response


@router.post("/login")
async def login(
    request: Request, token: str = Form(""), csrf_token: str = Form(""), next: str = Form("/")
) -> Response:
    state = request.app.state.web
    if not state.sessions.login_csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return error_page(request, 403, "The sign-in form expired; load it again and retry.")
    info = state.tokens.verify(token)
    if info is None:
        return error_page(request, 401, "That token is not valid (unknown, mistyped or revoked).")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        state.sessions.issue(info.token_id),
        httponly=True,
        samesite="strict",
        max_age=SESSION_MAX_AGE_SECONDS,
        secure=state.options.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, _: Principal = VIEWER) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- dashboards ----------------------------------------------------------------------------


@router.get("/")
async def live(request: Request, _: Principal = VIEWER) -> Response:
    state = request.app.state.web
    headline = await state.cache.get("headline", data.headline)
    recent = await api.search_page(request, {"per_page": "30"})
    return render(request, "live.html", headline=headline, recent=recent["items"])


@router.get("/search")
async def search(request: Request, _: Principal = VIEWER) -> Response:
    query = dict(request.query_params)
    result = await api.search_page(request, query)
    return render(request, "search.html", query=query, result=result)


@router.get("/releases/{name:path}")
async def release(request: Request, name: str, _: Principal = VIEWER) -> Response:
    detail = await request.app.state.web.cache.run(lambda e: data.release_detail(e, name))
    if detail is None:
        return error_page(request, 404, "No release of that name in the store.")
    return render(request, "release.html", detail=detail)


@router.get("/titles")
async def titles(request: Request, _: Principal = VIEWER) -> Response:
    from scenescope.web.tables import Filter, rows_table

    table = await request.app.state.web.cache.get(
        "titles", lambda e: rows_table(data.titles_table(e))
    )
    filters = (
        Filter("q", "title", "contains", "words of the title"),
        Filter("studio", "studio", "contains", "words of the studio"),
    )
    page = select(table, filters, request.query_params)
    return render(
        request, "titles.html", page=page, query=dict(request.query_params), filters=filters
    )


@router.get("/titles/{title_id}")
async def title(request: Request, title_id: str, _: Principal = VIEWER) -> Response:
    state = request.app.state.web
    detail = await state.cache.get(f"title:{title_id}", lambda e: data.title_timeline(e, title_id))
    if detail is None:
        return error_page(request, 404, "No such title in the catalog.")
    chart = await state.cache.get(
        f"title-chart:{title_id}",
        lambda _e: figures.svg_data_uri(
            figures.title_timeline(
                detail["release_dates"], detail["pres"], detail["nukes"], detail["sightings"]
            )
        ),
    )
    return render(request, "title.html", detail=detail, chart=chart)


@router.get("/groups/{name}")
async def group(request: Request, name: str, _: Principal = VIEWER) -> Response:
    detail = await api.group_record(request, name)
    if detail is None:
        return error_page(request, 404, "No releases by that group in the store.")
    chart = figures.svg_data_uri(
        figures.weekly_volume(detail["profile"]["weekly_volume"], "Pres per week")
    )
    return render(request, "group.html", detail=detail, chart=chart)


@router.get("/families")
async def families(request: Request, _: Principal = VIEWER) -> Response:
    state = request.app.state.web
    view = registered_views()["families"]
    table = await api.view_table(request, view)
    page = view.select(table, request.query_params)
    result = await state.cache.get("families", families_result)
    chart = await state.cache.get("families-chart", lambda _e: _family_chart(result))
    return render(
        request,
        "table.html",
        view=view,
        page=page,
        chart=chart,
        query=dict(request.query_params),
        columns=table.column_names,
        links=_links(view),
    )


def _family_chart(result: Any) -> str | None:
    from scenescope.report.network_view import to_igraph

    graph = to_igraph(result)
    keep = [v.index for v in graph.vs if graph.degree(v.index) > 0]
    sub = graph.subgraph(keep)
    if not sub.vcount():
        return None
    coords = sub.layout_fruchterman_reingold(
        weights="weight", niter=300, seed=sub.layout_circle().coords
    ).coords
    nodes = [
        {
            "x": x,
            "y": y,
            "group": v["label"],
            "family": int(v["family"]) or None,
            "releases": int(v["releases"]),
        }
        for v, (x, y) in zip(sub.vs, coords, strict=True)
    ]
    edges = [
        {
            "x": coords[e.source][0],
            "y": coords[e.source][1],
            "x2": coords[e.target][0],
            "y2": coords[e.target][1],
            "weight": e["weight"],
        }
        for e in sub.es
    ]
    return figures.svg_data_uri(figures.family_graph(nodes, edges))


@router.get("/impact/study")
async def impact_study(request: Request, _: Principal = VIEWER) -> Response:
    from scenescope.report import impact_charts

    query = dict(request.query_params)
    if not query.get("event"):
        return render(request, "impact_study.html", query=query, result=None, charts=[])
    result = await api.impact_study(request)

    def draw(_engine: Any) -> tuple[list[str | None], str]:
        charts = [
            figures.svg_data_uri(make(result))
            for make in (
                impact_charts.counterfactual_chart,
                impact_charts.split_chart,
                impact_charts.gainers_chart,
                impact_charts.tiers_chart,
            )
        ]
        return charts, impact_charts.summary_text(result)

    key = f"impact-study-charts:{sorted(query.items())}"
    charts, summary = await request.app.state.web.cache.get(key, draw, fresh=True)
    return render(
        request,
        "impact_study.html",
        query=query,
        result=result.summary(),
        weeks=[w.to_dict() for w in result.weeks],
        charts=charts,
        summary=summary,
    )


@router.get("/trace/accounts/{account_id}")
async def account(request: Request, account_id: str, _: Principal = VIEWER) -> Response:
    sheet = await api.account_sheet(request, account_id)
    if sheet is None:
        return error_page(request, 404, "No such account in the trace.")
    return render(request, "account.html", sheet=sheet)


@router.get("/alerts")
async def alerts(request: Request, _: Principal = VIEWER) -> Response:
    state = request.app.state.web
    rows = await state.cache.run(data.alert_history)
    return render(request, "alerts.html", alerts=rows, rules=api.rules_of(state.options.alerts))


@router.get("/feeds")
async def feeds(request: Request, _: Principal = VIEWER) -> Response:
    state = request.app.state.web
    live = state.live_health()
    rows = await state.cache.run(lambda e: data.feed_health(e, live))
    return render(request, "feeds.html", feeds=rows)


# --- admin ---------------------------------------------------------------------------------


@router.get("/admin/tokens")
async def tokens_page(request: Request, _: Principal = ADMIN) -> Response:
    return render(request, "tokens.html", tokens=request.app.state.web.tokens.list(), new=None)


@router.post("/admin/tokens")
async def tokens_create(
    request: Request, role: str = Form(...), name: str = Form(""), _: Principal = ADMIN
) -> Response:
    from scenescope.web.tokens import TokenError

    book = request.app.state.web.tokens
    try:
        new = book.create(role, name or None)
    except TokenError as exc:
        return error_page(request, 400, str(exc))
    return render(request, "tokens.html", tokens=book.list(), new=new)


@router.post("/admin/tokens/{token_id}/revoke")
async def tokens_revoke(request: Request, token_id: str, _: Principal = ADMIN) -> Response:
    from scenescope.web.tokens import TokenError

    try:
        request.app.state.web.tokens.revoke(token_id)
    except TokenError as exc:
        return error_page(request, 404, str(exc))
    return RedirectResponse("/admin/tokens", status_code=303)


# --- the analysis views --------------------------------------------------------------------


def _links(view: AnalysisView) -> dict[str, str]:
    return dict(view.links)


def link_for(pattern: str, row: dict[str, Any]) -> str | None:
    """A row's link from a `/groups/{group}` pattern (values URL-quoted; None if missing)."""
    values = {}
    for key in row:
        value = row[key]
        if value is None:
            continue
        values[key] = urllib.parse.quote(str(value), safe="")
    try:
        return pattern.format(**values)
    except KeyError:
        return None


def analysis_pages() -> APIRouter:
    """A page per registered view: filter form, chart, table, pages, downloads."""
    pages = APIRouter(include_in_schema=False)
    for view in registered_views().values():
        if view.name in CUSTOM_PAGES:
            continue
        pages.add_api_route(f"/{view.name}", _page_for(view), methods=["GET"])
    return pages


def _page_for(view: AnalysisView) -> Any:
    role = Depends(require(view.page_role))

    async def page(request: Request, _: Principal = role) -> Response:
        table = await api.view_table(request, view)
        chosen = view.select(table, request.query_params)
        chart = None
        if view.chart is not None:
            key = f"chart:{view.name}:{sorted(request.query_params.items())}"
            rows = chosen.table.to_pylist()
            chart = await request.app.state.web.cache.get(
                key,
                lambda _e: figures.svg_data_uri(view.chart(rows)),
            )
        columns = list(view.columns) or table.column_names
        return render(
            request,
            "table.html",
            view=view,
            page=chosen,
            chart=chart,
            query=dict(request.query_params),
            columns=columns,
            links=_links(view),
        )

    return page
