"""predb.ovh REST backfill against the loopback test server: paging, rate limits, retries,
the resumable cursor, date ranges, and the `scenescope backfill` command."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time
from pathlib import Path

import pytest

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
from servers.predb import PredbTestServer, release_row

SCENESCOPE = str(Path(sys.executable).parent / "scenescope")
WINDOW = 0.4  # the test server's rate-limit window: the real 60 s, shrunk
FAST = PredbLimits(
    search=RateLimit(4, WINDOW),
    live=RateLimit(2, WINDOW),
    backoff_base_seconds=0.02,
    backoff_cap_seconds=0.2,
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
