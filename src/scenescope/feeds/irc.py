"""A small asyncio IRC client for announce channels (`irc://HOST:PORT/#chan`, `ircs://` TLS).

It registers (NICK/USER), answers PING, takes an alternate nick on 433, joins its channels
after the welcome, yields channel messages, and reconnects with capped exponential backoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from scenescope.feeds.base import HealthMeter
from scenescope.feeds.ratelimit import Backoff

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"irc": 6667, "ircs": 6697}
MAX_LINE_BYTES = 8192  # RFC says 512; IRCv3 tags make it longer; anything beyond is hostile


@dataclass(frozen=True, slots=True)
class IrcTarget:
    """Where to connect and what to join, from `irc[s]://HOST[:PORT]/#chan[,#chan2][?nick=N]`."""

    host: str
    port: int
    tls: bool
    channels: tuple[str, ...]
    nick: str = "scenescope"
    network: str = ""  # announce-pattern set to use; defaults to the host
    verify_tls: bool = True

    @property
    def label(self) -> str:
        return f"irc:{self.network or self.host}/{','.join(self.channels)}"


def parse_irc_url(url: str) -> IrcTarget:
    """Parse an announce-channel URL; raises ValueError naming what is wrong."""
    # `#chan` would parse as a URL fragment (swallowing any ?query after it): escape it.
    parts = urlsplit(url.replace("#", "%23"))
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an IRC URL (irc://HOST:PORT/#channel or ircs://…): {url!r}")
    if not parts.hostname:
        raise ValueError(f"IRC URL has no host: {url!r}")
    # Channels may also be given without `#` in the path.
    raw = unquote(parts.path.lstrip("/"))
    channels = tuple(
        c if c[0] in "#&" else f"#{c}" for c in (c.strip() for c in raw.split(",")) if c
    )
    if not channels:
        raise ValueError(f"IRC URL names no channel (add /#channel): {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise ValueError(f"IRC URL has a bad port: {url!r}") from exc
    return IrcTarget(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "ircs",
        channels=channels,
        nick=query.get("nick", "scenescope"),
        network=query.get("network", parts.hostname),
        verify_tls=query.get("verify", "1") not in ("0", "false", "no"),
    )


@dataclass(frozen=True, slots=True)
class IrcMessage:
    """One protocol line: `[:prefix] COMMAND params… [:trailing]`."""

    prefix: str
    command: str
    params: tuple[str, ...]

    @property
    def sender(self) -> str:
        return self.prefix.split("!", 1)[0]


def parse_line(line: str) -> IrcMessage:
    """Split an IRC line (without CRLF); IRCv3 message tags are dropped."""
    if line.startswith("@"):
        line = line.split(" ", 1)[1] if " " in line else ""
    prefix = ""
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    trailing = None
    if " :" in line:
        line, trailing = line.split(" :", 1)
    elif line.startswith(":"):
        line, trailing = "", line[1:]
    words = line.split()
    command = words[0].upper() if words else ""
    params = tuple(words[1:]) + ((trailing,) if trailing is not None else ())
    return IrcMessage(prefix, command, params)


@dataclass(frozen=True, slots=True)
class ChannelMessage:
    """A PRIVMSG or NOTICE seen on a joined channel."""

    channel: str
    sender: str
    text: str
    received_at: dt.datetime


def alternate_nick(base: str, attempt: int) -> str:
    """The nick to try after `attempt` collisions: base_, base__, then base1, base2 …"""
    if attempt <= 2:
        return base + "_" * attempt
    return f"{base}{attempt - 2}"


class IrcClient:
    """Connects, registers, joins and yields channel messages until cancelled."""

    def __init__(
        self,
        target: IrcTarget,
        *,
        meter: HealthMeter | None = None,
        backoff_base_seconds: float = 1.0,
        backoff_cap_seconds: float = 120.0,
        idle_seconds: float = 180.0,
    ) -> None:
        self.target = target
        self.meter = meter or HealthMeter(target.label)
        self.backoff = Backoff(backoff_base_seconds, backoff_cap_seconds)
        self.idle_seconds = idle_seconds
        self.nick = target.nick
        self.registered = False
        self.joined: set[str] = set()
        self.pongs_sent = 0
        self.ponged = asyncio.Event()  # set at every PONG we send (tests wait on it)
        self.nick_collisions = 0
        self._writer: asyncio.StreamWriter | None = None

    async def messages(self) -> AsyncIterator[ChannelMessage]:
        try:
            while True:
                try:
                    async for message in self._session():
                        yield message
                except (OSError, TimeoutError, ConnectionError, ssl.SSLError) as exc:
                    self.meter.error()
                    log.warning("%s: %s", self.target.label, exc)
                self.meter.connected = False
                self.meter.reconnects += 1
                await self.backoff.wait()
        finally:
            await self._close()

    async def _session(self) -> AsyncIterator[ChannelMessage]:
        """One connection: register, join, read until the server closes it."""
        context = None
        if self.target.tls:
            context = ssl.create_default_context()
            if not self.target.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # lands as the read completes, and `watch` would then never stop this feed.
        async with asyncio.timeout(30):
            reader, writer = await asyncio.open_connection(
                self.target.host, self.target.port, ssl=context, limit=MAX_LINE_BYTES
            )
        self._writer = writer
        self.registered = False
        self.joined.clear()
        self.nick = self.target.nick
        self.nick_collisions = 0
        try:
            await self._send(f"NICK {self.nick}")
            await self._send(f"USER {self.target.nick} 0 * :scenescope announce reader")
            awaiting_pong = False
            while True:
                try:
                    async with asyncio.timeout(self.idle_seconds):
                        raw = await reader.readline()
                except TimeoutError:
                    if awaiting_pong:
                        raise TimeoutError("server stopped answering PING") from None
                    awaiting_pong = True
                    await self._send(f"PING :{self.target.host}")
                    continue
                except ValueError:  # line longer than MAX_LINE_BYTES: skip it, keep the session
                    self.meter.error()
                    continue
                if not raw:
                    return
                awaiting_pong = False
                line = _decode(raw).rstrip("\r\n")
                if not line:
                    continue
                message = await self._handle(parse_line(line))
                if message is not None:
                    yield message
        finally:
            await self._close()

    async def _handle(self, msg: IrcMessage) -> ChannelMessage | None:
        if msg.command == "PING":
            await self._send(f"PONG :{msg.params[-1] if msg.params else ''}")
            self.pongs_sent += 1
            self.ponged.set()
        elif msg.command == "001":
            self.registered = True
            if msg.params:
                self.nick = msg.params[0]
            self.meter.connected = True
            self.backoff.reset()
            await self._send(f"JOIN {','.join(self.target.channels)}")
        elif msg.command in ("433", "436") and not self.registered:
            self.nick_collisions += 1
            self.nick = alternate_nick(self.target.nick, self.nick_collisions)
            await self._send(f"NICK {self.nick}")
        elif msg.command == "JOIN" and msg.sender == self.nick and msg.params:
            self.joined.add(msg.params[0].lower())
        elif msg.command == "KICK" and len(msg.params) >= 2 and msg.params[1] == self.nick:
            self.joined.discard(msg.params[0].lower())
            await self._send(f"JOIN {msg.params[0]}")
        elif msg.command == "ERROR":
            raise ConnectionError(f"server said ERROR: {' '.join(msg.params)}")
        elif msg.command in ("PRIVMSG", "NOTICE") and len(msg.params) >= 2:
            channel = msg.params[0]
            if channel.lower() in {c.lower() for c in self.target.channels}:
                return ChannelMessage(
                    channel=channel,
                    sender=msg.sender,
                    text=msg.params[1],
                    received_at=dt.datetime.now(dt.UTC),
                )
        return None

    async def _send(self, line: str) -> None:
        if self._writer is None:
            raise ConnectionError("not connected")
        self._writer.write(line.encode("utf-8") + b"\r\n")
        await self._writer.drain()

    async def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ConnectionError, ssl.SSLError):
                pass


def _decode(raw: bytes) -> str:
    """IRC has no declared encoding: UTF-8 first, else Latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
