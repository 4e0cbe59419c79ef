"""Replays a simulated world live, on loopback: a predb.ovh-compatible HTTP API
(`/api/v1/?q=&count=&page=`, `/api/v1/live`, `/api/v1/stats`) and websocket (`/api/v1/ws`),
and optionally an IRC bot posting `[PRE] [SECTION] name` / `[NUKE] name [reason] [net]` lines.

Responses are shaped as the public predb.ovh server (Go, encoding/json) writes them: the
`{status, message, data}` envelope, indented four spaces with a trailing newline, `<>&`
escaped, `Content-Type: application/json; charset=utf-8`; an unknown path is HTTP 200 with
`{"status": "error", "message": "not Found", "data": null}`, as the server's not-found
handler answers. Nuke objects carry `typeId` / `preId` (frames of worlds written before the
server's spelling was followed, with `typeID` / `preID`, are rewritten when loaded).

The simulated clock runs at `speed` × real time from `start_at` (default: the first frame);
frames at or before `start_at` are already visible to the HTTP API (a backfill), later ones
are released — and broadcast — when the clock reaches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import http
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

NUKE_ACTIONS = ("nuke", "unnuke", "modnuke", "delpre", "undelpre")
MAX_COUNT = 100
API = "/api/v1"
# the spelling of the public server's source (nuke.go), for keys older worlds wrote otherwise
_LEGACY_NUKE_KEYS = {"typeID": "typeId", "preID": "preId"}
_GO_HTML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))  # fmt: skip


class ServeError(RuntimeError):
    """The replay cannot start (no world files, a bad IRC URL, a port in use...)."""


def frame_time(frame: dict[str, Any]) -> int:
    """When a frame happens: the nuke time for nuke actions, else the pre time."""
    row = frame.get("row") or {}
    nuke = row.get("nuke")
    if frame.get("action") in NUKE_ACTIONS and nuke:
        return int(nuke.get("nukeAt") or row.get("preAt") or 0)
    return int(row.get("preAt") or 0)


def real_server_frame(line: str) -> str:
    """A ws frame line with its nuke keys as the public server spells them (`typeId`,
    `preId`); a frame already spelled so is returned as it is, byte for byte."""
    if '"typeID"' not in line and '"preID"' not in line:
        return line
    frame = json.loads(line)
    nuke = (frame.get("row") or {}).get("nuke") if isinstance(frame, dict) else None
    if not isinstance(nuke, dict):
        return line
    frame["row"]["nuke"] = {_LEGACY_NUKE_KEYS.get(key, key): value for key, value in nuke.items()}
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def go_json(value: Any, *, indent: bool) -> str:
    """`value` as Go's encoding/json Encoder writes it: HTML-safe escapes, a trailing newline,
    four-space indent for the HTTP API (`SetIndent("", "    ")`), compact for ws frames."""
    text = json.dumps(
        value, ensure_ascii=False, indent=4 if indent else None,
        separators=(",", ": ") if indent else (",", ":"),
    )  # fmt: skip
    return go_escape(text) + "\n"


def go_escape(text: str) -> str:
    """JSON text with `<`, `>`, `&`, U+2028 and U+2029 escaped as Go's encoder does (they can
    only occur inside strings, so the replacement is safe)."""
    for raw, escaped in _GO_HTML_ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def rfc3339(ts: float) -> str:
    """Unix seconds as Go formats a UTC time.Time in JSON (RFC 3339, trailing zeros of the
    fraction dropped): `2020-03-04T12:00:00.5Z`."""
    text = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text.rstrip("0").rstrip(".") + "Z"


def load_frames(out_dir: Path) -> list[tuple[int, str]]:
    """(time, raw JSON line) of every ws frame of the world, in time order (stable); nuke keys
    spelled as the public server does (`real_server_frame`)."""
    path = out_dir / "ws_frames.jsonl"
    if not path.exists():
        raise ServeError(f"{path}: not found — run `scenescope simulate --out {out_dir}` first")
    frames: list[tuple[int, str]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                line = real_server_frame(line)
                frames.append((frame_time(json.loads(line)), line))
            except (ValueError, AttributeError, TypeError) as exc:
                raise ServeError(f"{path}:{number}: not a ws frame ({exc})") from None
    frames.sort(key=lambda item: item[0])
    return frames


class ReplayServer:
    """HTTP + websocket predb.ovh replay (and IRC announcer) over one world's frames."""

    def __init__(
        self,
        frames: list[tuple[int, str]],
        *,
        speed: float = 3600.0,
        host: str = "127.0.0.1",
        port: int = 0,
        start_at: dt.datetime | None = None,
        irc_url: str | None = None,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        if speed <= 0:
            raise ServeError(f"speed must be positive, got {speed}")
        self.frames = frames
        self.speed = speed
        self.host = host
        self.requested_port = port
        self.irc_url = irc_url
        self.echo = echo or (lambda _line: None)
        first = frames[0][0] if frames else int(time.time())
        self.sim_start = int(start_at.timestamp()) if start_at else first
        self.rows: dict[int, dict[str, Any]] = {}
        self.order: list[int] = []  # release ids in the order they became visible
        self.cursor = 0
        self.clients: set[ServerConnection] = set()
        self.finished = asyncio.Event()
        self.released = 0
        self._server: Server | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._irc: _IrcAnnouncer | None = None
        self._wall_start = 0.0

    # ---- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(next(iter(self._server.sockets)).getsockname()[1])

    async def start(self, *, hold_clock: bool = False) -> None:
        """Listen (and join IRC); the simulated clock starts now, or at `run_clock()` with
        `hold_clock` — so clients can connect and backfill before the first frame is sent."""
        while self.cursor < len(self.frames) and self.frames[self.cursor][0] <= self.sim_start:
            self._apply(json.loads(self.frames[self.cursor][1]))
            self.cursor += 1
        try:
            self._server = await serve(
                self._ws_handler, self.host, self.requested_port, process_request=self._http
            )
        except OSError as exc:
            raise ServeError(f"cannot listen on {self.host}:{self.requested_port}: {exc}") from None
        if self.irc_url:
            self._irc = _IrcAnnouncer(self.irc_url, self.echo)
            await self._irc.connect()
        if not hold_clock:
            self.run_clock()

    def run_clock(self) -> None:
        """Start the simulated clock at `start_at` (once; `start` does it unless held)."""
        if self._pump_task is None:
            self._wall_start = time.monotonic()
            self._pump_task = asyncio.create_task(self._pump())

    async def close(self) -> None:
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
        if self._irc is not None:
            await self._irc.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def sim_now(self) -> float:
        if self._pump_task is None:
            return float(self.sim_start)  # the clock is held
        return self.sim_start + (time.monotonic() - self._wall_start) * self.speed

    def sim_time_at(self, wall: float) -> float:
        """The simulated time at `wall` (a `time.time()`), on the running clock."""
        return self.sim_now() - (time.time() - wall) * self.speed

    def release_wall_time(self, at: float) -> float:
        """When (`time.time()`) the clock reaches simulated time `at`: a frame's send time."""
        return time.time() + (at - self.sim_now()) / self.speed

    # ---- the clock ---------------------------------------------------------------------

    async def _pump(self) -> None:
        while self.cursor < len(self.frames):
            ts, line = self.frames[self.cursor]
            wait = (ts - self.sim_now()) / self.speed
            if wait > 0:
                await asyncio.sleep(min(wait, 0.5))
                continue
            frame = json.loads(line)
            self._apply(frame)
            self.cursor += 1
            self.released += 1
            broadcast(self.clients, go_escape(line) + "\n")  # as gorilla's WriteJSON sends it
            if self._irc is not None:
                await self._irc.announce(frame)
            if self.released % 200 == 0:
                await asyncio.sleep(0)  # let HTTP and ws clients in during bursts
        self.finished.set()

    def _apply(self, frame: dict[str, Any]) -> None:
        row = frame.get("row") or {}
        release_id = int(row.get("id") or 0)
        action = frame.get("action")
        if action == "insert" or release_id not in self.rows:
            if release_id not in self.rows:
                self.order.append(release_id)
            self.rows[release_id] = dict(row)
        elif action in NUKE_ACTIONS or action == "update":
            self.rows[release_id].update({"nuke": row.get("nuke")} if action != "update" else row)

    # ---- HTTP ------------------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        path = parts.path.rstrip("/")
        if path == f"{API}/ws":
            return None  # websocket handshake
        query = parse_qs(parts.query)
        started = time.perf_counter()
        if path == API:
            rows, total, offset, count = self._search(query)
            cache = "public, max-age=60"
        elif path == f"{API}/live":
            # the exact clone of `/`, uncached (a query is honoured too)
            search = (query.get("q") or [""])[0].strip()
            rows, total, offset, count = (self._search if search else self._latest)(query)
            cache = "no-cache"
        elif path == f"{API}/stats":
            stats = {
                "total": len(self.order),
                "date": rfc3339(self.sim_now()),  # the server's clock: the simulated one
                "time": time.perf_counter() - started,
            }
            return _api_response(_success(stats), "public, max-age=60")
        else:
            not_found = {"status": "error", "message": "not Found", "data": None}
            return _api_response(not_found, "no-store")
        data = {
            "rowCount": len(rows),
            "rows": rows,
            "offset": offset,
            "reqCount": count,
            "total": total,
            "time": time.perf_counter() - started,
        }
        return _api_response(_success(data), cache)

    def _paging(self, query: dict[str, list[str]]) -> tuple[int, int]:
        count = max(1, min(MAX_COUNT, _int(query, "count", 20)))
        offset = _int(query, "offset", -1)
        if offset < 0:
            offset = (max(1, _int(query, "page", 1)) - 1) * count
        return count, offset

    def _search(self, query: dict[str, list[str]]) -> tuple[list[dict[str, Any]], int, int, int]:
        count, offset = self._paging(query)
        words = (query.get("q") or [""])[0].lower().split()
        matches = [
            self.rows[i]
            for i in reversed(self.order)
            if all(w in self.rows[i]["name"].lower() for w in words)
        ]
        matches.sort(key=lambda row: -int(row.get("preAt") or 0))
        return matches[offset : offset + count], len(matches), offset, count

    def _latest(self, query: dict[str, list[str]]) -> tuple[list[dict[str, Any]], int, int, int]:
        count, offset = self._paging(query)
        newest = [self.rows[i] for i in reversed(self.order[-(offset + count) :])]
        return newest[offset : offset + count], len(self.order), offset, count

    # ---- websocket -------------------------------------------------------------------

    async def _ws_handler(self, connection: ServerConnection) -> None:
        self.clients.add(connection)
        try:
            await connection.wait_closed()
        finally:
            self.clients.discard(connection)


def _int(query: dict[str, list[str]], key: str, default: int) -> int:
    try:
        values = query.get(key)
        return int(values[0]) if values else default
    except (TypeError, ValueError):
        return default


def _success(data: Any) -> dict[str, Any]:
    return {"status": "success", "message": "", "data": data}


def _api_response(body: dict[str, Any], cache_control: str) -> Response:
    """An API answer as the public server sends it: always HTTP 200, the status in the body."""
    payload = go_json(body, indent=True).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Access-Control-Allow-Origin", "*"),
            ("Cache-Control", cache_control),
            ("Content-Length", str(len(payload))),
            ("Connection", "close"),
        ]
    )
    return Response(http.HTTPStatus.OK.value, http.HTTPStatus.OK.phrase, headers, payload)


