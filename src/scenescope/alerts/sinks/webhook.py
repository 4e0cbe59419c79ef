"""HTTP webhook sink: the alert as a JSON body, signed with HMAC-SHA256.

Headers: `X-Scenescope-Signature: sha256=<hex>` (HMAC of the raw body with the shared
secret), `X-Scenescope-Timestamp` (unix seconds, also inside the signed body as `sent_at`)
and `X-Scenescope-Delivery` (stable across retries, for receiver-side idempotency).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from scenescope.alerts.message import Alert
from scenescope.alerts.rules import DeliveryPolicy, SinkConfig
from scenescope.alerts.sinks import DeliveryResult
from scenescope.alerts.sinks.http import JsonPoster

SIGNATURE_HEADER = "X-Scenescope-Signature"
TIMESTAMP_HEADER = "X-Scenescope-Timestamp"
DELIVERY_HEADER = "X-Scenescope-Delivery"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body: `sha256=<hex HMAC-SHA256>`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, signature_header: str | None) -> bool:
    """True when the header is the body's signature under the secret (constant-time)."""
    if not signature_header:
        return False
    return hmac.compare_digest(sign(secret, body), signature_header)


def webhook_body(alert: Alert, *, delivery_id: str, sent_at: dt.datetime) -> bytes:
    """The JSON body: the alert plus when and under which delivery id it was sent."""
    payload = alert.to_dict()
    payload["delivery_id"] = delivery_id
    payload["sent_at"] = int(sent_at.timestamp())
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WebhookSink:
    """POSTs signed JSON to a URL."""

    kind = "webhook"

    def __init__(self, config: SinkConfig, policy: DeliveryPolicy) -> None:
        self.name = config.name
        self._secret = str(config.options["secret"])
        self._extra_headers = {str(k): str(v) for k, v in config.options.get("headers", {}).items()}
        timeout = float(config.options.get("timeout_seconds", policy.timeout_seconds))
        self._poster = JsonPoster(str(config.options["url"]), timeout)

    def send(self, alert: Alert, *, delivery_id: str) -> DeliveryResult:
        sent_at = dt.datetime.now(dt.UTC)
        body = webhook_body(alert, delivery_id=delivery_id, sent_at=sent_at)
        headers = {
            **self._extra_headers,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "scenescope-alerts",
            SIGNATURE_HEADER: sign(self._secret, body),
            TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
            DELIVERY_HEADER: delivery_id,
        }
        return self._poster.post(body, headers)

    def close(self) -> None:
        self._poster.close()
