"""Email sink: one plain-text message per alert over SMTP, with STARTTLS and AUTH.

Built on stdlib smtplib / email. Every header value passes through `single_line`, so a
release name carrying CR/LF cannot add headers or recipients.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid

from scenescope.alerts.message import Alert, single_line
from scenescope.alerts.rules import DeliveryPolicy, SinkConfig
from scenescope.alerts.sinks import DeliveryResult

SUBJECT_MAX_CHARS = 200


def email_message(
    alert: Alert, *, sender: str, recipients: list[str], delivery_id: str
) -> EmailMessage:
    """The message for an alert; header values are single-line by construction."""
    leak = alert.leak
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = single_line(f"[scenescope] {alert.summary()}")[:SUBJECT_MAX_CHARS]
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="scenescope.alerts")
    message["X-Scenescope-Delivery"] = single_line(delivery_id)
    lines = [
        "Pre-release leak" + ("" if alert.reason == "first" else f" ({alert.reason})"),
        "",
        f"Release:   {leak.release_name}",
        f"Title:     {leak.title} [{leak.title_id}]",
        f"Studio:    {leak.studio or '-'}",
        f"Source:    {leak.source_class}",
        f"Group:     {leak.group or '-'}",
        f"Pred at:   {leak.pre_at.isoformat()}",
        f"Official:  {leak.window or '-'} {leak.official_date or '-'} {leak.territory or ''}",
        f"Lead:      {leak.lead_days:.2f} days ({leak.lead_hours:.1f} h)",
        f"Severity:  {leak.severity}",
        f"Nuke:      {leak.nuke_status}",
        "",
        f"Rule {alert.rule}, alert #{alert.alert_id}.",
        "Metadata only: scenescope never fetches or links content.",
    ]
    message.set_content("\n".join(single_line(line) for line in lines) + "\n")
    return message


class SmtpSink:
    """Sends alert emails through one SMTP server."""

    kind = "smtp"

    def __init__(self, config: SinkConfig, policy: DeliveryPolicy) -> None:
        options = config.options
        self.name = config.name
        self._host = str(options["host"])
        self._use_ssl = bool(options.get("ssl", False))
        self._port = int(options.get("port", 465 if self._use_ssl else 587))
        self._starttls = bool(options.get("starttls", not self._use_ssl))
        self._username = options.get("username")
        self._password = options.get("password")
        self._sender = str(options["from"])
        self._recipients = [str(r) for r in options["to"]]
        self._timeout = float(options.get("timeout_seconds", policy.timeout_seconds))
        self._tls_context = ssl.create_default_context(cafile=options.get("cafile"))
        if options.get("verify_tls") is False:
            self._tls_context.check_hostname = False
            self._tls_context.verify_mode = ssl.CERT_NONE

    def _connect(self) -> smtplib.SMTP:
        if self._use_ssl:
            return smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=self._tls_context
            )
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout)

    def send(self, alert: Alert, *, delivery_id: str) -> DeliveryResult:
        message = email_message(
            alert, sender=self._sender, recipients=self._recipients, delivery_id=delivery_id
        )
        try:
            with self._connect() as client:
                client.ehlo()
                if self._starttls:
                    client.starttls(context=self._tls_context)
                    client.ehlo()
                if self._username:
                    client.login(str(self._username), str(self._password or ""))
                refused = client.send_message(message, self._sender, self._recipients)
        except smtplib.SMTPAuthenticationError as exc:
            return _failure(exc.smtp_code, f"authentication failed: {_reply(exc.smtp_error)}", True)
        except smtplib.SMTPRecipientsRefused as exc:
            return DeliveryResult(
                ok=False, error=f"recipients refused: {exc.recipients}", permanent=True
            )
        except smtplib.SMTPNotSupportedError as exc:
            return _failure(None, f"server does not support it: {exc}", True)
        except smtplib.SMTPResponseException as exc:
            # 5xx replies are permanent, 4xx transient (RFC 5321)
            return _failure(exc.smtp_code, _reply(exc.smtp_error), exc.smtp_code >= 500)
        except (smtplib.SMTPException, OSError) as exc:
            return _failure(None, f"{type(exc).__name__}: {exc}", False)
        if refused:
            # delivered to the others; a retry would duplicate their copy
            return DeliveryResult(ok=True, status_code=250, error=f"refused: {sorted(refused)}")
        return DeliveryResult(ok=True, status_code=250)

    def close(self) -> None:
        return None


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return single_line(text)


def _failure(code: int | None, error: str, permanent: bool) -> DeliveryResult:
    return DeliveryResult(ok=False, status_code=code, error=error, permanent=permanent)
