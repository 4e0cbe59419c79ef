"""Source URL → live connector, the one place `watch` learns which feeds exist.

`predb+wss://HOST/api/v1/ws` websocket, `predb+https://HOST/api/v1/` polling `/live`,
`irc://HOST:PORT/#chan` / `ircs://…` announce channels (and `ws`/`http` forms for loopback).
"""

from __future__ import annotations

from scenescope.feeds.announce import AnnounceConfig, AnnounceFeed
from scenescope.feeds.base import Feed
from scenescope.feeds.irc import parse_irc_url
from scenescope.feeds.predb_rest import LivePoller, PredbLimits, http_base_url
from scenescope.feeds.predb_ws import PredbWebsocketFeed

SOURCE_SCHEMES: tuple[str, ...] = (
    "predb+wss",
    "predb+ws",
    "predb+https",
    "predb+http",
    "ircs",
    "irc",
)


def open_feed(
    url: str,
    *,
    announce_config: AnnounceConfig | None = None,
    predb_limits: PredbLimits | None = None,
) -> Feed:
    """The connector for `url`; raises ValueError naming the URL if it is not one we know."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("predb+wss", "predb+ws"):
        return PredbWebsocketFeed(url, limits=predb_limits)
    if scheme in ("predb+https", "predb+http"):
        http_base_url(url)  # validates
        return LivePoller(url, limits=predb_limits or PredbLimits())
    if scheme in ("irc", "ircs"):
        return AnnounceFeed(parse_irc_url(url), announce_config)
    raise ValueError(
        f"unknown source {url!r}: expected one of " + ", ".join(f"{s}://" for s in SOURCE_SCHEMES)
    )
