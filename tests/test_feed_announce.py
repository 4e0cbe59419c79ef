"""Announce-line patterns, mIRC code stripping, the pattern file's errors, IRC URLs and lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scenescope.feeds.announce import (
    AnnounceConfigError,
    AnnounceFeed,
    load_announce_config,
    parse_announcement,
    strip_formatting,
)
from scenescope.feeds.events import NukeEvent, PreReport, Reject
from scenescope.feeds.irc import alternate_nick, parse_irc_url, parse_line
from scenescope.feeds.sources import open_feed

DEFAULTS = load_announce_config().patterns_for("anynet")


def test_strip_formatting_removes_colour_and_style_codes() -> None:
    line = "\x0304,12[PRE]\x03 \x02\x1dBold\x1d\x02 \x0399x\x0f \x04ff0000hex\x04 \x1funder\x1f"
    assert strip_formatting(line) == "[PRE] Bold x hex under"


@pytest.mark.parametrize(
    ("line", "kind", "name", "extra"),
    [
        ("[PRE] [X264] A.Movie.2020.BluRay.x264-GRP", "pre", "A.Movie.2020.BluRay.x264-GRP",
         {"category": "X264"}),
        ("[ PRE ] Bare.Name-GRP [700 MB] [15 F]", "pre", "Bare.Name-GRP",
         {"size_kb": 700 * 1024.0, "files": 15}),
        ("[NUKE] X.Y-GRP [dupe.of.other] [NukeNet]", "nuke", "X.Y-GRP",
         {"reason": "dupe.of.other", "network": "NukeNet"}),
        ("[UNNUKE] X.Y-GRP [fixed]", "unnuke", "X.Y-GRP", {"reason": "fixed"}),
        ("[MODNUKE] X.Y-GRP [get.proper]", "modnuke", "X.Y-GRP", {"reason": "get.proper"}),
        ("[DELPRE] X.Y-GRP", "delpre", "X.Y-GRP", {}),
        ("[UNDELPRE] X.Y-GRP [oops]", "undelpre", "X.Y-GRP", {"reason": "oops"}),
        ("[INFO] X.Y-GRP [1.5 GB] [52 F] [Drama]", "info", "X.Y-GRP",
         {"size_kb": 1.5 * 1024**2, "files": 52, "genre": "Drama"}),
    ],
)  # fmt: skip
def test_default_patterns(line: str, kind: str, name: str, extra: dict) -> None:
    found = parse_announcement(line, DEFAULTS)
    assert found is not None and (found.kind, found.name) == (kind, name)
    for key, value in extra.items():
        assert getattr(found, key) == value


def test_chatter_is_not_an_announcement() -> None:
    assert parse_announcement("anyone seen the [PRE] channel today?", DEFAULTS) is None
    assert parse_announcement("", DEFAULTS) is None


def test_overlong_name_becomes_a_reject_not_a_release() -> None:
    feed = AnnounceFeed(parse_irc_url("irc://127.0.0.1:1/#pre"))
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    event = feed.convert("[PRE] " + "A" * 100_000 + "-X", "#pre", at)
    assert isinstance(event, Reject) and "100002 characters" in event.reason
    assert isinstance(feed.convert("[PRE] Fine-GRP", "#pre", at), PreReport)
    info = feed.convert("[INFO] Fine-GRP [2 GB]", "#pre", at + dt.timedelta(seconds=5))
    assert isinstance(info, PreReport) and info.pre_at == at and info.size_kb == 2 * 1024**2
    nuke = feed.convert("[NUKE] Fine-GRP [dupe]", "#pre", at)
    assert isinstance(nuke, NukeEvent) and nuke.reason == "dupe"


def test_network_patterns_from_a_user_file_come_before_defaults(tmp_path: Path) -> None:
    conf = tmp_path / "announce.toml"
    conf.write_text(
        "[[networks.othernet.patterns]]\n"
        "kind = 'pre'\n"
        "regex = '''^NEW (?P<category>\\S+) > (?P<name>\\S+)$'''\n"
    )
    config = load_announce_config(conf)
    found = parse_announcement(
        "NEW TV-X264 > Show.S01E01.720p.HDTV.x264-GRP", config.patterns_for("OtherNet")
    )
    assert found is not None and found.category == "TV-X264"
    # defaults still apply on that network, and other networks do not see its pattern
    assert parse_announcement("[DELPRE] A-B", config.patterns_for("othernet")) is not None
    assert parse_announcement("NEW X > A-B", config.patterns_for("elsewhere")) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[networks.x.patterns]]\nkind = 'pre'\nregex = '(unclosed'\n", "patterns[0]: bad regex"),
        ("[[networks.x.patterns]]\nkind = 'pre'\nregex = 'no name group'\n", "(?P<name>"),
        ("[[networks.x.patterns]]\nkind = 'leak'\nregex = '(?P<name>x)'\n", "kind 'leak'"),
        ("[networks.x\n", "not valid TOML"),
    ],
)
def test_bad_pattern_files_say_where(tmp_path: Path, text: str, message: str) -> None:
    conf = tmp_path / "mine.toml"
    conf.write_text(text)
    with pytest.raises(AnnounceConfigError) as failure:
        load_announce_config(conf)
    assert str(conf) in str(failure.value) and message in str(failure.value)


def test_irc_urls() -> None:
    target = parse_irc_url("ircs://irc.example.net/#pre,#nuke?nick=watcher&network=LinkNet")
    assert (target.host, target.port, target.tls) == ("irc.example.net", 6697, True)
    assert target.channels == ("#pre", "#nuke") and target.nick == "watcher"
    assert target.network == "LinkNet" and target.label == "irc:LinkNet/#pre,#nuke"
    assert parse_irc_url("irc://h:7000/pre").channels == ("#pre",)
    with pytest.raises(ValueError, match="names no channel"):
        parse_irc_url("irc://h:7000/")
    with pytest.raises(ValueError, match="unknown source"):
        open_feed("gopher://h/#x")


def test_irc_line_parsing_and_alternate_nicks() -> None:
    msg = parse_line("@time=x :bot!b@host PRIVMSG #pre :[PRE] A-B :colon kept")
    assert (msg.sender, msg.command, msg.params) == (
        "bot",
        "PRIVMSG",
        ("#pre", "[PRE] A-B :colon kept"),
    )
    assert parse_line("PING :irc.test").params == ("irc.test",)
    assert [alternate_nick("ss", n) for n in (1, 2, 3, 4)] == ["ss_", "ss__", "ss1", "ss2"]
