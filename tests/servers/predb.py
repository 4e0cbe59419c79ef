"""A predb.ovh API v1 server for tests: `/`, `/live` over HTTP and `/ws` as a websocket,
all on one `websockets` server (plain GETs are answered from `process_request`).

It keeps releases in memory, replays them in predb.ovh's response shape, enforces the
documented rate limits (configurable so tests stay quick) and records every request.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

API = "/api/v1"
NUKE_TYPES = {1: "nuke", 2: "unnuke", 3: "modnuke", 4: "delpre", 5: "undelpre"}


def release_row(
    row_id: int,
    name: str,
    pre_at: float,
    *,
    cat: str = "X264",
    size_kb: float = 1234.5,
    files: int = 12,
    genre: str = "",
    nuke: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A release as predb.ovh returns it."""
    return {
        "id": row_id,
        "name": name,
        "team": name.rsplit("-", 1)[-1] if "-" in name else "",
        "cat": cat,
        "genre": genre,
        "url": "",
        "size": size_kb,
        "files": files,
        "preAt": int(pre_at),
        "nuke": nuke,
    }


def nuke_object(nuke_id: int, pre_id: int, kind: str, reason: str, net: str, at: float) -> dict:
    type_id = {v: k for k, v in NUKE_TYPES.items()}[kind]
    return {
        "id": nuke_id,
        "typeID": type_id,
        "type": kind,
        "preID": pre_id,
        "reason": reason,
        "net": net,
        "nukeAt": int(at),
    }


@dataclass
class RequestLog:
    path: str  # "/" or "/live"
    at: float  # time.monotonic()
    status: int
    params: dict[str, str] = field(default_factory=dict)


class PredbTestServer:
    """Start with `await server.start()`, stop with `await server.stop()` (or `async with`)."""

    def __init__(
        self,
        rows: Iterable[dict[str, Any]] = (),
        *,
        search_limit: tuple[int, float] = (30, 60.0),
        live_limit: tuple[int, float] = (2, 20.0),
        live_count: int = 50,
        max_count: int = 100,
    ) -> None:
        self.rows: dict[int, dict[str, Any]] = {r["id"]: dict(r) for r in rows}
        self.search_limit = search_limit
        self.live_limit = live_limit
        self.live_count = live_count
        self.max_count = max_count
        self.requests: list[RequestLog] = []
        self.fail_next: list[int] = []  # statuses to answer the next requests with (e.g. 503)
        self.ws_clients: set[ServerConnection] = set()
        self.ws_connects = 0
        self.client_connected = asyncio.Event()
        self._windows: dict[str, list[float]] = {"/": [], "/live": []}
        self._server: Server | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------
    async def start(self) -> PredbTestServer:
        self._server = await serve(
            self._ws_handler,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            compression=None,
            max_size=None,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> PredbTestServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def http_url(self) -> str:
        return f"predb+http://127.0.0.1:{self.port}{API}/"

    @property
    def ws_url(self) -> str:
        return f"predb+ws://127.0.0.1:{self.port}{API}/ws"

    # --- data ------------------------------------------------------------------------
    def sorted_rows(self, query: str = "") -> list[dict[str, Any]]:
        words = [w.lower() for w in query.split() if w]
        rows = [r for r in self.rows.values() if all(w in r["name"].lower() for w in words)]
        rows.sort(key=lambda r: (r["preAt"], r["id"]), reverse=True)
        return rows

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["id"]] = dict(row)

    async def publish(self, action: str, row: dict[str, Any]) -> None:
        """Apply an action to the data and push `{action, row}` to every websocket client."""
        if action == "delete":
            self.rows.pop(row["id"], None)
        else:
            self.add(row)
        await self.send_raw(json.dumps({"action": action, "row": row}))

    async def send_raw(self, text: str | bytes) -> None:
        for ws in list(self.ws_clients):
            try:
                await ws.send(text)
            except Exception:
                self.ws_clients.discard(ws)

    async def drop_clients(self) -> None:
        """Cut every websocket connection abruptly, as a crashing server would."""
        self.client_connected.clear()
        for ws in list(self.ws_clients):
            ws.transport.abort()
        self.ws_clients.clear()

    # --- protocol --------------------------------------------------------------------
    async def _ws_handler(self, ws: ServerConnection) -> None:
        self.ws_clients.add(ws)
        self.ws_connects += 1
        self.client_connected.set()
        try:
            await ws.wait_closed()
        finally:
            self.ws_clients.discard(ws)

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        path = parts.path
        if path == f"{API}/ws":
            return None
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if path in (f"{API}/", API):
            endpoint = "/"
        elif path == f"{API}/live":
            endpoint = "/live"
        else:
            return self._json(conn, 404, {"status": "error", "message": "not found", "data": None})
        if self.fail_next:
            status = self.fail_next.pop(0)
            self.requests.append(RequestLog(endpoint, time.monotonic(), status, params))
            return self._json(conn, status, {"status": "error", "message": "boom", "data": None})
        retry_after = self._rate_check(endpoint)
        if retry_after is not None:
            self.requests.append(RequestLog(endpoint, time.monotonic(), 429, params))
            response = self._json(
                conn, 429, {"status": "error", "message": "rate limited", "data": None}
            )
            response.headers["Retry-After"] = f"{retry_after:.3f}"
            return response
        self.requests.append(RequestLog(endpoint, time.monotonic(), 200, params))
        started = time.perf_counter()
        if endpoint == "/live":
            rows = self.sorted_rows()[: self.live_count]
            offset, total = 0, len(self.rows)
        else:
            try:
                count = min(self.max_count, max(1, int(params.get("count", "25"))))
                page = max(1, int(params.get("page", "1")))
                extra_offset = max(0, int(params.get("offset", "0")))
            except ValueError:
                return self._json(conn, 400, {"status": "error", "message": "bad int"})
            matching = self.sorted_rows(params.get("q", ""))
            offset = (page - 1) * count + extra_offset
            rows = matching[offset : offset + count]
            total = len(matching)
        body = {
            "status": "success",
            "message": "",
            "data": {
                "rowCount": len(rows),
                "offset": offset,
                "reqCount": len(self.requests),
                "total": total,
                "time": time.perf_counter() - started,
                "rows": rows,
            },
        }
        return self._json(conn, 200, body)

    def _rate_check(self, endpoint: str) -> float | None:
        """None if the request is allowed, else seconds until it would be."""
        limit, per = self.search_limit if endpoint == "/" else self.live_limit
        now = time.monotonic()
        window = [t for t in self._windows[endpoint] if t > now - per]
        self._windows[endpoint] = window
        if len(window) >= limit:
            return max(0.001, window[0] + per - now)
        window.append(now)
        return None

    @staticmethod
    def _json(conn: ServerConnection, status: int, body: dict[str, Any]) -> Response:
        response = conn.respond(status, json.dumps(body))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        return response

    # --- checks ----------------------------------------------------------------------
    def max_in_window(self, endpoint: str, per: float, statuses: tuple[int, ...] = (200,)) -> int:
        """The most requests answered with `statuses` inside any window of `per` seconds."""
        times = sorted(r.at for r in self.requests if r.path == endpoint and r.status in statuses)
        best = 0
        start = 0
        for end, t in enumerate(times):
            while times[start] <= t - per:
                start += 1
            best = max(best, end - start + 1)
        return best
