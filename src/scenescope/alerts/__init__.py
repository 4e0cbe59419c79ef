"""Alert rules and sinks (webhook, SMTP, Slack-compatible)."""
