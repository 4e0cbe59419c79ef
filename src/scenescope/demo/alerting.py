"""The demo's alert setup: one rule to a signed loopback webhook, and detection that says when it
has caught up with the feed (so the replay waits on the event, never guesses)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scenescope.alerts.dispatcher import RecordedAlert
from scenescope.alerts.rules import AlertConfig, parse_config
from scenescope.alerts.watch_hook import WatchAlerts
from scenescope.feeds.events import FeedEvent, PreReport

if TYPE_CHECKING:
    from scenescope.store import Store


def demo_alert_config(webhook_url: str, secret: str) -> AlertConfig:
    """One rule taking every leak to one signed webhook, with quick retries for the demo."""
    text = f"""
[delivery]
max_attempts = 3
backoff_initial_seconds = 0.2
backoff_max_seconds = 1.0
timeout_seconds = 5.0

[sinks.demo-webhook]
kind = "webhook"
url = {json.dumps(webhook_url)}
secret = {json.dumps(secret)}

[rules.every-leak]
sinks = ["demo-webhook"]
"""
    return parse_config(text, source="<demo alert rules>")


# -- detection that says when it has caught up -------------------------------------------


class CountedAlerts(WatchAlerts):
    """WatchAlerts that counts the pre names handed over and detected, so the replay can wait
    (with a timeout) until detection has caught up instead of guessing."""

    def __init__(self, store: Store, config: AlertConfig) -> None:
        super().__init__(store, config, on_recorded=self._recorded)
        self.handed = 0
        self.detected = 0
        self.fired = 0
        self.suppressed = 0
        self._progress = threading.Condition()

    def on_applied(self, batch: Sequence[FeedEvent], committed_at: float) -> None:
        with self._progress:
            self.handed += sum(1 for event in batch if isinstance(event, PreReport))
        super().on_applied(batch, committed_at)

    def detect(self, names: Sequence[str]) -> list[RecordedAlert]:
        try:
            return super().detect(names)
        finally:
            with self._progress:
                self.detected += len(names)
                self._progress.notify_all()

    def _recorded(self, recorded: list[RecordedAlert]) -> None:
        with self._progress:
            self.suppressed += sum(1 for alert in recorded if alert.suppressed)
            self.fired += sum(1 for alert in recorded if not alert.suppressed)

    def wait_caught_up(self, timeout: float) -> bool:
        with self._progress:
            return self._progress.wait_for(lambda: self.detected >= self.handed, timeout)


# -- choosing what to replay -------------------------------------------------------------
