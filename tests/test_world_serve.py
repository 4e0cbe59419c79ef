"""The replay server on loopback: predb.ovh-shaped HTTP search, live and stats endpoints
(answered as the public server's Go source writes them), the websocket stream of frames (nuke
keys `typeId` / `preId`, fractional kB sizes), our REST and websocket connectors reading it,
and announce lines on a real IRC server (Debian's ngircd)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import websockets

from scenescope.feeds.events import NukeEvent, PreReport, Reject
from scenescope.feeds.predb_ovh_rows import release_events
from scenescope.feeds.predb_rest import PredbError, PredbLimits, PredbRestClient
from scenescope.feeds.predb_ws import PredbWebsocketFeed
from scenescope.feeds.ratelimit import RateLimit
from scenescope.world.config import load_config
from scenescope.world.serve import ReplayServer, ServeError, announce_line, load_frames
from scenescope.world.simulate import simulate
from servers.ngircd import ngircd_available, run_ngircd

TINY = {"world": {"start": "2020-03-02", "end": "2020-03-05", "scale": 0.05, "seed": 3}}


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[int, str]]:
    out = tmp_path_factory.mktemp("tinyworld")
    simulate(load_config(overrides=TINY), out)
    return load_frames(out)


def _start_at(frames: list[tuple[int, str]], days: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(frames[0][0] + int(days * 86400), dt.UTC)


def test_http_search_and_live_answer_like_predb_ovh(frames: list[tuple[int, str]]) -> None:
    async def scenario() -> None:
        async with ReplayServer(frames, speed=1.0, start_at=_start_at(frames, 2)) as server:
            base = f"http://127.0.0.1:{server.port}/api/v1"
            async with httpx.AsyncClient(timeout=10) as client:
                page1 = (await client.get(f"{base}/", params={"count": 5, "page": 1})).json()
                page2 = (await client.get(f"{base}/", params={"count": 5, "page": 2})).json()
                live = (await client.get(f"{base}/live")).json()
                word = page1["data"]["rows"][0]["team"]
                found = (await client.get(f"{base}/", params={"q": word})).json()
                missing = await client.get(f"http://127.0.0.1:{server.port}/nowhere")
        assert page1["status"] == "success"
        data = page1["data"]
        assert data["rowCount"] == 5 and data["total"] > 50
        assert {"id", "name", "team", "cat", "size", "files", "preAt", "nuke"} <= set(
            data["rows"][0])
        pre_ats = [row["preAt"] for row in data["rows"] + page2["data"]["rows"]]
        assert pre_ats == sorted(pre_ats, reverse=True)  # newest first, paging continues
        assert max(pre_ats) <= _start_at(frames, 2).timestamp()  # nothing from the future
        assert live["data"]["rows"]
        assert all(word.lower() in row["name"].lower() for row in found["data"]["rows"])
        # as the public server's not-found handler: HTTP 200, the error in the envelope
        assert missing.status_code == 200
        assert missing.json() == {"status": "error", "message": "not Found", "data": None}

    asyncio.run(scenario())


def test_websocket_streams_frames_as_the_clock_reaches_them(frames: list[tuple[int, str]]
                                                             ) -> None:
    start = _start_at(frames, 2)

    async def scenario() -> list[dict]:
        async with ReplayServer(frames, speed=86400.0 / 2, start_at=start) as server:
            received: list[dict] = []
            async with websockets.connect(f"ws://127.0.0.1:{server.port}/api/v1/ws") as ws:
                while len(received) < 30:
                    received.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            return received

    received = asyncio.run(scenario())
    actions = {frame["action"] for frame in received}
    assert "insert" in actions
    times = [frame["row"]["preAt"] for frame in received if frame["action"] == "insert"]
    assert min(times) > start.timestamp()


def test_replay_refuses_a_missing_world(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match=r"ws_frames\.jsonl: not found"):
        load_frames(tmp_path)


@pytest.mark.skipif(not ngircd_available(), reason="ngircd missing")
def test_irc_announces_pres_on_a_real_server(frames: list[tuple[int, str]],
                                             tmp_path: Path) -> None:
    async def listen(port: int, lines: asyncio.Queue[str], joined: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"NICK listener\r\nUSER listener 0 * :test\r\n")
        while raw := await reader.readline():
            text = raw.decode().rstrip("\r\n")
            parts = text.split(" ")
            if parts[0] == "PING":
                writer.write(("PONG " + " ".join(parts[1:]) + "\r\n").encode())
            elif len(parts) > 1 and parts[1] == "001":
                writer.write(b"JOIN #pre\r\n")
            elif len(parts) > 1 and parts[1] == "366":
                joined.set()
            elif len(parts) > 3 and parts[1] == "PRIVMSG":
                lines.put_nowait(text.split(" :", 1)[1])

    async def scenario(port: int) -> list[str]:
        lines: asyncio.Queue[str] = asyncio.Queue()
        joined = asyncio.Event()
        listener = asyncio.create_task(listen(port, lines, joined))
        await asyncio.wait_for(joined.wait(), 10)
        async with ReplayServer(frames, speed=86400.0 / 4, start_at=_start_at(frames, 2),
                                irc_url=f"irc://127.0.0.1:{port}/#pre"):
            got = [await asyncio.wait_for(lines.get(), 10) for _ in range(10)]
        listener.cancel()
        return got

    with run_ngircd(tmp_path) as server:
        got = asyncio.run(scenario(server.port))
    assert all(line.startswith(("[PRE] [", "[NUKE] ", "[UNNUKE] ", "[MODNUKE] ", "[DELPRE] ",
                                "[UNDELPRE] ")) for line in got)
    assert any(line.startswith("[PRE] [") for line in got)


def test_announce_line_formats() -> None:
    insert = {"action": "insert", "row": {"name": "A.Film.2020.1080p.BluRay.x264-GRP",
                                          "cat": "X264-HD"}}
    nuke = {"action": "nuke", "row": {"name": "A.Film-GRP", "nuke": {"reason": "dupe",
                                                                     "net": "ZoneNuke"}}}
    assert announce_line(insert) == "[PRE] [X264-HD] A.Film.2020.1080p.BluRay.x264-GRP"
    assert announce_line(nuke) == "[NUKE] A.Film-GRP [dupe] [ZoneNuke]"


FAST = PredbLimits(search=RateLimit(20, 0.5), live=RateLimit(5, 0.5), stats=RateLimit(5, 0.5),
                   backoff_base_seconds=0.02, max_attempts=2)  # fmt: skip


def test_responses_are_encoded_as_the_public_server_encodes_them(
    frames: list[tuple[int, str]],
) -> None:
    async def scenario() -> list[httpx.Response]:
        async with ReplayServer(frames, speed=1.0, start_at=_start_at(frames, 2)) as server:
            base = f"http://127.0.0.1:{server.port}/api/v1"
            async with httpx.AsyncClient(timeout=10) as client:
                return [await client.get(f"{base}{path}") for path in ("/", "/live", "/stats")]

    for response in asyncio.run(scenario()):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.headers["access-control-allow-origin"] == "*"
        # Go's Encoder with SetIndent("", "    "): keys in struct order, a trailing newline
        assert response.text.startswith('{\n    "status": "success",\n    "message": "",\n')
        assert response.text.endswith("}\n")
    search, live, stats = (r.json()["data"] for r in asyncio.run(scenario()))
    assert list(search) == ["rowCount", "rows", "offset", "reqCount", "total", "time"]
    assert list(live) == list(search)
    assert list(stats) == ["total", "date", "time"]


def test_stats_answers_like_the_public_server(frames: list[tuple[int, str]]) -> None:
    start = _start_at(frames, 2)

    async def scenario() -> tuple[dict, dict]:
        async with ReplayServer(frames, speed=1.0, start_at=start) as server:
            base = f"http://127.0.0.1:{server.port}/api/v1"
            async with httpx.AsyncClient(timeout=10) as client:
                stats = (await client.get(f"{base}/stats")).json()
                live = (await client.get(f"{base}/live")).json()
        return stats, live

    stats, live = asyncio.run(scenario())
    assert stats["status"] == "success" and stats["message"] == ""
    data = stats["data"]
    assert data["total"] == live["data"]["total"] > 50  # every release visible so far
    assert isinstance(data["time"], float) and data["time"] >= 0
    # RFC 3339 in UTC, the replay's (simulated) clock: just after the start
    assert data["date"].endswith("Z")
    date = dt.datetime.fromisoformat(data["date"].replace("Z", "+00:00"))
    assert start <= date < start + dt.timedelta(minutes=1)


def test_frames_spell_nukes_and_sizes_as_the_public_server(
    frames: list[tuple[int, str]],
) -> None:
    parsed = [json.loads(line) for _, line in frames]
    nukes = [f["row"]["nuke"] for f in parsed if f["row"]["nuke"]]
    assert nukes
    for nuke in nukes:
        assert list(nuke) == ["id", "typeId", "type", "preId", "reason", "net", "nukeAt"]
        assert nuke["type"] in ("nuke", "unnuke", "modnuke", "delpre", "undelpre")  # lower case
        assert isinstance(nuke["reason"], str) and isinstance(nuke["net"], str)
    assert all(f["row"]["nuke"]["preId"] == f["row"]["id"] for f in parsed if f["row"]["nuke"])
    sizes = [f["row"]["size"] for f in parsed]
    assert all(isinstance(size, float) for size in sizes)
    assert sum(size != int(size) for size in sizes) > len(sizes) // 2  # fractional kB
    assert all(round(size, 3) == size for size in sizes)  # bytes / 1000: three decimals at most


def test_frames_of_an_older_world_are_served_with_the_public_spelling(tmp_path: Path) -> None:
    old_nuke = {"id": 1, "typeID": 1, "type": "NUKE", "preID": 5, "reason": "dupe",
                "net": "LocalNet", "nukeAt": 1583132716}  # fmt: skip
    row = {"id": 5, "name": "Old.World.2020.720p.WEB.h264-GRP", "team": "GRP", "cat": "X264",
           "genre": "", "url": "", "size": 1234, "files": 3, "preAt": 1583123630, "nuke": None}
    insert = json.dumps({"action": "insert", "row": row}, separators=(",", ":"))
    (tmp_path / "ws_frames.jsonl").write_text(
        insert + "\n" + json.dumps({"action": "nuke", "row": {**row, "nuke": old_nuke}}) + "\n"
    )
    (first_at, first), (_, nuke_line) = load_frames(tmp_path)
    assert first == insert and first_at == 1583123630  # untouched, byte for byte
    nuke = json.loads(nuke_line)["row"]["nuke"]
    assert list(nuke) == ["id", "typeId", "type", "preId", "reason", "net", "nukeAt"]
    assert (nuke["typeId"], nuke["preId"]) == (1, 5)


def test_rest_connector_reads_the_replay(frames: list[tuple[int, str]]) -> None:
    start = _start_at(frames, 2)

    async def scenario() -> tuple[object, list, str]:
        async with ReplayServer(frames, speed=1.0, start_at=start) as server:
            client = PredbRestClient(f"predb+http://127.0.0.1:{server.port}/api/v1/",
                                     limits=FAST)  # fmt: skip
            try:
                stats = await client.stats()
                page = await client.search("", 1, 100)
            finally:
                await client.aclose()
            wrong = PredbRestClient(f"predb+http://127.0.0.1:{server.port}/api/v2/",
                                    limits=FAST)  # fmt: skip
            try:
                with pytest.raises(PredbError) as failure:
                    await wrong.live()
            finally:
                await wrong.aclose()
        return stats, page.rows, str(failure.value)

    stats, rows, failure = asyncio.run(scenario())
    assert stats.total > 50 and stats.date is not None and stats.date >= start
    events = [e for row in rows for e in release_events(row)]
    assert not [e for e in events if isinstance(e, Reject)]
    sizes = [e.size_kb for e in events if isinstance(e, PreReport)]
    assert len(sizes) == 100 and any(size != int(size) for size in sizes if size)
    assert "the server says: not Found" in failure


def test_websocket_connector_reads_the_replays_nukes(frames: list[tuple[int, str]]) -> None:
    start = _start_at(frames, 1)

    async def scenario() -> list:
        async with ReplayServer(frames, speed=86400.0 / 2, start_at=start) as server:
            feed = PredbWebsocketFeed(f"predb+ws://127.0.0.1:{server.port}/api/v1/ws",
                                      limits=FAST, backoff_base_seconds=0.02)  # fmt: skip
            got: list = []
            stream = feed.events()
            try:
                async for event in stream:
                    got.append(event)
                    if sum(isinstance(e, NukeEvent) for e in got) >= 3:
                        break
            finally:
                await stream.aclose()
            return got

    events = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert not [e for e in events if isinstance(e, Reject)]
    nukes = [e for e in events if isinstance(e, NukeEvent)]
    assert len(nukes) >= 3 and all(e.at > start for e in nukes)
    assert all(e.kind in ("nuke", "unnuke", "modnuke", "delpre") and e.reason for e in nukes)
