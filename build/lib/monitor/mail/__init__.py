"""Alert mail: composing, transports (SMTP, Maildir) and the durable outbox."""

from .compose import AlertView, compose, compose_digest, load_alert
from .outbox import DeliveryReport, MailSettings, Outbox, outbox_for
from .transport import MaildirTransport, PermanentError, SmtpTransport, TransientError, transport_for

__all__ = [
    "AlertView", "compose", "compose_digest", "load_alert", "DeliveryReport", "MailSettings", "Outbox", "outbox_for",
    "MaildirTransport", "SmtpTransport", "PermanentError", "TransientError", "transport_for",
]
