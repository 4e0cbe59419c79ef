"""predb.ovh websocket into a real store through `watch`: all eight actions, event-time
ordering of nukes, malformed frames quarantined while the feed keeps running, and
reconnect with `/live` gap-fill after the server drops the connection, and frames exactly as
the public server sends them."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from scenescope.feeds.predb_rest import PredbLimits
from scenescope.feeds.predb_ws import PredbWebsocketFeed, websocket_url
from scenescope.feeds.ratelimit import RateLimit
from scenescope.store import Store
from servers.harness import WatchHarness
from servers.predb import PredbTestServer, nuke_object, release_row

FAST = PredbLimits(search=RateLimit(20, 0.5), live=RateLimit(5, 0.5), backoff_base_seconds=0.02)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, 90))


def state(store: Store) -> dict[str, tuple]:
    rows = store.connection.execute(
        "SELECT name, status, nuke_reason, report_count, epoch(pre_at) FROM release_state"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def ws_feed(server: PredbTestServer) -> PredbWebsocketFeed:
    return PredbWebsocketFeed(server.ws_url, limits=FAST, backoff_base_seconds=0.02)


def test_websocket_url_forms() -> None:
    assert websocket_url("predb+wss://predb.ovh/api/v1/ws") == "wss://predb.ovh/api/v1/ws"
    assert websocket_url("predb+ws://127.0.0.1:8/api/v1") == "ws://127.0.0.1:8/api/v1/ws"


def test_all_eight_actions_reach_the_store_in_event_time_order(tmp_path: Path) -> None:
    t0 = int(time.time()) - 600
    a = release_row(1, "Alpha.2020.1080p.BluRay.x264-GRP", t0)
    b = release_row(2, "Bravo.2020.720p.WEB.h264-GRP", t0 + 1)
    c = release_row(3, "Charlie.S01E01.720p.HDTV.x264-TV", t0 + 2)
    d = release_row(4, "Delta.2020.2160p.UHD.BluRay.x265-UHD", t0 + 3)

    def with_nuke(row: dict, nuke_id: int, kind: str, reason: str, at: int) -> dict:
        return {**row, "nuke": nuke_object(nuke_id, row["id"], kind, reason, "NET", at)}

    frames = [
        ("insert", a),
        ("insert", b),
        ("insert", c),
        ("update", {**a, "preAt": t0 - 30, "cat": "X264-HD"}),  # a corrected, earlier time
        ("nuke", with_nuke(a, 10, "nuke", "dupe", t0 + 60)),
        ("unnuke", with_nuke(a, 11, "unnuke", "fine.after.all", t0 + 70)),
        ("modnuke", with_nuke(a, 12, "modnuke", "bad.ivtc", t0 + 80)),
        ("delpre", with_nuke(b, 13, "delpre", "wrong.section", t0 + 60)),
        ("undelpre", with_nuke(b, 14, "undelpre", "restored", t0 + 70)),
        ("delete", c),
        # Out of order: the unnuke (later event time) arrives before the nuke it reverses,
        # and before any pre of the release.
        ("unnuke", with_nuke(d, 15, "unnuke", "ok", t0 + 90)),
        ("nuke", with_nuke(d, 16, "nuke", "mislabeled", t0 + 50)),
        ("insert", d),
    ]

    async def scenario() -> dict[str, tuple]:
        async with PredbTestServer() as server:
            with Store.open(tmp_path / "s.duckdb") as store:
                async with WatchHarness([ws_feed(server)], store) as h:
                    await asyncio.wait_for(server.client_connected.wait(), 10)
                    for action, row in frames:
                        await server.publish(action, row)
                    # Frames arrive in order: once the last marker is stored, all are.
                    marker = release_row(99, "Zulu.Marker.2020.720p.WEB.h264-END", t0 + 99)
                    await server.publish("insert", marker)
                    await h.wait_for(lambda: marker["name"] in h.names(), what="all frames")
                return state(store)

    got = run(scenario())
    assert got[a["name"]][:3] == ("nuked", "bad.ivtc", 2)  # modnuke is the latest event
    assert got[a["name"]][3] == t0 - 30  # earliest report wins, not the last one
    assert got[b["name"]][0] == "live"  # delpre then undelpre
    assert got[c["name"]][0] == "deleted"  # predb.ovh delete is recorded as a delpre
    assert got[d["name"]][0] == "live"  # unnuke at t0+90 outranks the nuke at t0+50


def test_bad_frames_are_quarantined_and_the_feed_keeps_running(tmp_path: Path) -> None:
    good_after = release_row(9, "After.The.Storm.2020.1080p.WEB.h264-GOOD", time.time() - 5)
    bad_frames: list[str | bytes] = [
        "{not json",
        json.dumps({"action": "explode", "row": good_after}),
        json.dumps({"action": "insert", "row": {**good_after, "name": 12345}}),
        json.dumps({"action": "insert", "row": {k: v for k, v in good_after.items()
                                                if k != "preAt"}}),
        json.dumps({"action": "insert", "row": {**good_after, "name": "A" * 100_000 + "-X"}}),
        b"\xff\xfe{\x80 invalid utf-8",
    ]  # fmt: skip

    async def scenario() -> tuple[int, int, set[str], object]:
        async with PredbTestServer() as server:
            with Store.open(tmp_path / "s.duckdb") as store:
                feed = ws_feed(server)
                async with WatchHarness([feed], store) as h:
                    await asyncio.wait_for(server.client_connected.wait(), 10)
                    for frame in bad_frames:
                        await server.send_raw(frame)
                    await server.publish("insert", good_after)
                    await h.wait_for(lambda: good_after["name"] in h.names(), what="good row")
                quarantined = store.connection.execute(
                    "SELECT count(*) FROM quarantine"
                ).fetchall()[0]
                names = {r[0] for r in store.connection.execute("SELECT name FROM releases")
                         .fetchall()}  # fmt: skip
                return quarantined[0], server.ws_connects, names, feed.health()

    quarantined, connects, names, health = run(scenario())
    assert quarantined == len(bad_frames)
    assert names == {good_after["name"]}
    assert connects == 1  # never dropped the connection over bad input
    assert health.errors == len(bad_frames) and health.connected is False  # closed at stop


def test_drop_reconnect_and_gap_fill_via_live_and_pages(tmp_path: Path) -> None:
    now = time.time()
    before = release_row(1, "Before.Drop.2020.1080p.WEB.h264-GRP", now - 120)

    async def scenario() -> tuple[set[str], int, int, set[str]]:
        # /live returns only 5 rows, so a 12-row gap also needs a `/` page.
        async with PredbTestServer(live_count=5) as server:
            with Store.open(tmp_path / "s.duckdb") as store:
                feed = ws_feed(server)
                async with WatchHarness([feed], store) as h:
                    await asyncio.wait_for(server.client_connected.wait(), 10)
                    await server.publish("insert", before)
                    await h.wait_for(lambda: before["name"] in h.names(), what="first frame")
                    await server.drop_clients()
                    gap = [
                        release_row(
                            100 + i, f"Gap.Release.{i}.2020.720p.WEB.h264-GRP", now - 60 + i
                        )
                        for i in range(12)
                    ]
                    for row in gap:
                        server.add(row)  # published while nobody is connected
                    gap_names = {r["name"] for r in gap}
                    await h.wait_for(lambda: gap_names <= h.names(), what="gap rows")
                    after = release_row(200, "After.Reconnect.2020.1080p.WEB.h264-GRP", now)
                    await server.publish("insert", after)
                    await h.wait_for(lambda: after["name"] in h.names(), what="live again")
                names = {r[0] for r in store.connection.execute("SELECT name FROM releases")
                         .fetchall()}  # fmt: skip
                paths = {r.path for r in server.requests if r.status == 200}
                return names, server.ws_connects, feed.gap_fills, paths | gap_names

    names, connects, gap_fills, seen = run(scenario())
    assert connects == 2 and gap_fills == 1
    assert {"/live", "/"} <= seen
    assert len(names) == 14 and all(n in names for n in seen if n.startswith("Gap."))


def go_frame(action: str, row: dict) -> str:
    """A frame as the public server's gorilla WriteJSON sends it: Go's json.Encoder output,
    compact, `<`, `>`, `&` escaped, newline-terminated."""
    text = json.dumps({"action": action, "row": row}, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text + "\n"


def test_frames_exactly_as_the_public_server_sends_them(tmp_path: Path) -> None:
    t0 = int(time.time()) - 600
    tom = {**release_row(7814699, "Tom.&.Jerry.S01E01.720p.WEB.h264-YAPG", t0, size_kb=211.9),
           "genre": "", "url": ""}  # fmt: skip
    dupe = release_row(7814700, "Dupe.Movie.2017.1080p.BluRay.x264-AIDA", t0 + 1,
                       size_kb=4471368.217)  # fmt: skip
    # nuke.go: {id, typeId, type, preId, reason, net, nukeAt}; the row is the whole release
    nuke = {"id": 431, "typeId": 1, "type": "nuke", "preId": dupe["id"], "reason": "dupe.2016",
            "net": "LocalNet", "nukeAt": t0 + 60}  # fmt: skip
    modnuke = {**nuke, "id": 432, "typeId": 3, "type": "modnuke", "reason": "dupe.2015",
               "net": "", "nukeAt": t0 + 90}  # fmt: skip
    frames = [
        go_frame("insert", tom),
        go_frame("insert", dupe),
        go_frame("nuke", {**dupe, "nuke": nuke}),
        go_frame("modnuke", {**dupe, "nuke": modnuke}),
    ]
    assert "Tom.\\u0026.Jerry" in frames[0] and frames[0].endswith("}\n")

    async def scenario() -> tuple[dict[str, tuple], list[tuple], int]:
        async with PredbTestServer() as server:
            with Store.open(tmp_path / "s.duckdb") as store:
                async with WatchHarness([ws_feed(server)], store) as h:
                    await asyncio.wait_for(server.client_connected.wait(), 10)
                    for frame in frames:
                        await server.send_raw(frame)
                    marker = release_row(99, "Zulu.Marker.2020.720p.WEB.h264-END", t0 + 99)
                    await server.send_raw(go_frame("insert", marker))
                    await h.wait_for(lambda: marker["name"] in h.names(), what="all frames")
                sizes = store.connection.execute(
                    "SELECT name, size_kb FROM releases ORDER BY name"
                ).fetchall()
                [(quarantined,)] = store.connection.execute(
                    "SELECT count(*) FROM quarantine"
                ).fetchall()
                return state(store), sizes, quarantined

    got, sizes, quarantined = run(scenario())
    assert quarantined == 0
    assert got[dupe["name"]][:2] == ("nuked", "dupe.2015")  # the modnuke is the latest
    assert got[tom["name"]][0] == "live"
    assert sizes[:2] == [
        ("Dupe.Movie.2017.1080p.BluRay.x264-AIDA", 4471368.217),
        ("Tom.&.Jerry.S01E01.720p.WEB.h264-YAPG", 211.9),
    ]
