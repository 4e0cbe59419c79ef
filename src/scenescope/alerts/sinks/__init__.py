"""Alert sinks: one file per destination (webhook, Slack-compatible, SMTP) behind `Sink`.

A sink never raises for a delivery problem: it returns a `DeliveryResult` saying whether
the try worked and whether retrying could help. `make_sink` builds one from its config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scenescope.alerts.message import Alert
from scenescope.alerts.rules import DeliveryPolicy, SinkConfig


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of one delivery attempt."""

    ok: bool
    status_code: int | None = None  # HTTP status or SMTP reply code, when there was one
    error: str | None = None
    permanent: bool = False  # retrying cannot help (bad credentials, rejected request)


class Sink(Protocol):
    """Something that can deliver an alert. Implementations must be safe to call from threads."""

    name: str
    kind: str

    def send(self, alert: Alert, *, delivery_id: str) -> DeliveryResult: ...

    def close(self) -> None: ...


def make_sink(config: SinkConfig, policy: DeliveryPolicy) -> Sink:
    """The sink a config entry describes."""
    if config.kind == "webhook":
        from scenescope.alerts.sinks.webhook import WebhookSink

        return WebhookSink(config, policy)
    if config.kind == "slack":
        from scenescope.alerts.sinks.slack import SlackSink

        return SlackSink(config, policy)
    if config.kind == "smtp":
        from scenescope.alerts.sinks.smtp import SmtpSink

        return SmtpSink(config, policy)
    raise ValueError(f"unknown sink kind {config.kind!r}")
