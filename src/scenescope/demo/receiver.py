"""A loopback webhook receiver that checks every alert's signature and records each delivery
once (retries count once): how the demo and its tests see alerts arrive."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scenescope.alerts.sinks.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, verify


@dataclass(frozen=True, slots=True)
class ReceivedAlert:
    """One POST the loopback receiver accepted (signature valid), as it arrived."""

    delivery_id: str
    received_at: float  # time.time()
    release_name: str
    title: str
    group: str | None
    source_class: str
    lead_days: float

    def line(self) -> str:
        lead = (
            f"{self.lead_days:.1f} d"
            if abs(self.lead_days) >= 1
            else f"{self.lead_days * 24:.1f} h"
        )
        group = self.group or "?"
        return f"{self.title} — {group}, {self.source_class}, lead {lead}: {self.release_name}"


class SignedWebhookReceiver:
    """A stdlib HTTP server on loopback that accepts alert POSTs signed with `secret`
    (401 otherwise) and records each delivery once; use as a context manager."""

    def __init__(self, secret: str, host: str = "127.0.0.1") -> None:
        self.secret = secret
        self.accepted: dict[str, ReceivedAlert] = {}  # by delivery id: retries count once
        self.rejected = 0
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._record(
                    body, self.headers.get(SIGNATURE_HEADER), self.headers.get(DELIVERY_HEADER)
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the demo prints its own summary

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so closing does not wait out the default 0.5 s
            name="scenescope-demo-webhook",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/alerts"

    def _record(self, body: bytes, signature: str | None, delivery_id: str | None) -> int:
        received_at = time.time()
        if not verify(self.secret, body, signature):
            with self._changed:
                self.rejected += 1
            return 401
        try:
            payload = json.loads(body)
            leak = payload["leak"]
            alert = ReceivedAlert(
                delivery_id=str(delivery_id or payload.get("delivery_id", "")),
                received_at=received_at,
                release_name=str(leak["release_name"]),
                title=str(leak["title"]),
                group=leak.get("group"),
                source_class=str(leak["source_class"]),
                lead_days=float(leak["lead_days"]),
            )
        except (ValueError, KeyError, TypeError):
            with self._changed:
                self.rejected += 1
            return 400
        with self._changed:
            self.accepted.setdefault(alert.delivery_id, alert)
            self._changed.notify_all()
        return 204

    def received(self) -> list[ReceivedAlert]:
        with self._changed:
            return sorted(self.accepted.values(), key=lambda a: a.received_at)

    def __enter__(self) -> SignedWebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)
