"""The replay server on loopback: predb.ovh-shaped HTTP search and live endpoints, the
websocket stream of frames, and announce lines on a real IRC server (Debian's ngircd)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import websockets

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
        assert missing.status_code == 404

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
