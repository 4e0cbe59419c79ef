"""Running the workbench: `serve(store, ...)` under uvicorn, with the loopback warning.

Binding beyond loopback without TLS sends tokens and session cookies in clear text; the
server says so (and how to fix it) unless TLS is configured or `behind_proxy` says a
reverse proxy terminates it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenescope.web.app import WebOptions, create_app


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    tls_cert: Path | None = None
    tls_key: Path | None = None
    behind_proxy: bool = False
    log_level: str = "info"


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(options: ServeOptions) -> str | None:
    """The warning for a non-loopback host without TLS or a proxy, else None."""
    if is_loopback(options.host) or options.tls_cert is not None or options.behind_proxy:
        return None
    return (
        f"warning: serving on {options.host} without TLS: API tokens and session cookies "
        "cross the network in clear text. Use --tls-cert/--tls-key, or put a TLS reverse "
        "proxy in front and pass --behind-proxy, or bind to 127.0.0.1."
    )


def serve(
    store: Any,
    options: ServeOptions,
    web: WebOptions,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the workbench until interrupted (Ctrl-C)."""
    import uvicorn

    secure = options.tls_cert is not None or options.behind_proxy
    app = create_app(store, WebOptions(**{**_fields(web), "secure_cookies": secure}))
    config = uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level=options.log_level,
        ssl_certfile=str(options.tls_cert) if options.tls_cert else None,
        ssl_keyfile=str(options.tls_key) if options.tls_key else None,
        proxy_headers=options.behind_proxy,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    if on_ready is not None:
        scheme = "https" if options.tls_cert else "http"
        on_ready(f"{scheme}://{options.host}:{options.port}/")
    server.run()


def _fields(options: WebOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}
