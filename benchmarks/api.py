"""Load on the workbench's REST API: search and leaks at a steady request rate over a big store
while a live feed ingests pres, beside a bare FastAPI endpoint returning a constant.

Builds a store of N releases (default 10,000,000; the same bulk generator as `search.py`),
starts `scenescope serve --watch predb+ws://…` in its own process against a loopback
websocket server that sends predb.ovh insert frames at `--ingest-rate` pres/s, and sends an
open-loop load of `--rate` requests/s (latency measured from each request's scheduled time, so
a stall is not hidden by the client waiting) to each endpoint for `--seconds`. The peer is a
FastAPI app under uvicorn with one route returning a constant, loaded the same way in the same
run. Target: 200 requests/s with p99 under 300 ms while 100 pres/s are ingested.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from search import WORDS, build

SCENESCOPE = [str(Path(sys.executable).with_name("scenescope"))]
BARE_APP = textwrap.dedent(
    """
    import sys
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/constant")
    def constant() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Load:
    label: str
    sent: int
    ok: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def line(self, target_rate: float, peer: Load | None = None) -> str:
        lat = sorted(self.latencies_ms) or [float("nan")]
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        rate = self.ok / self.seconds
        verdict = "ok" if rate >= 0.98 * target_rate and p99 < 300 and not self.errors else "MISS"
        text = (
            f"{self.label:<28} {rate:7.1f} req/s ok  errors {self.errors:>4}  "
            f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
        )
        if peer is not None:
            peer_lat = sorted(peer.latencies_ms) or [float("nan")]
            peer_p99 = peer_lat[min(len(peer_lat) - 1, int(len(peer_lat) * 0.99))]
            text += f"  p99 {p99 / peer_p99:6.1f}x the bare endpoint  (target: {verdict})"
        return text


async def open_loop(
    urls: list[str], headers: dict[str, str], rate: float, seconds: float, label: str
) -> Load:
    """`rate` requests a second for `seconds` (taking `urls` in turn), each at its scheduled
    time; latency counts from the schedule, so queueing in the client or the server shows."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(headers=headers, timeout=30, limits=limits) as http:
        start = time.perf_counter() + 0.2
        total = int(rate * seconds)

        async def one(i: int) -> None:
            nonlocal errors
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                response = await http.get(urls[i % len(urls)])
                if response.status_code != 200:
                    errors += 1
                    return
            except httpx.HTTPError:
                errors += 1
                return
            latencies.append((time.perf_counter() - due) * 1000)

        tasks = [asyncio.create_task(one(i)) for i in range(total)]
        # a server that falls behind is not waited for: what is unanswered 30 s after the
        # last scheduled request counts as an error, so the run always ends and prints
        _, late = await asyncio.wait(tasks, timeout=seconds + 30)
        for task in late:
            task.cancel()
        errors += len(late)
        elapsed = time.perf_counter() - start
    return Load(label, total, len(latencies), errors, max(elapsed, seconds), latencies)


class PresFeed:
    """A loopback websocket server sending predb.ovh insert frames at a steady rate."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.port = free_port()
        self.sent = 0
        self.connections = 0
        self.clients: set[ServerConnection] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _client(self, connection: ServerConnection) -> None:
        self.clients.add(connection)
        self.connections += 1
        try:
            await connection.wait_closed()
        finally:
            self.clients.discard(connection)

    async def _main(self) -> None:
        async with serve(self._client, "127.0.0.1", self.port):
            started = time.perf_counter()
            while not self._stop.is_set():
                if self.clients:
                    self.sent += 1
                    frame = json.dumps({"action": "insert", "row": self._row(self.sent)})
                    for connection in list(self.clients):
                        with contextlib.suppress(ConnectionClosed):
                            await connection.send(frame)
                else:
                    started = time.perf_counter() - self.sent / self.rate
                due = started + self.sent / self.rate
                await asyncio.sleep(max(0.001, due - time.perf_counter()))

    @staticmethod
    def _row(number: int) -> dict[str, object]:
        return {
            "id": 90_000_000 + number,
            "name": f"Live.Bench.Title.{number}.2026.1080p.WEB.H264-LIVEGRP",
            "team": "LIVEGRP",
            "cat": "X264",
            "genre": "",
            "url": "",
            "size": 4321.5,
            "files": 40,
            "preAt": int(time.time()),
            "nuke": None,
        }

    def __enter__(self) -> PresFeed:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on {url} within {timeout:.0f} s")


