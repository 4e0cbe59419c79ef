"""predb.ovh REST backfill against the loopback test server: paging, rate limits, retries,
the resumable cursor, date ranges, the `scenescope backfill` command, and answers encoded
exactly as the public server's Go source writes them (`/stats`, error envelopes, nuke keys
`typeId` / `preId`, fractional kB sizes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import http
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from scenescope.feeds.cursor import list_cursors, load_cursor, run_backfill
from scenescope.feeds.predb_rest import (
    BackfillRange,
    PredbError,
    PredbLimits,
    PredbRestClient,
    backfill_pages,
    http_base_url,
)
from scenescope.feeds.ratelimit import RateLimit
from scenescope.store import Store
from servers.predb import API, PredbTestServer, RequestLog, release_row

SCENESCOPE = str(Path(sys.executable).parent / "scenescope")
WINDOW = 0.4  # the test server's rate-limit window: the real 60 s, shrunk
FAST = PredbLimits(
    search=RateLimit(4, WINDOW),
    live=RateLimit(2, WINDOW),
    backoff_base_seconds=0.02,
    backoff_cap_seconds=0.2,
    stats=RateLimit(4, WINDOW),
)


def make_rows(count: int, start_id: int = 1, name: str = "Movie") -> list[dict]:
    base = time.time() - 3600
    return [
        release_row(i, f"{name}.{i}.2020.1080p.BluRay.x264-GRP{i % 7}", base + i)
        for i in range(start_id, start_id + count)
    ]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, 90))


def store_names(store: Store) -> set[str]:
    return {r[0] for r in store.connection.execute("SELECT name FROM releases").fetchall()}


def test_url_forms() -> None:
    assert http_base_url("predb+https://predb.ovh/api/v1/") == "https://predb.ovh/api/v1/"
    assert http_base_url("predb+wss://predb.ovh/api/v1/ws") == "https://predb.ovh/api/v1/"
    assert http_base_url("predb+http://127.0.0.1:9/api/v1/live") == "http://127.0.0.1:9/api/v1/"
    with pytest.raises(ValueError, match="not a predb URL"):
        http_base_url("https://predb.ovh/api/v1/")


def test_backfill_pages_every_row_into_the_store_within_rate_limit(tmp_path: Path) -> None:
    rows = make_rows(230)

    async def scenario() -> tuple[PredbTestServer, object]:
        async with PredbTestServer(rows, search_limit=(4, WINDOW)) as server:
            with Store.open(tmp_path / "s.duckdb") as store:
                wanted = BackfillRange(page_size=20)
                result = await run_backfill(store, server.http_url, wanted, limits=FAST)
                assert store_names(store) == {r["name"] for r in rows}
                reports = store.connection.execute("SELECT count(*) FROM pre_reports").fetchall()[0]
                assert reports == (230,)
            return server, result

    server, result = run(scenario())
    pages = [int(r.params["page"]) for r in server.requests if r.status == 200]
    assert pages == list(range(1, 13))  # 230 rows / 20 = 11.5 → 12 pages, each once
    assert result.cursor.done and result.cursor.rows_committed == 230
    # Client-side bucket: never more than the server's limit inside any window, no 429s.
    assert server.max_in_window("/", WINDOW) <= 4
    assert not [r for r in server.requests if r.status == 429]


def test_429_with_retry_after_is_honoured_and_nothing_is_lost() -> None:
    rows = make_rows(60)
    greedy = PredbLimits(search=RateLimit(50, WINDOW), backoff_base_seconds=0.02)

    async def scenario() -> tuple[PredbTestServer, int]:
        async with PredbTestServer(rows, search_limit=(3, WINDOW)) as server:
            client = PredbRestClient(server.http_url, limits=greedy)
            got = 0
            async for page in backfill_pages(client, BackfillRange(page_size=10)):
                got += len(page.events)
            await client.aclose()
            return server, got

    server, got = run(scenario())
    assert got == 60
    assert [r for r in server.requests if r.status == 429], "the server should have pushed back"
    assert server.max_in_window("/", WINDOW) <= 3


def test_5xx_is_retried_then_gives_up_with_a_clear_error() -> None:
    rows = make_rows(5)

    async def scenario() -> tuple[int, str]:
        async with PredbTestServer(rows) as server:
            client = PredbRestClient(server.http_url, limits=FAST)
            server.fail_next = [503, 500]
            page = await client.search("", 1, 10)
            server.fail_next = [502] * FAST.max_attempts
            with pytest.raises(PredbError) as failure:
                await client.search("", 1, 10)
            await client.aclose()
            return len(page.rows), str(failure.value)

    rows_seen, message = run(scenario())
    assert rows_seen == 5
    assert "gave up after 8 attempts" in message and "HTTP 502" in message


def test_interrupted_backfill_resumes_after_last_committed_page(tmp_path: Path) -> None:
    rows = make_rows(100)
    db = tmp_path / "s.duckdb"

    class Interrupted(Exception):
        pass

    def stop_after_three(page, cursor) -> None:  # type: ignore[no-untyped-def]
        if cursor.last_page == 3:
            raise Interrupted

    async def scenario() -> PredbTestServer:
        async with PredbTestServer(rows, search_limit=(100, WINDOW)) as server:
            wanted = BackfillRange(page_size=10)
            with Store.open(db) as store:
                with pytest.raises(Interrupted):
                    await run_backfill(
                        store, server.http_url, wanted, limits=FAST, on_page=stop_after_three
                    )
                assert len(store_names(store)) == 30
            # New pres arrive meanwhile: they push older rows to later pages.
            for row in make_rows(4, start_id=500, name="Later"):
                row["preAt"] = int(time.time())
                server.add(row)
            before = len(server.requests)
            with Store.open(db) as store:  # a new process would reopen the file like this
                assert load_cursor(store.connection, server.http_url, wanted).last_page == 3
                result = await run_backfill(store, server.http_url, wanted, limits=FAST)
                assert result.resumed_from_page == 4
                assert {r["name"] for r in rows} <= store_names(store)  # no row lost
                assert result.cursor.done
                again = await run_backfill(store, server.http_url, wanted, limits=FAST)
                assert again.pages_fetched == 0  # finished cursors are not re-run
                assert len(list_cursors(store.connection)) == 1
            server.resumed_pages = [  # type: ignore[attr-defined]
                int(r.params["page"]) for r in server.requests[before:]
            ]
            return server

    server = run(scenario())
    pages = server.resumed_pages  # type: ignore[attr-defined]
    assert pages[0] == 4 and min(pages) == 4  # nothing at or before the committed page 3


def test_date_range_keeps_only_rows_inside_and_stops_paging(tmp_path: Path) -> None:
    base = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    rows = [
        release_row(
            i, f"Show.S01E{i:02d}.720p.HDTV.x264-GRP", (base + dt.timedelta(days=i)).timestamp()
        )
        for i in range(1, 31)
    ]
    wanted = BackfillRange(
        since=base + dt.timedelta(days=10), until=base + dt.timedelta(days=19), page_size=5
    )

    async def scenario() -> tuple[PredbTestServer, set[str]]:
        async with PredbTestServer(rows, search_limit=(100, WINDOW)) as server:
            with Store.open(tmp_path / "s.duckdb") as store:
                await run_backfill(store, server.http_url, wanted, limits=FAST)
                return server, store_names(store)

    server, names = run(scenario())
    assert names == {f"Show.S01E{i:02d}.720p.HDTV.x264-GRP" for i in range(10, 20)}
    assert len([r for r in server.requests if r.status == 200]) == 5  # pages 1-5, not 6


def test_backfill_command_runs_and_reports_json(tmp_path: Path) -> None:
    rows = make_rows(15)
    db = tmp_path / "cli.duckdb"

    async def scenario() -> tuple[int, str, str]:
        async with PredbTestServer(rows) as server:
            outs, errs, code = [], [], 0
            for extra in (["--max-pages", "1"], []):
                process = await asyncio.create_subprocess_exec(
                    SCENESCOPE, "backfill", server.http_url,
                    "--page-size", "10", "--db", str(db), "--json", *extra,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                )  # fmt: skip
                out, err = await process.communicate()
                code = code or (process.returncode or 0)
                outs.append(out.decode())
                errs.append(err.decode())
            return code, "".join(outs), "".join(errs)

    code, out, err = run(scenario())
    assert code == 0, err
    first, second = (json.loads(line) for line in out.strip().splitlines()[-2:])
    assert first["events_applied"] == 10 and first["done"] is False  # --max-pages 1: paused
    assert second["resumed_from_page"] == 2 and second["events_applied"] == 5
    assert second["done"] is True
    with Store.open(db, read_only=True) as store:
        assert len(store_names(store)) == 15


def test_backfill_command_bad_url_is_one_line(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [SCENESCOPE, "backfill", "http://x/", "--db",
         str(tmp_path / "x.duckdb")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: not a predb URL")
    assert "Traceback" not in done.stderr


# --- answers exactly as the public server writes them ------------------------------------


def go_encode(body: Any) -> bytes:
    """What Go's json.Encoder with SetIndent("", "    ") writes (the public server's apiSend):
    four-space indent, `<`, `>`, `&` escaped, a trailing newline."""
    text = json.dumps(body, indent=4, ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return (text + "\n").encode()


class RealShapedServer(PredbTestServer):
    """The test server answering as the public one does: HTTP 200 always (errors in the
    envelope), its headers, Go's encoding, `/stats`, and an envelope error on demand."""

    STATS_DATE = "2017-05-04T09:49:42.527504724+02:00"  # time.Time as Go writes it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.envelope_error: str | None = None  # answer the next request with this message

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if self.envelope_error is not None:
            message, self.envelope_error = self.envelope_error, None
            self.requests.append(logged(path))
            return self._json(conn, 200, {"status": "error", "message": message, "data": None})
        if path == f"{API}/stats":
            self.requests.append(logged(path))
            data = {"total": len(self.rows), "date": self.STATS_DATE, "time": 0.893255737}
            return self._json(conn, 200, {"status": "success", "message": "", "data": data})
        if path.rstrip("/") not in (API, f"{API}/live", f"{API}/ws"):
            return self._json(conn, 200, {"status": "error", "message": "not Found", "data": None})
        return super()._process_request(conn, request)

    @staticmethod
    def _json(conn: ServerConnection, status: int, body: dict[str, Any]) -> Response:
        if isinstance(body.get("data"), dict) and "rows" in body["data"]:
            data = body["data"]  # the field order of the server's apiRowData struct
            body = {**body, "data": {key: data[key] for key in
                                     ("rowCount", "rows", "offset", "reqCount", "total", "time")}}
        payload = go_encode(body)
        headers = Headers([
            ("Content-Type", "application/json; charset=utf-8"),
            ("Access-Control-Allow-Origin", "*"),
            ("Content-Length", str(len(payload))),
        ])  # fmt: skip
        return Response(status, http.HTTPStatus(status).phrase, headers, payload)


