"""Sinks against real loopback receivers: signed webhook, Slack-compatible JSON, SMTP with
STARTTLS and AUTH. Hostile release names arrive intact as data and inject nothing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import test_alerts_support as support
from scenescope.alerts.message import Alert
from scenescope.alerts.rules import SinkConfig
from scenescope.alerts.sinks import make_sink
from scenescope.alerts.sinks.slack import slack_payload
from scenescope.alerts.sinks.webhook import DELIVERY_HEADER, TIMESTAMP_HEADER
from test_alerts_support import (
    SECRET,
    SmtpMailbox,
    WebhookReceiver,
    closed_port_url,
    config,
    make_leak,
)

# loopback receivers, shared with the other alert tests
smtp_mailbox = support.smtp_mailbox
webhook_receiver = support.webhook_receiver


HOSTILE = (
    "Evil.2024.1080p.BluRay\r\nBcc: victim@example.org\r\n"
    "'; DROP TABLE alerts;--<!channel>`$(rm -rf ~)`-GRP"
)


def alert_for(name: str = HOSTILE) -> Alert:
    return Alert(
        alert_id=7,
        rule="acme",
        reason="first",
        leak=make_leak(name),
        created_at=dt.datetime(2024, 3, 1, 5, tzinfo=dt.UTC),
    )


def webhook_config(url: str, secret: str = SECRET) -> SinkConfig:
    text = '[sinks.hook]\nkind = "webhook"\nurl = "{url}"\nsecret = "{secret}"\n'
    return config(text, url=url, secret=secret).sinks["hook"]


def test_webhook_body_is_signed_and_carries_the_name_intact(
    webhook_receiver: WebhookReceiver,
) -> None:
    cfg = config('[sinks.hook]\nkind = "webhook"\nurl = "{url}/signed"\nsecret = "{s}"\n',
                 url=webhook_receiver.url, s=SECRET)  # fmt: skip
    sink = make_sink(cfg.sinks["hook"], cfg.delivery)
    result = sink.send(alert_for(), delivery_id="42")
    sink.close()
    assert result.ok and result.status_code == 200
    [got] = webhook_receiver.wait_for(1)
    assert got.signature_ok
    assert got.headers[DELIVERY_HEADER] == "42"
    body = got.json()
    assert body["leak"]["release_name"] == HOSTILE
    assert body["sent_at"] == int(got.headers[TIMESTAMP_HEADER])
    assert body["rule"] == "acme" and body["alert_id"] == 7
    assert "\n" not in body["summary"] and "\r" not in body["summary"]


def test_webhook_with_wrong_secret_is_rejected_permanently(
    webhook_receiver: WebhookReceiver,
) -> None:
    cfg = config('[sinks.hook]\nkind = "webhook"\nurl = "{url}/signed"\nsecret = "wrong"\n',
                 url=webhook_receiver.url)  # fmt: skip
    sink = make_sink(cfg.sinks["hook"], cfg.delivery)
    result = sink.send(alert_for(), delivery_id="1")
    sink.close()
    [got] = webhook_receiver.wait_for(1)
    assert not got.signature_ok
    assert not result.ok and result.status_code == 401 and result.permanent


def test_webhook_server_errors_and_refused_connections_are_retryable(
    webhook_receiver: WebhookReceiver,
) -> None:
    webhook_receiver.statuses = [500, 429]
    cfg = config('[sinks.hook]\nkind = "webhook"\nurl = "{url}"\nsecret = "s"\n',
                 url=webhook_receiver.url)  # fmt: skip
    sink = make_sink(cfg.sinks["hook"], cfg.delivery)
    first, second, third = (sink.send(alert_for(), delivery_id="1") for _ in range(3))
    sink.close()
    assert (first.status_code, first.ok, first.permanent) == (500, False, False)
    assert (second.status_code, second.ok, second.permanent) == (429, False, False)
    assert third.ok
    down = config('[sinks.hook]\nkind = "webhook"\nurl = "{url}"\nsecret = "s"\n',
                  url=closed_port_url())  # fmt: skip
    down_sink = make_sink(down.sinks["hook"], down.delivery)
    refused = down_sink.send(alert_for(), delivery_id="1")
    down_sink.close()
    assert not refused.ok and not refused.permanent and "Connect" in (refused.error or "")


def test_slack_payload_escapes_mrkdwn_and_is_received(webhook_receiver: WebhookReceiver) -> None:
    name = "Film.<http://evil.example|click>.&.<!channel>.2024.WEB-GRP"
    payload = slack_payload(alert_for(name))
    everything = str(payload)
    assert "<!channel>" not in everything and "<http://evil" not in everything
    assert "&lt;!channel&gt;" in payload["blocks"][0]["text"]["text"]
    cfg = config('[sinks.team]\nkind = "slack"\nurl = "{url}/slack"\n', url=webhook_receiver.url)
    sink = make_sink(cfg.sinks["team"], cfg.delivery)
    result = sink.send(alert_for(name), delivery_id="3")
    sink.close()
    assert result.ok
    [got] = webhook_receiver.wait_for(1)
    body = got.json()
    assert set(body) == {"text", "blocks"}
    assert body["text"].startswith("Leak: Some Movie (retail-disc by GRP)")
    assert [b["type"] for b in body["blocks"]] == ["section", "section", "context"]


SMTP_SINK = """
[sinks.mail]
kind = "smtp"
host = "{host}"
port = {port}
username = "{user}"
password = "{password}"
cafile = "{cafile}"
from = "alerts@scenescope.test"
to = ["analyst@studio.test", "soc@studio.test"]
timeout_seconds = 10
"""


def smtp_config(mailbox: SmtpMailbox, password: str | None = None) -> SinkConfig:
    return config(
        SMTP_SINK,
        host=mailbox.host,
        port=mailbox.port,
        user=mailbox.username,
        password=password or mailbox.password,
        cafile=mailbox.cafile,
    ).sinks["mail"]


def test_smtp_mail_goes_through_starttls_and_auth_without_header_injection(
    smtp_mailbox: SmtpMailbox,
) -> None:
    before = len(smtp_mailbox.messages)
    cfg = smtp_config(smtp_mailbox)
    sink = make_sink(cfg, config("").delivery)
    result = sink.send(alert_for(), delivery_id="9")
    assert result.ok, result.error
    got = smtp_mailbox.wait_for(before + 1)[-1]
    assert got["tls"] and got["authenticated"]
    assert sorted(got["rcpt_tos"]) == ["analyst@studio.test", "soc@studio.test"]
    message = email.message_from_bytes(got["content"], policy=email.policy.default)
    assert message["Bcc"] is None
    assert "victim@example.org" not in str(message["To"])
    assert message["Subject"].startswith("[scenescope] Leak: Some Movie")
    assert "\n" not in message["Subject"]
    assert message["X-Scenescope-Delivery"] == "9"
    text = message.get_content()
    assert "DROP TABLE alerts" in text  # the name is kept, as inert text


def test_smtp_wrong_password_is_a_permanent_failure(smtp_mailbox: SmtpMailbox) -> None:
    before = len(smtp_mailbox.messages)
    sink = make_sink(smtp_config(smtp_mailbox, password="wrong"), config("").delivery)
    result = sink.send(alert_for(), delivery_id="10")
    assert not result.ok and result.permanent
    assert "authentication failed" in (result.error or "")
    assert len(smtp_mailbox.messages) == before


def test_smtp_untrusted_certificate_is_refused(smtp_mailbox: SmtpMailbox) -> None:
    text = SMTP_SINK.replace('cafile = "{cafile}"\n', "")
    cfg = config(
        text,
        host=smtp_mailbox.host,
        port=smtp_mailbox.port,
        user=smtp_mailbox.username,
        password=smtp_mailbox.password,
    ).sinks["mail"]
    result = make_sink(cfg, config("").delivery).send(alert_for(), delivery_id="11")
    assert not result.ok and not result.permanent
    assert "CERTIFICATE_VERIFY_FAILED" in (result.error or "")