def load_in_child(routes: list[str], headers: dict[str, str], rate: float, seconds: float,
                  label: str) -> Load:
    """`open_loop` in a process of its own: the feed's sender thread here would otherwise
    share this process's interpreter with the client and slow the client, not the server."""
    spec = json.dumps({"routes": routes, "headers": headers, "rate": rate, "seconds": seconds,
                       "label": label})
    done = subprocess.run([sys.executable, __file__, "--client"], input=spec,
                          capture_output=True, text=True, check=True)
    return Load(**json.loads(done.stdout.strip().splitlines()[-1]))


def settle(url: str, headers: dict[str, str], quiet_ms: float = 50, timeout: float = 120) -> None:
    """Until the server answers a cheap request quickly again: what a case left queued
    (requests the client gave up on) is not counted against the next one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.perf_counter()
        httpx.get(url, headers=headers, timeout=timeout)
        if (time.perf_counter() - started) * 1000 < quiet_ms:
            time.sleep(2)
            return
        time.sleep(1)


def wait_index(base: str, headers: dict[str, str], timeout: float = 900) -> None:
    """Until the server searches with the index (it catches up with the store at start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = httpx.get(base + "/api/v1/search-index", headers=headers, timeout=10).json()
        if state["ready"]:
            return
        time.sleep(0.5)
    raise SystemExit(f"the search index was not ready within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def add_catalog(db: Path) -> int:
    """A catalog for one release in ten, so the leaks board lists real leaks: titles of 20
    consecutive matched releases each, with the source parsed from the name, a theatrical
    opening before the first pre and home dates after it for one title in twenty (leaked) and
    before it for the rest. Returns the number of leaks (skipped when the store has titles)."""
    from scenescope.analysis.leaks import find_leaks
    from scenescope.store import Store

    with Store.open(db) as store:
        conn = store.connection
        if not conn.execute("SELECT count(*) FROM catalog_titles").fetchone()[0]:
            conn.execute(
                """
                CREATE TEMP TABLE bench_matches AS
                SELECT release_id, 'bench-' || ((release_id - 1) // 200) AS title_id,
                       (release_id - 1) // 200 AS k
                FROM releases WHERE (release_id - 1) % 10 = 0;
                UPDATE releases SET source = CASE
                    WHEN name LIKE '%BluRay%' THEN 'BluRay' WHEN name LIKE '%HDTV%' THEN 'HDTV'
                    WHEN name LIKE '%WEB%' THEN 'WEB' WHEN name LIKE '%DVDRip%' THEN 'DVD' END
                WHERE release_id IN (SELECT release_id FROM bench_matches);
                INSERT INTO catalog_titles (title_id, kind, title, year, aliases, studio,
                                            updated_at)
                SELECT title_id, 'movie', 'Bench Title ' || k, 1950 + (k % 75), [],
                       ['Warner', 'Universal', 'Disney', 'Sony', 'Paramount'][1 + k % 5], now()
                FROM bench_matches GROUP BY title_id, k;
                INSERT INTO release_matches (release_id, title_id, status, score, reason,
                                             matched_at)
                SELECT release_id, title_id, 'matched', 1.0, 'bench', now() FROM bench_matches;
                INSERT INTO catalog_release_dates (title_id, territory, release_window, date,
                                                   updated_at)
                SELECT title_id, 'US', w.name,
                       CAST(first_pre AS DATE) + CASE WHEN w.name = 'theatrical' THEN -90
                                                      WHEN k % 20 = 0 THEN 5 ELSE -10 END,
                       now()
                FROM (SELECT m.title_id, m.k, min(r.first_seen_at) AS first_pre
                      FROM bench_matches m JOIN releases r USING (release_id)
                      GROUP BY m.title_id, m.k) t,
                     (VALUES ('theatrical'), ('digital'), ('physical')) w(name);
                DROP TABLE bench_matches;
                CHECKPOINT;
                """
            )
        return len(find_leaks(store))


def count_live_pres(db: Path) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as conn:
        row = conn.execute("SELECT count(*) FROM pre_reports WHERE feed LIKE 'predb:%'").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    if sys.argv[1:] == ["--client"]:  # the load of one case, its spec on stdin
        spec = json.loads(sys.stdin.read())
        load = asyncio.run(open_loop(spec["routes"], spec["headers"], spec["rate"],
                                     spec["seconds"], spec["label"]))
        print(json.dumps(load.__dict__))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=10_000_000)
    parser.add_argument("--rate", type=float, default=200.0, help="Requests a second.")
    parser.add_argument("--ingest-rate", type=float, default=100.0, help="Pres a second.")
    parser.add_argument("--seconds", type=float, default=30.0, help="Per endpoint.")
    parser.add_argument("--db", type=Path, help="Reuse / keep this store file.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "api.duckdb"
        if not path.exists():
            seconds = build(path, args.releases)
            print(f"built {args.releases:,} releases in {seconds:.0f} s")
        print(f"catalog: {add_catalog(path):,} leaks on the board")
        indexed = subprocess.run(
            [*SCENESCOPE, "index", "--db", str(path), "--json"],
            capture_output=True, text=True, check=True,
        )
        built_index = json.loads(indexed.stdout.strip().splitlines()[-1])
        print(f"search index: {built_index['documents']:,} releases, "
              f"{built_index['releases_indexed']:,} indexed in {built_index['seconds']:.0f} s")
        made = subprocess.run(
            [*SCENESCOPE, "token", "create", "--role", "analyst", "--db", str(path), "--json"],
            capture_output=True, text=True, check=True,
        )
        token = json.loads(made.stdout.strip().splitlines()[-1])["token"]
        headers = {"Authorization": f"Bearer {token}"}

        bare_port = free_port()
        bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)])
        try:
            wait_http(f"http://127.0.0.1:{bare_port}/constant")
            peer = load_in_child([f"http://127.0.0.1:{bare_port}/constant"], {}, args.rate,
                                 args.seconds, "peer: bare FastAPI constant")
        finally:
            stop(bare)
        print(peer.line(args.rate))

        with PresFeed(args.ingest_rate) as feed:
            port = free_port()
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            server = subprocess.Popen(
                [*SCENESCOPE, "serve", "--db", str(path), "--port", str(port), "--rate-limit", "0",
                 "--watch", f"predb+ws://127.0.0.1:{feed.port}/api/v1/ws"],
                env=env,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_http(base + "/api/v1/headline")
                wait_index(base, headers)
                # first answers (cold caches, the first leaks computation) are not the steady state
                for warm in ("/api/v1/releases?q=ghost", "/api/v1/leaks?per_page=50"):
                    httpx.get(base + warm, headers=headers, timeout=600)
                sent_before, load_started = feed.sent, time.perf_counter()
                # many different queries, as many analysts would send; the first cases ask
                # each again within a second (a board, analysts after the same newest pres),
                # the last never asks the same twice (no kept page can answer it)
                words = [w.lower() for w in WORDS]
                groups = [f"grp{(i * 37) % 3000}" for i in range(300)]
                total = int(args.rate * args.seconds)
                day = dt.date(2010, 1, 1)
                unique = [
                    f"/api/v1/releases?q={words[i % 60]}&group={groups[(i // 60) % 300]}"
                    if i % 2 else
                    f"/api/v1/releases?q={words[i % 60]}"
                    f"&until={day + dt.timedelta(days=(i * 7919) % 3400)}"
                    for i in range(total)
                ]
                cases = [
                    ("search a word", [f"/api/v1/releases?q={w}" for w in words]),
                    ("search two words", [f"/api/v1/releases?q={a}+{b}"
                                          for a, b in zip(words, words[7:], strict=False)]),
                    ("search --group", [f"/api/v1/releases?group={g}" for g in groups]),
                    ("leaks board", [f"/api/v1/leaks?per_page=50&page={p}" for p in (1, 2, 3)]),
                    ("search, never the same", unique),
                ]
                loads = []
                for label, routes in cases:
                    settle(base + "/api/v1/search-index", headers)
                    urls = [base + route for route in routes]
                    loads.append(load_in_child(urls, headers, args.rate, args.seconds, label))
                ingest_seconds = time.perf_counter() - load_started
                sent = feed.sent - sent_before
            finally:
                stop(server)
        stored = count_live_pres(path)
        print(f"feed sent {sent / ingest_seconds:.0f} pres/s during the load; "
              f"{stored:,} live pres stored in all ({feed.connections} feed connection(s))")
        for load in loads:
            print(load.line(args.rate, peer))


if __name__ == "__main__":
    main()
