"""IRC announce channels through Debian's ngircd into a real store: registration with a nick
collision, PING/PONG, colour codes, every announce kind, and the same release reaching the
store from the websocket, IRC and REST as one release with three reports."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from scenescope.feeds.announce import AnnounceFeed, load_announce_config
from scenescope.feeds.irc import parse_irc_url
from scenescope.feeds.predb_rest import LivePoller, PredbLimits
from scenescope.feeds.predb_ws import PredbWebsocketFeed
from scenescope.feeds.ratelimit import RateLimit
from scenescope.store import Store
from servers.harness import WatchHarness
from servers.ngircd import AnnounceBot, Ngircd, ngircd_available, run_ngircd
from servers.predb import PredbTestServer, release_row

pytestmark = pytest.mark.skipif(
    not ngircd_available(), reason="ngircd missing: run scripts/install-system-test-deps"
)
FAST = PredbLimits(search=RateLimit(20, 0.5), live=RateLimit(2, 0.5), backoff_base_seconds=0.02)


@pytest.fixture(scope="module")
def ircd(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with run_ngircd(tmp_path_factory.mktemp("ngircd")) as server:
        yield server


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, 90))


def irc_feed(ircd: Ngircd, channel: str) -> AnnounceFeed:
    target = parse_irc_url(ircd.url(channel, nick="scenescope"))
    return AnnounceFeed(target, load_announce_config(), backoff_base_seconds=0.05)


def test_announces_reach_the_store_with_nick_collision_and_pong(
    ircd: Ngircd, tmp_path: Path
) -> None:
    lines: list[str | bytes] = [
        "\x0304,01[PRE]\x03 \x02[X264]\x02 Some.Movie.2020.1080p.BluRay.x264-GRP",
        "[INFO] Some.Movie.2020.1080p.BluRay.x264-GRP [8.5 GB] [87 F] [Drama]",
        "just people talking about \x1fthings\x1f",
        "[PRE] [TV-HD] Some.Show.S01E02.720p.HDTV.x264-TVG",
        "[NUKE] Some.Show.S01E02.720p.HDTV.x264-TVG [bad.ivtc] [LocalNet]",
        "[PRE] [XVID] Gone.Soon.2020.DVDRip.XviD-OLD",
        "[DELPRE] Gone.Soon.2020.DVDRip.XviD-OLD [wrong.section]",
        "[INFO] Never.Announced-NOBODY [1 GB]",
        b"[PRE] [MP3] Caf\xe9.Tunes-2020-LATIN1",  # not UTF-8: read as Latin-1
        "[PRE] [X264] Marker.Last.2020.720p.WEB.h264-END",
    ]

    async def scenario() -> tuple[dict, AnnounceFeed, str]:
        # The bot takes the nick first, so the feed must fall back to an alternate.
        bot = await AnnounceBot(ircd.port, "scenescope", "#pre").connect()
        try:
            with Store.open(tmp_path / "s.duckdb") as store:
                feed = irc_feed(ircd, "#pre")
                async with WatchHarness([feed], store) as h:
                    joined = await bot.wait_for_join()
                    for line in lines:
                        await bot.say(line)
                    await h.wait_for(
                        lambda: "Marker.Last.2020.720p.WEB.h264-END" in h.names(), what="marker"
                    )
                    # ngircd PINGs an idle client after its PingTimeout; we must answer.
                    await asyncio.wait_for(feed.client.ponged.wait(), 30)
                rows = store.connection.execute(
                    "SELECT s.name, s.status, s.nuke_reason, r.category, r.size_kb, r.files"
                    " FROM release_state s JOIN releases r USING (release_id)"
                ).fetchall()
                return {r[0]: r[1:] for r in rows}, feed, joined
        finally:
            await bot.close()

    got, feed, joined = run(scenario())
    assert joined == "scenescope_" and feed.client.nick == "scenescope_"
    assert feed.client.nick_collisions == 1 and feed.client.pongs_sent >= 1
    assert got["Some.Movie.2020.1080p.BluRay.x264-GRP"][:2] == ("live", None)
    assert got["Some.Movie.2020.1080p.BluRay.x264-GRP"][2] == "X264"  # colours stripped
    assert got["Some.Show.S01E02.720p.HDTV.x264-TVG"][:2] == ("nuked", "bad.ivtc")
    assert got["Gone.Soon.2020.DVDRip.XviD-OLD"][0] == "deleted"
    assert "Café.Tunes-2020-LATIN1" in got
    assert "Never.Announced-NOBODY" not in got and feed.orphan_infos == 1
    assert feed.chatter_lines == 1 and feed.health().errors == 0


def test_same_release_from_websocket_irc_and_rest_is_one_release_three_reports(
    ircd: Ngircd, tmp_path: Path
) -> None:
    name = "Shared.Title.2021.1080p.WEB.h264-TRIO"
    ws_pre_at = int(time.time()) - 40
    rest_pre_at = ws_pre_at - 25  # another source disagrees by 25 s: the earliest wins
    bogus = release_row(7, "Bogus.Future.2021.720p.WEB.h264-FAKE", time.time() + 30 * 86400)

    async def scenario() -> tuple[tuple, list[tuple], tuple]:
        bot = await AnnounceBot(ircd.port, "prebot", "#pre2").connect()
        try:
            async with PredbTestServer(
                [release_row(1, name, rest_pre_at)], live_limit=(2, 0.5)
            ) as server:
                with Store.open(tmp_path / "s.duckdb") as store:
                    ws = PredbWebsocketFeed(server.ws_url, limits=FAST, backoff_base_seconds=0.02)
                    irc = irc_feed(ircd, "#pre2")
                    rest = LivePoller(server.http_url, limits=FAST)
                    async with WatchHarness([ws, irc, rest], store) as h:
                        await bot.wait_for_join()
                        await asyncio.wait_for(server.client_connected.wait(), 10)
                        await server.send_raw(
                            f'{{"action": "insert", "row": {{"id": 1, "name": "{name}",'
                            f' "team": "TRIO", "cat": "X264", "preAt": {ws_pre_at}}}}}'
                        )
                        await server.publish("insert", bogus)
                        await bot.say(f"[PRE] [X264] {name}")
                        feeds = {ws.name, irc.name, rest.name}
                        await h.wait_for(
                            lambda: (
                                {e.feed for e in h.applied if getattr(e, "name", "") == name}
                                == feeds
                            ),
                            what="three feeds",
                        )
                    state = store.connection.execute(
                        "SELECT count(*) OVER (), report_count, feed_count, epoch(pre_at)"
                        " FROM release_state WHERE name = ?",
                        [name],
                    ).fetchall()[0]
                    reports = store.connection.execute(
                        "SELECT feed, epoch(pre_at) FROM pre_reports JOIN releases"
                        " USING (release_id) WHERE name = ? ORDER BY pre_at",
                        [name],
                    ).fetchall()
                    flagged = store.connection.execute(
                        "SELECT trusted, flag_reason IS NOT NULL FROM pre_reports JOIN releases"
                        " USING (release_id) WHERE name = ?",
                        [bogus["name"]],
                    ).fetchall()[0]
                    return state, reports, flagged
        finally:
            await bot.close()

    state, reports, flagged = run(scenario())
    assert state[:3] == (1, 3, 3)  # one release, three reports from three feeds
    assert state[3] == rest_pre_at  # earliest credible report
    assert [feed.split("/")[-1] for feed, _ in reports[:2]] == ["live", "ws"]
    assert reports[2][0].startswith("irc:")
    assert flagged == (False, True)  # a pre a month in the future is kept but not trusted


def test_feed_reconnects_after_the_server_restarts(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first_dir.mkdir()
    second_dir.mkdir()

    async def scenario() -> tuple[set[str], int, bool]:
        with Store.open(tmp_path / "s.duckdb") as store:
            with run_ngircd(first_dir) as first:
                port = first.port
                feed = irc_feed(first, "#pre")
                harness = WatchHarness([feed], store)
                await harness.__aenter__()
                bot = await AnnounceBot(port, "prebot", "#pre").connect()
                await bot.wait_for_join()
                await bot.say("[PRE] [X264] Before.Restart.2020.1080p.WEB.h264-GRP")
                await harness.wait_for(lambda: len(harness.names()) == 1, what="first pre")
                await bot.close()
            # The server is gone; the feed backs off and retries until a new one listens.
            with run_ngircd(second_dir, port=port) as second:
                bot = await AnnounceBot(second.port, "prebot", "#pre").connect()
                await bot.wait_for_join(timeout=30)
                await bot.say("[PRE] [X264] After.Restart.2020.1080p.WEB.h264-GRP")
                await harness.wait_for(lambda: len(harness.names()) == 2, what="second pre")
                await bot.close()
                await harness.__aexit__()
            connected_at_stop = feed.health().connected
            return harness.names(), feed.health().reconnects, connected_at_stop

    names, reconnects, _ = run(scenario())
    assert names == {
        "Before.Restart.2020.1080p.WEB.h264-GRP",
        "After.Restart.2020.1080p.WEB.h264-GRP",
    }
    assert reconnects >= 1


def test_ircs_feed_reads_announces_over_tls(tmp_path: Path) -> None:
    async def scenario() -> set[str]:
        with run_ngircd(tmp_path, tls=True) as server, Store.open(tmp_path / "s.duckdb") as store:
            url = f"ircs://127.0.0.1:{server.tls_port}/#secure?nick=tlsreader&verify=0"
            feed = AnnounceFeed(parse_irc_url(url), backoff_base_seconds=0.05)
            async with WatchHarness([feed], store) as h:
                bot = await AnnounceBot(server.port, "prebot", "#secure").connect()
                try:
                    assert await bot.wait_for_join() == "tlsreader"
                    await bot.say("[PRE] [X264] Over.Tls.2020.1080p.WEB.h264-SEC")
                    await h.wait_for(lambda: bool(h.names()), what="pre over TLS")
                finally:
                    await bot.close()
            return h.names()

    assert run(scenario()) == {"Over.Tls.2020.1080p.WEB.h264-SEC"}
