"""Email: mail in through Awn's own SMTP server (`manage.py run_smtp`), IMAP polling or a signed relay webhook;
replies out over SMTP.

Every delivery path stores the raw message as one raw event keyed by its Message-ID, so the same mail arriving
by SMTP, by IMAP and again by a retry is one ticket message. Threading: In-Reply-To/References matched against the
Message-IDs of mail already on tickets (inbound: the raw events' external ids; outbound: the delivery rows'
provider ids), else the ticket reference in the subject ("[AWN-000123]") from the ticket's own requester, else
a new ticket. Automatic mail (auto-replies, bulk, loops from our own address) never becomes a ticket and is never
answered; a bounce marks the reply it returns as not delivered.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from email.utils import make_msgid, parseaddr
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from awn.core.channels import INBOUND, REPLIES, ChannelKind
from awn.core.errors import ValidationError
from awn.crm.validators import clean_email

from ...base import (
    Connector,
    InboundMessage,
    MalformedPayload,
    Outgoing,
    RawItem,
    SecretField,
    SendError,
    SettingField,
    StatusUpdate,
    WebhookRequest,
)
from ...signatures import hmac_sha256_valid
from .parsing import parse_mail, raw_item
from .sending import build_message, domain_of, reply_message_id, reply_subject, smtp_send

if TYPE_CHECKING:
    from awn.crm.models import Contact
    from awn.tickets.models import Ticket

    from ...models import Inbox

logger = logging.getLogger(__name__)
SECURITY_CHOICES = ["ssl", "starttls", "none"]
ADDRESS_MAX = 100  # the width of the conversation and delivery address columns
REFERENCE_RE = re.compile(r"\[#?\s*(?:AWN|T)-(\d{1,12})\s*\]", re.IGNORECASE)
_last_poll: dict[int, float] = {}


def our_addresses() -> set[str]:
    """Every address Awn sends from: the email inboxes' and the notifications' (DEFAULT_FROM_EMAIL). Mail from
    one of them is Awn talking to itself (a forward, an inbox writing to another inbox): a loop."""
    from django.conf import settings

    from ...models import Inbox

    found = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}
    for values in Inbox.objects.filter(kind="email").values_list("settings", flat=True):
        found |= {str(values.get("from_address", "")), str(values.get("inbound_address", ""))}
    return {a.strip().lower() for a in found if a and a.strip()}


class EmailConnector(Connector):
    kind = "email"
    label = _("Email")
    icon = "envelope"
    channel = "email"
    channel_kind = ChannelKind("email", _("Email"), "envelope", frozenset({INBOUND, REPLIES}), order=20)
    polls = True
    threads_by_address = False
    secret_fields = (
        SecretField("imap_password", _("IMAP password")),
        SecretField("smtp_password", _("SMTP password")),
        SecretField(
            "relay_secret",
            _("Relay signing secret"),
            _("A mail relay may POST raw messages to the webhook, signed with this secret (HMAC-SHA256)."),
        ),
    )
    setting_fields = (
        SettingField("from_address", _("From address"), _("Replies are sent from this address."), True),
        SettingField("from_name", _("Sender name")),
        SettingField(
            "inbound_address",
            _("Receiving address"),
            _("Mail to this address is accepted by Awn's SMTP server (run_smtp) for this inbox."),
        ),
        SettingField("imap_host", _("IMAP server"), _("Leave empty when mail arrives by SMTP.")),
        SettingField("imap_port", _("IMAP port")),
        SettingField("imap_user", _("IMAP user")),
        SettingField("imap_folder", _("IMAP folder")),
        SettingField("imap_security", _("IMAP security"), choices=SECURITY_CHOICES),
        SettingField("poll_seconds", _("Check the mailbox every (seconds)")),
        SettingField("smtp_host", _("SMTP server")),
        SettingField("smtp_port", _("SMTP port")),
        SettingField("smtp_user", _("SMTP user")),
        SettingField("smtp_security", _("SMTP security"), choices=SECURITY_CHOICES),
    )

    # --- a relay's webhook: {"mime": "<the raw message>"} or {"mime_base64": …}, signed like the other channels -

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        given = request.headers.get("x-awn-mail-signature", "")
        return hmac_sha256_valid(self.secret(inbox, "relay_secret"), request.body, given)

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        try:
            data = json.loads(body)
            if "mime_base64" in data:  # 8-bit mail in a legacy charset is not valid UTF-8 text
                raw = base64.b64decode(data["mime_base64"], validate=True)
            else:
                raw = str(data["mime"]).encode("utf-8") if isinstance(data["mime"], str) else b""
            if not raw.strip():
                raise TypeError("empty")
        except (ValueError, KeyError, TypeError) as exc:  # binascii.Error is a ValueError
            raise MalformedPayload(
                'expected {"mime": "<raw RFC 5322 message>"} or {"mime_base64": …}'
            ) from exc
        return [raw_item(raw, "relay")]

    # --- reading ------------------------------------------------------------------------------------------------

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | StatusUpdate | None:
        raw = base64.b64decode(payload["raw"])
        mail = parse_mail(raw)
        if mail.bounce_of:
            logger.info("inbox %s: bounce of %s: %s", inbox.pk, mail.bounce_of, mail.bounce_reason)
            return StatusUpdate(mail.bounce_of, "failed", mail.bounce_reason or "bounced")
        if mail.automatic:
            logger.info("inbox %s: automatic mail %s dropped (%s)", inbox.pk, mail.message_id, mail.automatic)
            return None
        ours = our_addresses()
        if mail.from_address in ours:
            logger.warning("inbox %s: mail %s from our own address dropped (loop)", inbox.pk, mail.message_id)
            return None
        sender = _valid_address(mail.from_address)
        reply_to = _valid_address(mail.reply_to)
        address = reply_to if reply_to and reply_to not in ours else sender
        if not sender:
            logger.warning("inbox %s: mail %s has no usable sender, dropped", inbox.pk, mail.message_id)
            return None
        return InboundMessage(
            external_id=mail.message_id,
            address=address,
            identity=sender,
            name=mail.from_name or sender.split("@", 1)[0],
            email=sender,
            text=mail.text
            or (mail.subject if not mail.files else ""),  # a question asked in the subject alone
            subject=mail.subject,
            thread_refs=mail.refs,
            files=tuple(mail.files),
        )

    def find_ticket(self, inbox: Inbox, parsed: InboundMessage, contact: Contact) -> Ticket | None:
        from ...models import Conversation, InboundEvent, OutboundMessage

        def belongs(ticket: Ticket) -> bool:
            return (
                ticket.requester_id == contact.pk
                or Conversation.objects.filter(ticket=ticket, address=parsed.address).exists()
            )

        if parsed.thread_refs:
            # (ticket, ours): our replies' Message-IDs are unguessable, so any participant answering one joins
            # the thread; a customer's own Message-ID may be known or guessed, so only its sender may use it.
            by_ref: dict[str, tuple[int, bool]] = {}
            for ref, ticket_id in InboundEvent.objects.filter(
                inbox=inbox, external_id__in=parsed.thread_refs, message__isnull=False
            ).values_list("external_id", "message__ticket_id"):
                by_ref[ref] = (ticket_id, False)
            for ref, ticket_id in OutboundMessage.objects.filter(
                inbox=inbox, provider_message_id__in=parsed.thread_refs
            ).values_list("provider_message_id", "message__ticket_id"):
                by_ref[ref] = (ticket_id, True)
            for ref in parsed.thread_refs:  # newest first
                if ref not in by_ref:
                    continue
                ticket = _open_ticket(by_ref[ref][0])
                if ticket is not None and (by_ref[ref][1] or belongs(ticket)):
                    return ticket
        for number in REFERENCE_RE.findall(parsed.subject):
            ticket = _open_ticket(int(number))
            # A reference is easy to type: only the ticket's own requester or address may continue it so.
            if ticket is not None and belongs(ticket):
                return ticket
            logger.info("inbox %s: %s names ticket %s it is not part of", inbox.pk, parsed.address, number)
        return None

    # --- polling ------------------------------------------------------------------------------------------------

    def poll(self, inbox: Inbox) -> list[RawItem]:
        """Fetch UNSEEN mail, store each as a raw event, then mark it seen (store first: a crash in between
        re-fetches it and the dedupe absorbs it). Items are stored here, so nothing is returned."""
        if not inbox.settings.get("imap_host"):
            return []
        interval = _int(inbox.settings.get("poll_seconds"), 60)
        now = time.monotonic()
        if inbox.pk in _last_poll and now - _last_poll[inbox.pk] < interval:
            return []
        _last_poll[inbox.pk] = now
        from .imap import imap_fetch_unseen

        imap_fetch_unseen(inbox, password=self.secret(inbox, "imap_password"))
        return []

    # --- sending ------------------------------------------------------------------------------------------------

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        from awn.tickets.models import Ticket

        settings = inbox.settings
        from_address = settings.get("from_address", "")
        host = settings.get("smtp_host", "")
        if not from_address or not host:
            raise SendError("the inbox has no from address or SMTP server", retryable=False)
        ticket = (
            Ticket.objects.filter(pk=outgoing.ticket_id).only("pk", "subject").first()
            if outgoing.ticket_id is not None
            else None
        )
        message_id = (
            reply_message_id(outgoing.message_id, from_address)
            if outgoing.message_id
            else make_msgid(domain=domain_of(from_address))
        )
        in_reply_to, references = _thread_ids(inbox, outgoing.ticket_id)
        mail = build_message(
            from_name=settings.get("from_name", ""),
            from_address=from_address,
            to=outgoing.address,
            subject=reply_subject(ticket.subject, ticket.reference) if ticket else "Awn",
            text=outgoing.text,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            attachments=outgoing.attachments,
        )
        security = settings.get("smtp_security", "") or "starttls"
        smtp_send(
            host=host,
            port=_int(settings.get("smtp_port"), {"ssl": 465, "starttls": 587}.get(security, 25)),
            tls=security,
            user=settings.get("smtp_user", ""),
            password=self.secret(inbox, "smtp_password"),
            envelope_from=from_address,
            to=[outgoing.address],
            mail=mail,
        )
        return message_id


def _valid_address(value: str) -> str:
    try:
        address = clean_email(value)
    except ValidationError:
        return ""
    return address if len(address) <= ADDRESS_MAX else ""


def _int(value: object, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _open_ticket(ticket_id: int | None) -> Ticket | None:
    """The ticket (or the one it was merged into) when it can still take a message."""
    from awn.tickets.enums import Status
    from awn.tickets.models import Ticket

    seen = 0
    while ticket_id is not None and seen < 10:
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            return None
        if ticket.merged_into_id is None:
            return None if ticket.status == Status.CLOSED else ticket
        ticket_id, seen = ticket.merged_into_id, seen + 1
    return None


def _thread_ids(inbox: Inbox, ticket_id: int | None) -> tuple[str, list[str]]:
    """(In-Reply-To: the customer's latest mail, References: the thread oldest first)."""
    from ...models import InboundEvent, OutboundMessage

    if ticket_id is None:
        return "", []
    inbound = list(
        InboundEvent.objects.filter(inbox=inbox, message__ticket_id=ticket_id)
        .exclude(external_id__startswith="sha256:")
        .values_list("received_at", "external_id")
    )
    outbound = list(
        OutboundMessage.objects.filter(inbox=inbox, message__ticket_id=ticket_id)
        .exclude(provider_message_id="")
        .values_list("created_at", "provider_message_id")
    )
    inbound.sort()
    thread = [ref for _at, ref in sorted(inbound + outbound)]
    return (inbound[-1][1] if inbound else ""), thread
