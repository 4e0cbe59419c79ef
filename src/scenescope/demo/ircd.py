"""The demo's IRC network: a real IRC server on a free loopback port for the announce channel —
Debian's ngircd when it is installed, else miniircd (a small server from PyPI, a dependency).

Either runs as a child process that the context manager always stops; `None` is yielded, with
the reason, when neither can start, so the demo skips its IRC leg with one clear line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

READY_TIMEOUT_SECONDS = 15.0
CHANNEL = "#pre"
ENABLE_HINT = "install Debian's ngircd (apt-get install ngircd) or miniircd (pip install miniircd)"


@dataclass(frozen=True, slots=True)
class LoopbackIrc:
    """A running loopback IRC server: which one, and the announce channel's URL."""

    server: str  # "ngircd" or "miniircd"
    port: int

    @property
    def url(self) -> str:
        return f"irc://127.0.0.1:{self.port}/{CHANNEL}"

    @property
    def feed_url(self) -> str:
        """The reader's URL: the network named with the port, as the predb feeds are, so one
        run's reports stay apart from another's in a store kept across runs."""
        return f"{self.url}?network=127.0.0.1:{self.port}"


@dataclass(frozen=True, slots=True)
class NoIrc:
    """Why there is no IRC server, and how to get one."""

    reason: str


def _ngircd() -> str | None:
    found = shutil.which("ngircd")
    if found is None and Path("/usr/sbin/ngircd").exists():
        found = "/usr/sbin/ngircd"  # Debian installs it outside a user's PATH
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ngircd_command(binary: str, directory: Path, port: int) -> tuple[list[str], str]:
    motd = directory / "motd"
    motd.write_text("scenescope demo announce network\n", encoding="utf-8")
    conf = directory / "ngircd.conf"
    # MaxPenaltyTime = 0: ngircd otherwise reads about three lines a second from a client,
    # and the replay's announce bot posts hours of pres in seconds.
    conf.write_text(
        "[Global]\nName = irc.scenescope.demo\nInfo = scenescope demo\n"
        "AdminInfo1 = scenescope demo\nAdminInfo2 = loopback\nAdminEMail = demo@localhost\n"
        f"Listen = 127.0.0.1\nPorts = {port}\nMotdFile = {motd}\n"
        "[Limits]\nPingTimeout = 120\nPongTimeout = 20\nMaxNickLength = 30\nMaxPenaltyTime = 0\n"
        "[Options]\nPAM = no\nIdent = no\nDNS = no\n",
        encoding="utf-8",
    )
    return [binary, "-n", "-f", str(conf)], "Now listening on"


def _miniircd_command(port: int) -> tuple[list[str], str]:
    command = [sys.executable, "-m", "miniircd", "--listen", "127.0.0.1", "--ports", str(port)]
    command.append("--verbose")  # it says "Listening on port N." when it accepts clients
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command += ["--setuid", "root"]  # it refuses root unless told (containers run as root)
    return command, "Listening on port"


@contextlib.contextmanager
def loopback_irc(directory: Path, server: str = "auto") -> Iterator[LoopbackIrc | NoIrc]:
    """Start ngircd (or miniircd) on a free loopback port and wait for its listen line;
    `server` "ngircd" or "miniircd" asks for that one only."""
    ngircd = _ngircd() if server in ("auto", "ngircd") else None
    if ngircd is not None:
        name = "ngircd"
        directory.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        command, ready_line = _ngircd_command(ngircd, directory, port)
    elif server in ("auto", "miniircd") and find_spec("miniircd") is not None:
        name, port = "miniircd", _free_port()
        command, ready_line = _miniircd_command(port)
    else:
        yield NoIrc(f"no IRC server to announce on ({ENABLE_HINT} to enable it)")
        return
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    except OSError as exc:
        yield NoIrc(f"{name} did not start ({exc}); {ENABLE_HINT}")
        return
    log: list[str] = []
    ready = threading.Event()

    def read_log() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip())
            if ready_line in line:
                ready.set()
        ready.set()  # it exited: let the waiter see that

    reader = threading.Thread(target=read_log, name=f"scenescope-demo-{name}", daemon=True)
    reader.start()
    try:
        if not ready.wait(READY_TIMEOUT_SECONDS) or process.poll() is not None:
            last = log[-1] if log else "no output"
            yield NoIrc(f"{name} did not start on 127.0.0.1:{port} ({last}); {ENABLE_HINT}")
        else:
            yield LoopbackIrc(name, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