def logged(path: str) -> RequestLog:
    return RequestLog(path.removeprefix(API) or "/", time.monotonic(), 200)


def real_row(row_id: int, name: str, pre_at: float, size: float, nuke: dict | None = None
             ) -> dict:  # fmt: skip
    row = release_row(row_id, name, pre_at, size_kb=size, genre="", nuke=nuke)
    return {**row, "url": "http://imdb.com/title/tt3498622/"}


def real_nuke(nuke_id: int, pre_id: int, type_id: int, reason: str, net: str, at: float
              ) -> dict:  # fmt: skip
    kinds = {1: "nuke", 2: "unnuke", 3: "modnuke", 4: "delpre", 5: "undelpre"}
    return {"id": nuke_id, "typeId": type_id, "type": kinds[type_id], "preId": pre_id,
            "reason": reason, "net": net, "nukeAt": int(at)}  # fmt: skip


def test_backfill_of_answers_shaped_as_the_public_servers(tmp_path: Path) -> None:
    now = time.time() - 3600
    rows = [
        real_row(7814699, "Tom.&.Jerry.S01E01.720p.WEB.h264-YAPG", now, 211.9),
        real_row(7814700, "Dupe.Movie.2017.1080p.BluRay.x264-AIDA", now + 1, 4471368.217,
                 real_nuke(431, 7814700, 1, "dupe.2016", "LocalNet", now + 60)),
        real_row(7814701, "Fixed.Movie.2017.1080p.BluRay.x264-HAGGiS", now + 2, 258,
                 real_nuke(432, 7814701, 2, "fine", "", now + 70)),
    ]  # fmt: skip

    async def scenario() -> tuple[list[tuple], list[tuple], bytes]:
        async with RealShapedServer(rows) as server:
            async with httpx.AsyncClient() as web:
                raw = (await web.get(server.http_url.removeprefix("predb+"))).content
            with Store.open(tmp_path / "s.duckdb") as store:
                await run_backfill(store, server.http_url, BackfillRange(), limits=FAST)
                sizes = store.connection.execute(
                    "SELECT r.name, r.size_kb, p.size_kb FROM releases r "
                    "JOIN pre_reports p USING (release_id) ORDER BY r.name"
                ).fetchall()
                states = store.connection.execute(
                    "SELECT name, status, nuke_reason FROM release_state ORDER BY name"
                ).fetchall()
            return sizes, states, raw

    sizes, states, raw = run(scenario())
    assert b"Tom.\\u0026.Jerry" in raw and raw.endswith(b"}\n")  # the server's encoding
    assert sizes == [
        ("Dupe.Movie.2017.1080p.BluRay.x264-AIDA", 4471368.217, 4471368.217),
        ("Fixed.Movie.2017.1080p.BluRay.x264-HAGGiS", 258.0, 258.0),
        ("Tom.&.Jerry.S01E01.720p.WEB.h264-YAPG", 211.9, 211.9),
    ]  # fractional kB kept exactly: the store's column is a DOUBLE
    assert states == [
        ("Dupe.Movie.2017.1080p.BluRay.x264-AIDA", "nuked", "dupe.2016"),
        ("Fixed.Movie.2017.1080p.BluRay.x264-HAGGiS", "live", None),
        ("Tom.&.Jerry.S01E01.720p.WEB.h264-YAPG", "live", None),
    ]


