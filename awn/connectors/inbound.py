"""Inbound processing: raw event → contact → ticket thread, in one transaction that also marks the event done.

A crash anywhere before the commit rolls everything back and leaves the event pending for the sweep; a second
run of a processed event does nothing. Media are downloaded before the transaction (no lock held on HTTP).
"""

from __future__ import annotations

import html
import logging

import nh3
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from awn.core.errors import ValidationError
from awn.crm.models import Contact
from awn.crm.services import contact_create, contact_merge, contact_update
from awn.crm.validators import clean_phone
from awn.tickets.attachments import IncomingFile, check_attachment
from awn.tickets.enums import ACTIVE_STATUSES
from awn.tickets.models import Message
from awn.tickets.services import BODY_MAX, ticket_add_message, ticket_create

from .base import Connector, InboundMessage, SendError, StatusUpdate
from .enums import EventStatus
from .models import ChannelIdentity, Conversation, InboundEvent, Inbox
from .outbound import UnknownProviderMessage, delivery_status_apply
from .registry import connector_for

logger = logging.getLogger(__name__)
MAX_EVENT_ATTEMPTS = 5
STATUS_MATCH_ATTEMPTS = 3  # a status whose message stays unknown after this many tries is dropped


def fault_point(step: str) -> None:
    """A seam between processing steps; tests replace it to simulate a worker dying at `step`."""