class _IrcAnnouncer:
    """A minimal IRC bot: register, join one channel, answer PING, post announce lines."""

    def __init__(self, url: str, echo: Callable[[str], None]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "irc" or not parts.hostname:
            raise ServeError(f"--irc {url!r}: expected irc://HOST:PORT/#channel")
        self.host = parts.hostname
        self.port = parts.port or 6667
        channel = parts.fragment or parts.path.lstrip("/")
        self.channel = channel if channel.startswith("#") else f"#{channel or 'pre'}"
        self.nick = "scenescope-sim"
        self.echo = echo
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self.joined = asyncio.Event()

    async def connect(self, timeout: float = 10.0) -> None:
        try:
            self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise ServeError(f"cannot reach IRC server {self.host}:{self.port}: {exc}") from None
        self._send(f"NICK {self.nick}")
        self._send(f"USER {self.nick} 0 * :scenescope world replay")
        self._reader_task = asyncio.create_task(self._read())
        try:
            await asyncio.wait_for(self.joined.wait(), timeout)
        except TimeoutError:
            raise ServeError(
                f"IRC {self.host}:{self.port}: could not join {self.channel}"
            ) from None

    async def _read(self) -> None:
        assert self.reader is not None
        while True:
            raw = await self.reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            parts = line.split()
            if parts and parts[0] == "PING":
                self._send("PONG " + line[5:])
            elif len(parts) > 1 and parts[1] == "001":
                self._send(f"JOIN {self.channel}")
            elif len(parts) > 1 and parts[1] in ("433", "436"):
                self.nick += "_"
                self._send(f"NICK {self.nick}")
            elif len(parts) > 1 and parts[1] in ("JOIN", "366"):
                self.joined.set()  # our own JOIN echo or the end of the NAMES list

    def _send(self, line: str) -> None:
        assert self.writer is not None
        self.writer.write((line + "\r\n").encode())

    async def announce(self, frame: dict[str, Any]) -> None:
        line = announce_line(frame)
        if line and self.writer is not None:
            self._send(f"PRIVMSG {self.channel} :{line}")
            await self.writer.drain()

    async def close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(OSError):
                self._send("QUIT :replay over")
                await self.writer.drain()
            self.writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task


def announce_line(frame: dict[str, Any]) -> str | None:
    """The IRC announce line for a ws frame, as pre channels write them."""
    row = frame.get("row") or {}
    action = frame.get("action")
    if action == "insert":
        return f"[PRE] [{row.get('cat') or 'PRE'}] {row.get('name')}"
    nuke = row.get("nuke") or {}
    if action in NUKE_ACTIONS:
        return (
            f"[{action.upper()}] {row.get('name')} [{nuke.get('reason', '')}] "
            f"[{nuke.get('net', '')}]"
        )
    return None


def run_replay(
    out_dir: Path,
    *,
    speed: float,
    http_port: int,
    irc_url: str | None,
    start_at: dt.datetime | None,
    echo: Callable[[str], None],
) -> None:
    """Blocking: serve the world until every frame is replayed (or Ctrl-C)."""
    frames = load_frames(out_dir)

    async def main() -> None:
        server = ReplayServer(
            frames, speed=speed, port=http_port, start_at=start_at, irc_url=irc_url, echo=echo
        )
        await server.start()
        echo(
            f"replaying {len(frames):,} frames at {speed:g}x on "
            f"http://127.0.0.1:{server.port}/api/v1/ (ws: /api/v1/ws)"
        )
        try:
            await server.finished.wait()
        finally:
            await server.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
