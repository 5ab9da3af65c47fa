"""Where mails go: an SMTP server, or a Maildir beside the archive.

A transport raises ``TransientError`` for what may work later (server down,
4xx, timeouts, TLS trouble) and ``PermanentError`` for a 5xx answer, carrying
the server's words.
"""

from __future__ import annotations

import logging
import mailbox
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from ..secrets import read_secret

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class TransientError(DeliveryError):
    """Try again later."""


class PermanentError(DeliveryError):
    """The server refused for good (5xx)."""


class Transport(Protocol):
    name: str

    def send(self, message: EmailMessage, recipient: str) -> None: ...

    def close(self) -> None: ...


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SmtpTransport:
    """SMTP with STARTTLS or implicit TLS, certificates verified, optional login.

    One connection is kept open between sends and reopened when it drops.
    """

    name = "smtp"

    def __init__(self, *, host: str, port: int, sender: str, starttls: bool = True, tls: bool = False,
                 ca_file: str = "", username: str = "", password_env: str = "", timeout: float = 30.0):
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.tls = starttls, tls
        self.ca_file = ca_file or None
        self.username = username
        self.password_env = password_env
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls, email) -> SmtpTransport:
        return cls(host=email.host, port=email.port, sender=email.sender, starttls=email.starttls, tls=email.tls,
                   ca_file=email.ca_file, username=email.username, password_env=email.password_env)

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.starttls and not self.tls:
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username:
                password = read_secret(self.password_env)
                if password is None:
                    smtp.close()
                    raise TransientError(
                        f"SMTP login as {self.username!r} needs a password: set ${self.password_env} "
                        f"or the systemd credential {self.password_env}"
                    )
                smtp.login(self.username, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"login refused by {self.host}:{self.port}: {_answer(exc.smtp_code, exc.smtp_error)}") from None
        except smtplib.SMTPResponseException as exc:
            error = f"{self.host}:{self.port} answered {_answer(exc.smtp_code, exc.smtp_error)}"
            raise (PermanentError if exc.smtp_code >= 500 else TransientError)(error) from None
        except ssl.SSLError as exc:
            raise TransientError(f"TLS with {self.host}:{self.port} failed: {exc}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise TransientError(f"{self.host}:{self.port}: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"cannot reach SMTP server {self.host}:{self.port}: {exc}") from None
        return smtp

    def send(self, message: EmailMessage, recipient: str) -> None:
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.send_message(message, from_addr=self.sender, to_addrs=[recipient])
            except smtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt == 2:
                    raise TransientError(f"SMTP server {self.host}:{self.port} closed the connection") from None
                continue
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                self.close()
                raise (PermanentError if code >= 500 else TransientError)(
                    f"recipient {recipient} refused: {_answer(code, text)}"
                ) from None
            except smtplib.SMTPResponseException as exc:
                self.close()
                error = f"{self.host}:{self.port} answered {_answer(exc.smtp_code, exc.smtp_error)}"
                raise (PermanentError if exc.smtp_code >= 500 else TransientError)(error) from None
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise TransientError(f"sending to {self.host}:{self.port} failed: {exc}") from None
            if refused:
                code, text = refused[recipient]
                raise (PermanentError if code >= 500 else TransientError)(f"recipient {recipient} refused: {_answer(code, text)}")
            return

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    self._smtp.close()
                except OSError:
                    pass
            self._smtp = None


_KEY = re.compile(r"[^A-Za-z0-9_.-]")


class MaildirTransport:
    """Deliver into a Maildir (the embedded default). Exactly once: a mail's file
    name is derived from its Message-ID, and a name already present is not written again."""

    name = "maildir"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def _key(self, message: EmailMessage, recipient: str) -> str:
        mid = _KEY.sub("_", str(message["Message-ID"] or "").strip("<>"))
        rcpt = _KEY.sub("_", recipient)
        generation = str(message["X-Monitor-Copy"] or "0")
        return f"{mid}.{rcpt}.{_KEY.sub('_', generation)}"

    def send(self, message: EmailMessage, recipient: str) -> None:
        try:
            box = mailbox.Maildir(self.path, create=True)
            key = self._key(message, recipient)
            for sub in ("new", "cur"):
                if any(name.split(":")[0] == key for name in os.listdir(self.path / sub)):
                    log.info("mail %s already in %s; not written again", message["Message-ID"], self.path)
                    return
            tmp = self.path / "tmp" / f"{key}.{os.getpid()}"
            data = message.as_bytes()
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path / "new" / key)
            del box
        except OSError as exc:
            raise TransientError(f"cannot write to Maildir {self.path}: {exc}") from None

    def close(self) -> None:
        pass


def transport_for(config) -> Transport:
    if config.email is not None:
        return SmtpTransport.from_config(config.email)
    return MaildirTransport(config.maildir)


__all__ = ["Transport", "SmtpTransport", "MaildirTransport", "TransientError", "PermanentError", "DeliveryError",
           "transport_for"]