def test_stats_reads_the_public_servers_answer() -> None:
    async def scenario() -> Any:
        async with RealShapedServer(make_rows(7)) as server:
            client = PredbRestClient(server.http_url, limits=FAST)
            try:
                return await client.stats()
            finally:
                await client.aclose()

    stats = run(scenario())
    assert stats.total == 7
    # nanoseconds and a +02:00 offset, as Go writes time.Time; kept to the microsecond, in UTC
    assert stats.date == dt.datetime(2017, 5, 4, 7, 49, 42, 527504, tzinfo=dt.UTC)
    assert stats.scan_seconds == 0.893255737


def test_an_error_envelope_with_http_200_is_a_clear_error_not_retried() -> None:
    async def scenario() -> tuple[str, str, int]:
        async with RealShapedServer(make_rows(3)) as server:
            client = PredbRestClient(server.http_url, limits=FAST)
            try:
                server.envelope_error = "Incorrect parameters (count)"
                with pytest.raises(PredbError) as bad_query:
                    await client.search("", 1, 10)
                sent = client.requests_sent
                wrong = PredbRestClient(server.http_url.replace("/v1/", "/v9/"), limits=FAST)
                with pytest.raises(PredbError) as not_found:
                    await wrong.live()
                await wrong.aclose()
                page = await client.search("", 1, 10)  # the next answer is fine again
                assert len(page.rows) == 3
            finally:
                await client.aclose()
            return str(bad_query.value), str(not_found.value), sent

    bad_query, not_found, sent = run(scenario())
    assert "the server says: Incorrect parameters (count)" in bad_query
    assert sent == 1  # the same question would get the same answer: no retry
    assert "the server says: not Found" in not_found
