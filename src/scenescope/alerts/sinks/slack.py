"""Slack-compatible incoming-webhook sink: `{"text": ..., "blocks": [...]}`.

Release names are escaped for mrkdwn (`&`, `<`, `>`), so a hostile name cannot inject
links or mentions; they are shown in code spans so `*` and `_` do not format.
"""

from __future__ import annotations

import json
from typing import Any

from scenescope.alerts.message import Alert, single_line
from scenescope.alerts.rules import DeliveryPolicy, SinkConfig
from scenescope.alerts.sinks import DeliveryResult
from scenescope.alerts.sinks.http import JsonPoster


def mrkdwn_escape(text: str) -> str:
    """Text safe inside Slack mrkdwn: control characters flattened, &, <, > escaped."""
    text = single_line(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    # a backtick would close the code span early; swap it for a look-alike
    return "`" + mrkdwn_escape(text).replace("`", "ˋ") + "`"


def slack_payload(alert: Alert) -> dict[str, Any]:
    """The incoming-webhook message for an alert."""
    leak = alert.leak
    facts = [
        f"*Title:* {mrkdwn_escape(leak.title)} ({_code(leak.title_id)})",
        f"*Source:* {mrkdwn_escape(leak.source_class)}"
        + (f" · *Group:* {_code(leak.group)}" if leak.group else ""),
        f"*Lead:* {leak.lead_days:.1f} days ({leak.lead_hours:.0f} h)"
        + (f" before {mrkdwn_escape(leak.window)}" if leak.window else "")
        + (f" {mrkdwn_escape(leak.official_date.isoformat())}" if leak.official_date else "")
        + (f" {mrkdwn_escape(leak.territory)}" if leak.territory else ""),
        f"*Severity:* {mrkdwn_escape(leak.severity)} · *Nuke:* {mrkdwn_escape(leak.nuke_status)}",
    ]
    reason = "" if alert.reason == "first" else f" ({mrkdwn_escape(alert.reason)})"
    return {
        "text": mrkdwn_escape(alert.summary()),
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Pre-release leak{reason}*\n" + _code(leak.release_name),
                },
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(facts)}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"rule {_code(alert.rule)} · pred {leak.pre_at.isoformat()}"
                        f" · alert #{alert.alert_id}",
                    }
                ],
            },
        ],
    }


class SlackSink:
    """POSTs a Slack-compatible message to an incoming-webhook URL."""

    kind = "slack"

    def __init__(self, config: SinkConfig, policy: DeliveryPolicy) -> None:
        self.name = config.name
        timeout = float(config.options.get("timeout_seconds", policy.timeout_seconds))
        self._poster = JsonPoster(str(config.options["url"]), timeout)

    def send(self, alert: Alert, *, delivery_id: str) -> DeliveryResult:
        body = json.dumps(slack_payload(alert), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return self._poster.post(body, headers)

    def close(self) -> None:
        self._poster.close()
