"""The HTTP POST both web sinks share: one pooled httpx client, status codes to results."""

from __future__ import annotations

import httpx

from scenescope.alerts.sinks import DeliveryResult

# Retrying these can succeed (timeouts, rate limits, server trouble); other 4xx cannot.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})


class JsonPoster:
    """Posts raw JSON bytes to one URL and turns the response into a DeliveryResult."""

    def __init__(self, url: str, timeout_seconds: float) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def post(self, body: bytes, headers: dict[str, str]) -> DeliveryResult:
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(ok=True, status_code=status)
        permanent = 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS
        reason = response.reason_phrase or "error"
        return DeliveryResult(
            ok=False, status_code=status, error=f"HTTP {status} {reason}", permanent=permanent
        )

    def close(self) -> None:
        self._client.close()
