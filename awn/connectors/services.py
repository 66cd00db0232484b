"""Writes: raw event intake from webhooks/polls, and inbox configuration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.core.errors import ValidationError
from awn.core.tasks import enqueue
from awn.crm.models import Contact
from awn.privacy.scrub import scrub_everywhere
from awn.tickets.models import Ticket

from .base import RawItem
from .enums import EventStatus
from .kinds import InboxKind
from .models import ChannelIdentity, Conversation, InboundEvent, Inbox
from .providers.web_chat import KIND as WEB_CHAT_KIND
from .registry import connector_for
from .secrets import decrypt_secrets, encrypt_secrets
from .selectors import inbox_cache_clear

logger = logging.getLogger(__name__)
PROCESS_JOB = "awn.connectors.tasks.process_inbound_event"  # one event: retries, the sweep
DRAIN_JOB = "awn.connectors.tasks.drain_inbound"  # a webhook's events, drained in batches


def events_store(inbox: Inbox, items: list[RawItem]) -> tuple[int, int]:
    """Store new raw items (status pending) and enqueue one drain job for them; known (inbox, external id) pairs
    are no-ops.

    One statement on both databases: INSERT … ON CONFLICT DO NOTHING RETURNING id, so the webhook answers after
    a single round trip and a concurrent redelivery cannot insert twice. Returns (stored, duplicates).
    """
    unique = {item.external_id: item for item in items}
    if not unique:
        return 0, len(items)
    fields = {f.name: f for f in InboundEvent._meta.concrete_fields}
    now = timezone.now()
    row_sql = "(%s, %s, %s, %s, %s, %s, %s)"
    params: list[Any] = []
    for item in unique.values():
        params += [
            inbox.pk,
            item.external_id,
            fields["payload"].get_db_prep_save(item.payload, connection),
            EventStatus.PENDING,
            0,
            "",
            fields["received_at"].get_db_prep_save(now, connection),
        ]
    table = connection.ops.quote_name(InboundEvent._meta.db_table)
    sql = (
        # Only placeholders and the quoted table name are interpolated.
        f"INSERT INTO {table} (inbox_id, external_id, payload, status, attempts, last_error, received_at) "  # noqa: S608
        f"VALUES {', '.join([row_sql] * len(unique))} "
        "ON CONFLICT (inbox_id, external_id) DO NOTHING RETURNING id"
    )
    # One statement needs no explicit transaction (autocommit); inside a caller's transaction the jobs still
    # wait for its commit (enqueue runs on commit).
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        new_ids = [row[0] for row in cursor.fetchall()]
    if new_ids:
        enqueue(DRAIN_JOB, new_ids)
    duplicates = len(items) - len(new_ids)
    if duplicates:
        logger.info("inbox %s: %d duplicate deliveries absorbed", inbox.pk, duplicates)
    return len(new_ids), duplicates


def phone_call_open(
    *, inbox: Inbox, call_id: str, ticket: Ticket, contact: Contact, caller: str
) -> Conversation:
    """The PBX's call `call_id` becomes the conversation of `ticket` on this voice inbox: the call's later events
    land there (providers/cti)."""
    now = timezone.now()
    return Conversation.objects.create(
        ticket=ticket,
        inbox=inbox,
        address=caller,
        contact=contact,
        external_id=call_id,
        last_inbound_at=now,
        created_at=now,
    )


WEB_CHAT_INBOX_NAME = "المحادثة المباشرة على الموقع"  # data, renamed by admins at will


def web_chat_inbox() -> Inbox:
    """The web-chat inbox (created by the migration that made web chat a connector when chats existed, else here
    on first use)."""
    inbox = Inbox.objects.filter(kind=WEB_CHAT_KIND).order_by("pk").first()
    return inbox or Inbox.objects.create(name=WEB_CHAT_INBOX_NAME, kind=WEB_CHAT_KIND)


def web_chat_open(*, ticket_id: int, contact_id: int, address: str) -> Conversation:
    """A chat's thread: a conversation of the web-chat inbox. It owns the link to the ticket and the contact;
    the live session (awn.chat) links to it, then names it with `web_chat_name`."""
    now = timezone.now()
    return Conversation.objects.create(
        ticket_id=ticket_id,
        inbox=web_chat_inbox(),
        address=address[:100],
        contact_id=contact_id,
        last_inbound_at=now,
        created_at=now,
    )


def outbound_thread_open(*, ticket_id: int, contact_id: int, inbox_id: int, address: str) -> Conversation:
    """The channel thread of a ticket the center opens to write first (proactive outreach), to an address the
    person used before. Its last inbound time is the address's own (never "now"), so the 24-hour window stays
    honest: outside it WhatsApp sends the inbox's template."""
    last = (
        Conversation.objects.filter(inbox_id=inbox_id, address=address)
        .order_by("-last_inbound_at")
        .values_list("last_inbound_at", flat=True)
        .first()
    )
    return Conversation.objects.create(
        ticket_id=ticket_id,
        inbox_id=inbox_id,
        address=address[:100],
        contact_id=contact_id,
        last_inbound_at=last or timezone.now() - timedelta(days=365),
    )


