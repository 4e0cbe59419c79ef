"""Debian's ngircd on a free loopback port, for the IRC feed tests, plus a tiny IRC client
that plays the announce bot (registers, joins, posts lines)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NGIRCD = "/usr/sbin/ngircd"
PING_TIMEOUT_SECONDS = 5  # ngircd's minimum: it PINGs idle clients after this long


def ngircd_available() -> bool:
    return Path(NGIRCD).exists() or shutil.which("ngircd") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Ngircd:
    port: int
    process: subprocess.Popen[str]
    log: list[str]
    tls_port: int | None = None

    def url(self, channel: str = "#pre", **query: str) -> str:
        suffix = ("?" + "&".join(f"{k}={v}" for k, v in query.items())) if query else ""
        return f"irc://127.0.0.1:{self.port}/{channel}{suffix}"


@contextlib.contextmanager
def run_ngircd(
    directory: Path, *, port: int | None = None, tls: bool = False, ready_timeout: float = 15.0
) -> Iterator[Ngircd]:
    """Write a config for a free port (or `port`), start `ngircd -n -f conf`, wait for its
    listen line. With `tls`, a self-signed certificate also serves TLS on `tls_port`."""
    port = port or free_port()
    tls_port = free_port() if tls else None
    ssl_section = ""
    if tls_port is not None:
        cert, key = directory / "cert.pem", directory / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        key.chmod(0o644)  # ngircd drops to `nobody` before it reads the key
        ssl_section = f"[SSL]\nCertFile = {cert}\nKeyFile = {key}\nPorts = {tls_port}\n"
    conf = directory / "ngircd.conf"
    motd = directory / "motd"
    motd.write_text("scenescope test server\n")
    conf.write_text(
        "[Global]\n"
        "Name = irc.scenescope.test\n"
        "Info = scenescope test server\n"
        "AdminInfo1 = scenescope tests\n"
        "AdminInfo2 = loopback\n"
        "AdminEMail = tests@localhost\n"
        "Listen = 127.0.0.1\n"
        f"Ports = {port}\n"
        f"MotdFile = {motd}\n"
        "[Limits]\n"
        f"PingTimeout = {PING_TIMEOUT_SECONDS}\n"
        "PongTimeout = 10\n"
        "MaxNickLength = 30\n"
        "[Options]\n"
        "PAM = no\n"
        "Ident = no\n"
        "DNS = no\n" + ssl_section
    )
    process = subprocess.Popen(
        [NGIRCD, "-n", "-f", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()
    waiting_for = {port} | ({tls_port} if tls_port else set())

    def read_log() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip())
            if "Now listening on" in line:
                waiting_for.difference_update(p for p in list(waiting_for) if f":{p} " in line)
                if not waiting_for:
                    ready.set()
        ready.set()  # exited: let the waiter see it

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        if not ready.wait(ready_timeout) or process.poll() is not None:
            raise RuntimeError("ngircd did not start:\n" + "\n".join(log))
        yield Ngircd(port, process, log, tls_port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


class AnnounceBot:
    """A raw IRC client that posts announce lines on a channel (the test's "pre bot")."""

    def __init__(self, port: int, nick: str, channel: str = "#pre") -> None:
        self.port = port
        self.nick = nick
        self.channel = channel
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pump: asyncio.Task[None] | None = None
        self.joined_nicks: asyncio.Queue[str] = asyncio.Queue()

    async def connect(self) -> AnnounceBot:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        await self._send(f"NICK {self.nick}")
        await self._send(f"USER {self.nick} 0 * :announce bot")
        welcome = asyncio.get_running_loop().create_future()
        joined = asyncio.get_running_loop().create_future()
        self._pump = asyncio.create_task(self._read(welcome, joined))
        await asyncio.wait_for(welcome, 10)
        await self._send(f"JOIN {self.channel}")
        await asyncio.wait_for(joined, 10)
        return self

    async def _read(self, welcome: asyncio.Future[None], joined: asyncio.Future[None]) -> None:
        assert self._reader is not None
        while line := await self._reader.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            parts = text.split(" ")
            if parts[0] == "PING":
                await self._send("PONG " + " ".join(parts[1:]))
            elif len(parts) > 1 and parts[1] == "001" and not welcome.done():
                welcome.set_result(None)
            elif len(parts) > 2 and parts[1] == "353":  # NAMES: who was there before us
                for who in text.split(" :", 1)[-1].split():
                    if who.lstrip("@+") != self.nick:
                        self.joined_nicks.put_nowait(who.lstrip("@+"))
            elif len(parts) > 2 and parts[1] == "JOIN":
                who = parts[0].lstrip(":").split("!", 1)[0]
                if who == self.nick and not joined.done():
                    joined.set_result(None)
                else:
                    self.joined_nicks.put_nowait(who)

    async def wait_for_join(self, timeout: float = 15.0) -> str:
        """The nick of the next other client in the channel (already there, or joining)."""
        return await asyncio.wait_for(self.joined_nicks.get(), timeout)

    async def say(self, text: str | bytes) -> None:
        payload = text.encode("utf-8") if isinstance(text, str) else text
        assert self._writer is not None
        self._writer.write(b"PRIVMSG " + self.channel.encode() + b" :" + payload + b"\r\n")
        await self._writer.drain()

    async def _send(self, line: str) -> None:
        assert self._writer is not None
        self._writer.write(line.encode("utf-8") + b"\r\n")
        await self._writer.drain()

    async def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(OSError, ConnectionError):
                await self._send("QUIT :done")
            self._writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self._writer.wait_closed()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
