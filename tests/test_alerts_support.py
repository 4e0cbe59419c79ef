"""Loopback receivers for the alert tests: a signature-checking webhook server and a real
SMTP server (aiosmtpd) with STARTTLS and AUTH. No tests here, only helpers and fixtures."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scenescope.alerts.rules import AlertConfig, parse_config
from scenescope.alerts.sinks.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from scenescope.analysis.records import Leak

SECRET = "loopback-shared-secret"
PRE_AT = dt.datetime(2024, 3, 1, 4, 30, tzinfo=dt.UTC)


def make_leak(
    release_name: str = "Some.Movie.2024.1080p.BluRay.x264-GRP",
    *,
    title_id: str = "tt0000001",
    title: str = "Some Movie",
    source_class: str = "retail-disc",
    group: str | None = "GRP",
    severity: str = "pre-physical-7d",
    lead_days: float = 13.0,
    studio: str | None = "Acme Pictures",
) -> Leak:
    return Leak(
        release_name=release_name,
        title_id=title_id,
        title=title,
        source_class=source_class,
        pre_at=PRE_AT,
        lead_days=lead_days,
        severity=severity,
        group=group,
        studio=studio,
        official_date=dt.date(2024, 3, 14),
        territory="US",
        window="physical",
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Records every POST, checks its signature; answers with `statuses` in turn, then 200."""

    secret: str = SECRET
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._changed = threading.Condition()

    def record(self, item: Received) -> int:
        with self._changed:
            self.received.append(item)
            status = self.statuses.pop(0) if self.statuses else 200
            if not item.signature_ok and item.path.startswith("/signed"):
                status = 401
            self._changed.notify_all()
        return status

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.received) >= count, timeout)
        assert ok, f"receiver got {len(self.received)} requests, expected {count}"
        return list(self.received)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            item = Received(
                path=self.path,
                headers={k: v for k, v in self.headers.items()},
                body=body,
                signature_ok=verify(receiver.secret, body, self.headers.get(SIGNATURE_HEADER))
                and TIMESTAMP_HEADER in self.headers,
            )
            status = receiver.record(item)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"


@pytest.fixture
def hanging_server() -> Iterator[str]:
    """Accepts connections and never answers: a sink that is up but stuck."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/stuck"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def config(text: str, **values: Any) -> AlertConfig:
    return parse_config(text.format(**values), source="test-alerts.toml")


# -- SMTP -----------------------------------------------------------------------------


@dataclass
class SmtpMailbox:
    host: str
    port: int
    cafile: str
    username: str = "analyst"
    password: str = "s3cret-pass"
    messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._changed = threading.Condition()

    def add(self, message: dict[str, Any]) -> None:
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
        assert ok, f"mailbox got {len(self.messages)} messages, expected {count}"
        return list(self.messages)


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpMailbox]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = self_signed_cert(tmp_path_factory.mktemp("smtp-tls"))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(cert), str(key))
    mailbox = SmtpMailbox(host="127.0.0.1", port=free_port(), cafile=str(cert))

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == mailbox.username.encode()
            and auth_data.password == mailbox.password.encode()
        )
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mailbox.add(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "content": envelope.original_content or envelope.content,
                    "tls": session.ssl is not None,
                    "authenticated": session.authenticated,
                }
            )
            return "250 Message accepted"

    controller = Controller(
        Handler(),
        hostname=mailbox.host,
        port=mailbox.port,
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield mailbox
    controller.stop()