def web_chat_name(*, thread_id: int, chat_id: int) -> None:
    """The thread's external id is its live session's id, as a phone call's is the PBX's call id."""
    Conversation.objects.filter(pk=thread_id).update(external_id=str(chat_id))


def inbox_set_connection_error(inbox_id: int, code: str) -> None:
    """Record (or clear, with "") why a listener cannot reach its provider; shown on the inbox pages."""
    Inbox.objects.filter(pk=inbox_id).exclude(connection_error=code).update(
        connection_error=code, connection_error_at=timezone.now() if code else None
    )


def _clean_base_url(value: str) -> str:
    value = (value or "").strip()
    if value and not value.startswith(("https://", "http://")):
        raise ValidationError(
            _("The API base URL must start with https:// or http://."), field="api_base_url"
        )
    return value[:200]


@transaction.atomic
def inbox_save(
    *,
    inbox: Inbox | None,
    name: str,
    kind: str,
    is_active: bool = True,
    api_base_url: str = "",
    settings: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> Inbox:
    """Create or edit an inbox. A blank secret keeps the stored one: secrets are write-only."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The name is required."), field="name")
    if inbox is None and kind not in InboxKind.values:
        raise ValidationError(_("Unknown channel."), field="kind")
    kind = inbox.kind if inbox is not None else kind
    connector = connector_for(kind)
    clean_settings = {}
    for setting in connector.setting_fields:
        value = str((settings or {}).get(setting.name, "") or "").strip()[: setting.max_length]
        if setting.required and not value:
            raise ValidationError(_("This field is required."), field=setting.name)
        if setting.choices and value and value not in setting.choices:
            raise ValidationError(_("Choose a valid value."), field=setting.name)
        clean_settings[setting.name] = value
    connector.clean_settings(clean_settings)
    stored = decrypt_secrets(inbox.secrets_encrypted) if inbox is not None else {}
    for secret_field in connector.secret_fields:
        value = ((secrets or {}).get(secret_field.name) or "").strip()
        if value:
            stored[secret_field.name] = value
    target = inbox or Inbox(kind=kind)
    target.name = name[:120]
    target.is_active = is_active
    target.api_base_url = _clean_base_url(api_base_url)
    target.settings = clean_settings
    target.secrets_encrypted = encrypt_secrets(stored)
    target.save()
    transaction.on_commit(inbox_cache_clear)
    return target


@transaction.atomic
def identities_erase_contact(contact_id: int) -> int:
    """The reaction to crm's ContactErased: the person's channel identities (WhatsApp wa_id, Telegram user id)
    are deleted and every occurrence of those ids (raw payloads, conversation addresses, outbox rows) is masked.
    A later message from the same address starts a new, unknown contact. Returns the identities erased."""
    identities = ChannelIdentity.objects.filter(contact_id=contact_id)
    external_ids = list(identities.values_list("external_id", flat=True))
    deleted, _by_model = identities.delete()
    scrub_everywhere(external_ids)
    return deleted
