"""Outgoing mail: one agent reply as a threaded EmailMessage (plain text + RTL HTML, attachments) over SMTP."""

from __future__ import annotations

import hashlib
import hmac
import html
import mimetypes
import smtplib
import ssl
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from django.conf import settings

from awn.tickets.attachments import IncomingFile

from ...base import SendError

SMTP_TIMEOUT_SECONDS = 30
REFERENCES_MAX = 20


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() or "awn.local"


def reply_message_id(message_id: int, from_address: str) -> str:
    """Stable across retries (a resend is recognised as the same mail) and not guessable: a References header
    naming it threads into that ticket, so it must not be forged from the ticket number."""
    tag = hmac.new(
        settings.SECRET_KEY.encode(), f"awn-mail:{message_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"<awn.{message_id}.{tag[:20]}@{domain_of(from_address)}>"


def reply_subject(subject: str, reference: str) -> str:
    subject = " ".join(subject.split())
    token = f"[{reference}]"
    if token not in subject:
        subject = f"{subject} {token}"
    return subject if subject.lower().startswith(("re:", "رد:")) else f"Re: {subject}"


def render_html(text: str) -> str:
    body = "<br>\n".join(html.escape(line) for line in text.split("\n"))
    return (
        '<!DOCTYPE html>\n<html dir="rtl" lang="ar"><head><meta charset="utf-8"></head><body>\n'
        '<div dir="rtl" lang="ar" style="font-family: Tahoma, Arial, sans-serif; text-align: right;">'
        f"{body}</div>\n</body></html>\n"
    )


def build_message(
    *,
    from_name: str,
    from_address: str,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    in_reply_to: str = "",
    references: list[str] | None = None,
    attachments: tuple[IncomingFile, ...] = (),
) -> EmailMessage:
    mail = EmailMessage(policy=policy.SMTP)
    local, _, domain = from_address.partition("@")
    mail["From"] = (
        Address(display_name=from_name, username=local, domain=domain) if from_name else from_address
    )
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    refs = (references or [])[-REFERENCES_MAX:]
    if refs:
        mail["References"] = " ".join(refs)
    mail["Content-Language"] = "ar"
    # An agent's answer is written by a person: no Auto-Submitted. Ask Exchange not to answer it automatically.
    mail["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    mail.set_content(text, charset="utf-8")
    mail.add_alternative(render_html(text), subtype="html", charset="utf-8")
    for attachment in attachments:
        mime = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        maintype, _, subtype = mime.partition("/")
        mail.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.name,
            params={"charset": "utf-8"} if maintype == "text" else None,
        )
    return mail


def smtp_send(
    *,
    host: str,
    port: int,
    tls: str,
    user: str,
    password: str,
    envelope_from: str,
    to: list[str],
    mail: EmailMessage,
) -> None:
    """Deliver to the relay; a 4xx or a network failure is retryable, a 5xx refusal is not."""
    try:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if tls == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if tls == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if user:
                client.login(user, password)
            refused = client.send_message(mail, from_addr=envelope_from, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        raise SendError(f"recipients refused: {exc.recipients!r}"[:300], retryable=_transient(codes)) from exc
    except smtplib.SMTPResponseException as exc:
        detail = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        raise SendError(
            f"SMTP {exc.smtp_code}: {detail}"[:300], retryable=_transient([exc.smtp_code])
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, TLS failure, disconnect
        raise SendError(f"SMTP server unreachable: {exc!r}"[:300], retryable=True) from exc
    if refused:
        codes = [code for code, _msg in refused.values()]
        raise SendError(f"recipients refused: {refused!r}"[:300], retryable=_transient(codes))


def _transient(codes: list[int]) -> bool:
    return bool(codes) and all(400 <= code < 500 for code in codes)
