"""How `scenescope demo` ends: a token for the demo's user, a port on loopback and the
workbench served over the demo's store through `scenescope serve`'s own `serve`, until Ctrl-C
(or SIGTERM), with the store closed on the way out."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scenescope.cli.common import fail

if TYPE_CHECKING:
    from scenescope.store import Store

HOST = "127.0.0.1"  # the demo's workbench is for this machine only
TOKEN_ROLE = "admin"  # the demo's user owns the store: every page, tokens and rules too
TOKEN_NAME = "demo"


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Where the demo serves the workbench, and the token to sign in with."""

    host: str
    port: int
    token: str
    role: str
    wanted_port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def port_taken(self) -> bool:
        """The port asked for was in use (0 asks for any free port)."""
        return self.wanted_port != 0 and self.port != self.wanted_port

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "docs": self.url + "api/docs",
            "token": self.token,
            "role": self.role,
            "port": self.port,
            "port_taken": self.port_taken,
        }


def dashboard_for(store: Store, port: int) -> Dashboard:
    """A token for the demo's user and a port on loopback (the one asked for, else a free one)."""
    from scenescope.web.tokens import create_token

    new = create_token(store.connection, TOKEN_ROLE, TOKEN_NAME)
    return Dashboard(HOST, free_port(HOST, port), new.token, new.info.role.name, port)


def free_port(host: str, wanted: int) -> int:
    """`wanted` when nothing listens on it (0: any), else a free port the system picks."""
    for candidate in (wanted, 0) if wanted else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # as uvicorn binds: a port left in TIME_WAIT by a previous run counts as free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError(f"no free port on {host}")


class _Stop(Exception):
    """SIGTERM while serving: stop like Ctrl-C (uvicorn re-raises the signal after its own
    graceful shutdown, and this handler turns it into a clean return)."""


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise _Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve_dashboard(store: Store, dashboard: Dashboard, console: Any, *, quiet: bool) -> None:
    """The workbench over the demo's store through `scenescope serve`'s own `serve`, until
    Ctrl-C; the store is closed by the caller's `with` on the way out."""
    from scenescope.web.app import WebOptions
    from scenescope.web.server import ServeOptions, serve

    options = ServeOptions(host=dashboard.host, port=dashboard.port, log_level="warning")

    def ready(url: str) -> None:
        if not quiet:
            console.print(
                f"serving the workbench on {url} — Ctrl-C to stop", markup=False, highlight=False
            )

    try:
        with _terminate_as_interrupt():
            serve(store, options, WebOptions(), on_ready=ready)
    except (KeyboardInterrupt, _Stop):
        pass
    except SystemExit as exc:  # uvicorn exits when it cannot bind (the port taken meanwhile)
        if exc.code:
            fail(f"cannot listen on {dashboard.host}:{dashboard.port}")
    if not quiet:
        console.print("workbench stopped; the store is closed", markup=False)