def sanitize_text(text: str) -> str:
    """Plain text for agents: any HTML is stripped by nh3 (scripts with their content), entities decoded."""
    cleaned = nh3.clean(text or "", tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(cleaned).replace("\x00", "").strip()


def _e164(raw: str) -> str:
    if not raw:
        return ""
    try:
        return clean_phone(raw if raw.startswith(("+", "0")) else "+" + raw)
    except ValidationError:
        return ""


def _active(contact: Contact) -> Contact:
    seen = 0
    while contact.merged_into_id and seen < 10:
        contact = Contact.objects.get(pk=contact.merged_into_id)
        seen += 1
    return contact


# A batch's identities, locked and read at once (awn/connectors/drain.py): (kind, external id) → the row, or None
# when it does not exist yet. A key missing is looked up here.
Identities = dict[tuple[str, str], "ChannelIdentity | None"]
# A batch's open threads of chat channels: (inbox id, address) → the conversation (its ticket joined), or None.
Threads = dict[tuple[int, str], "Conversation | None"]


def resolve_contact(kind: str, parsed: InboundMessage, identities: Identities | None = None) -> Contact:
    """One CRM profile per person: a stored channel identity, else the E.164 phone, else a new contact."""
    key = (kind, parsed.identity)
    if identities is not None and key in identities:
        identity = identities[key]
    else:
        # Locking the identity row serializes one sender's messages: two of them never both open a new ticket.
        identity = (
            ChannelIdentity.objects.select_for_update(of=("self",))
            .select_related("contact")
            .filter(kind=kind, external_id=parsed.identity)
            .first()
        )
    if identity is not None:
        contact = _active(identity.contact)
        if contact.pk != identity.contact_id:
            ChannelIdentity.objects.filter(pk=identity.pk).update(contact=contact)
            identity.contact = contact
    else:
        phone = _e164(parsed.phone)
        found = (
            Contact.objects.filter(phone=phone, merged_into__isnull=True).order_by("pk").first()
            if phone
            else None
        )
        if found is None and parsed.email:
            found = (
                Contact.objects.filter(email__iexact=parsed.email, merged_into__isnull=True)
                .order_by("pk")
                .first()
            )
        contact = found or contact_create(
            name=(parsed.name or phone or parsed.identity)[:200], phone=phone, email=parsed.email
        )
        identity = ChannelIdentity.objects.create(
            kind=kind, external_id=parsed.identity, contact=contact, display_name=parsed.name[:200]
        )
        if identities is not None:
            identities[key] = identity
    if parsed.shared_phone:
        contact = _link_shared_phone(identity, contact, parsed.shared_phone)
    return contact


def _link_shared_phone(identity: ChannelIdentity, contact: Contact, shared: str) -> Contact:
    """The user shared their own verified phone (Telegram): join the profile that already has it."""
    phone = _e164(shared)
    if not phone or contact.phone == phone:
        return contact
    other = (
        Contact.objects.filter(phone=phone, merged_into__isnull=True)
        .exclude(pk=contact.pk)
        .order_by("pk")
        .first()
    )
    created_by_channel = not contact.phone and not contact.national_id and not contact.user_id
    if other is not None and created_by_channel:
        contact_merge(source=contact, target=other)
        ChannelIdentity.objects.filter(pk=identity.pk).update(contact=other)
        Conversation.objects.filter(contact=contact).update(contact=other)
        logger.info("channel identity %s joined contact %s by a shared phone", identity.pk, other.pk)
        return other
    if other is None and not contact.phone:
        return contact_update(contact=contact, phone=phone)
    return contact


def _download(
    connector: Connector, inbox: Inbox, parsed: InboundMessage
) -> tuple[list[IncomingFile], list[str]]:
    files: list[IncomingFile] = []
    notes: list[str] = []
    for carried in parsed.files:  # attachments inside the message itself (email)
        try:
            check_attachment(carried)
        except ValidationError as exc:
            notes.append(_("[Attachment not accepted: %(reason)s]") % {"reason": exc.message})
            continue
        files.append(carried)
    for media in parsed.media:
        try:
            incoming = connector.fetch_media(inbox, media)
            check_attachment(incoming)
        except SendError as exc:
            logger.warning("inbox %s: media %s not downloaded: %s", inbox.pk, media.ref, exc)
            notes.append(_("[An attachment could not be downloaded from the channel.]"))
            continue
        except ValidationError as exc:
            notes.append(_("[Attachment not accepted: %(reason)s]") % {"reason": exc.message})
            continue
        files.append(incoming)
    return files[:5], notes


def _body(parsed: InboundMessage, files: list[IncomingFile], notes: list[str]) -> str:
    parts = [sanitize_text(parsed.text)]
    if not parts[0] and files:
        parts = [_("[Attachment: %(names)s]") % {"names": ", ".join(f.name for f in files)}]
    return "\n".join(p for p in (*parts, *notes) if p)[:BODY_MAX]


def _subject(connector: Connector, parsed: InboundMessage, body: str, contact: Contact) -> str:
    if sanitize_text(parsed.subject):
        return sanitize_text(parsed.subject).replace("\n", " ")[:200]
    first_line = sanitize_text(parsed.text).split("\n", 1)[0].strip()
    if first_line:
        return first_line[:80]
    return _("Message from %(name)s") % {"name": contact.name}


def inbound_event_process(event_id: int) -> None:
    event = InboundEvent.objects.select_related("inbox").filter(pk=event_id).first()
    if event is None or event.status != EventStatus.PENDING:
        return
    inbox = event.inbox
    connector = connector_for(inbox.kind)
    if connector.applies_events:
        with transaction.atomic():
            if _claim(event_id):
                _finish(event_id, EventStatus.DONE, message=connector.apply_event(inbox, event.payload))
        return
    try:
        parsed = connector.parse_inbound(inbox, event.payload)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        logger.warning("inbox %s event %s: malformed payload: %r", inbox.pk, event.external_id, exc)
        _finish(event_id, EventStatus.FAILED, f"malformed: {exc!r}")
        return
    if parsed is None:
        _finish(event_id, EventStatus.IGNORED)
        return
    if isinstance(parsed, StatusUpdate):
        with transaction.atomic():
            if _claim(event_id):
                try:
                    delivery_status_apply(inbox, parsed)
                except UnknownProviderMessage:
                    if event.attempts + 1 < STATUS_MATCH_ATTEMPTS:
                        raise  # the event stays pending and is retried once the send is recorded
                    logger.info(
                        "inbox %s: status for unknown message %s", inbox.pk, parsed.provider_message_id
                    )
                _finish(event_id, EventStatus.DONE)
        return
    files, notes = _download(connector, inbox, parsed)
    body = _body(parsed, files, notes)
    if not body:
        _finish(event_id, EventStatus.IGNORED)
        return
    with transaction.atomic():
        if not _claim(event_id):
            return
        _commit_without_waiting_for_disk()
        contact = resolve_contact(connector.kind, parsed)
        fault_point("contact_resolved")
        message = _thread(connector, inbox, parsed, contact, body, files)
        fault_point("message_stored")
        _finish(event_id, EventStatus.DONE, message=message)


def _commit_without_waiting_for_disk() -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL to reach the disk.

    Safe here, and only here: the raw event was stored durably before, and this transaction turns it into a
    message and marks it done at once. If the database crashes in the fraction of a second before the WAL is
    flushed, both are lost together, the event is pending again and the sweep processes it once more: nothing
    lost, nothing doubled. It spares every processed event a disk flush.
    """
    if connection.vendor == "postgresql" and not connection.savepoint_ids:  # only the job's own transaction
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _claim(event_id: int) -> bool:
    """Lock the event row; False when another worker already processed it."""
    locked = InboundEvent.objects.select_for_update().filter(pk=event_id, status=EventStatus.PENDING)
    return bool(list(locked.values_list("pk", flat=True)[:1]))


def _thread(
    connector: Connector,
    inbox: Inbox,
    parsed: InboundMessage,
    contact: Contact,
    body: str,
    files: list[IncomingFile],
    threads: Threads | None = None,
) -> Message:
    """Into the ticket the channel's own threading names (email headers), else the contact's open ticket on this
    inbox and address (chat channels), else a new ticket. `threads`: a batch's open threads, read at once."""
    now = timezone.now()
    found = connector.find_ticket(inbox, parsed, contact)
    if found is not None:
        if not Conversation.objects.filter(ticket=found).update(last_inbound_at=now):
            Conversation.objects.create(
                ticket=found, inbox=inbox, address=parsed.address, contact=contact, last_inbound_at=now
            )
        return ticket_add_message(
            ticket=found,
            body=body,
            actor=None,
            author_contact=contact,
            channel=connector.channel,
            attachments=files,
        )
    key = (inbox.pk, parsed.address)
    if not connector.threads_by_address:
        conversation = None
    elif threads is not None and key in threads:
        conversation = threads[key]
    else:
        conversation = (
            Conversation.objects.select_related("ticket")
            .filter(inbox=inbox, address=parsed.address, ticket__status__in=ACTIVE_STATUSES)
            .order_by("-ticket__last_message_at")
            .first()
        )
    if conversation is not None:
        Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=now, contact=contact)
        return ticket_add_message(
            ticket=conversation.ticket,
            body=body,
            actor=None,
            author_contact=contact,
            channel=connector.channel,
            attachments=files,
        )
    ticket = ticket_create(
        requester=contact,
        subject=_subject(connector, parsed, body, contact),
        body=body,
        channel=connector.channel,
        attachments=files,
    )
    created = Conversation.objects.create(
        ticket=ticket, inbox=inbox, address=parsed.address, contact=contact, last_inbound_at=now
    )
    if threads is not None and connector.threads_by_address:
        threads[key] = created  # the sender's next message in the batch threads into it
    return Message.objects.filter(ticket=ticket).order_by("id").first()  # type: ignore[return-value]


def _finish(event_id: int, status: str, error: str = "", message: Message | None = None) -> None:
    InboundEvent.objects.filter(pk=event_id).update(
        status=status, last_error=error[:300], processed_at=timezone.now(), message=message
    )


def inbound_event_failed(event_id: int, error: str) -> int:
    """Count a failed attempt; past the limit the event stops being retried (visible as failed).

    Returns the attempts so far while the event is still to be retried, else 0."""
    InboundEvent.objects.filter(pk=event_id, status=EventStatus.PENDING).update(
        attempts=F("attempts") + 1, last_error=error[:300]
    )
    InboundEvent.objects.filter(
        pk=event_id, status=EventStatus.PENDING, attempts__gte=MAX_EVENT_ATTEMPTS
    ).update(status=EventStatus.FAILED)
    row = InboundEvent.objects.filter(pk=event_id, status=EventStatus.PENDING).values("attempts").first()
    return row["attempts"] if row else 0
