"""Channel accounts (inboxes), raw inbound events, outgoing deliveries and channel identities.

Inboxes live here rather than in a separate app: an inbox's settings are defined by its connector kind and the
webhook resolves inbox → connector, so the two would import each other anyway.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.core.channels import InboxKind
from awn.core.models import FastChoiceDisplayMixin, TimeStampedModel
from awn.crm.models import Contact
from awn.tickets.models import Message, Ticket

from .enums import DeliveryError, DeliveryStatus, EventStatus, ListenerError


class Inbox(TimeStampedModel):
    """One channel account: one WhatsApp number, one Telegram bot."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    # A registered inbox kind (awn/connectors/kinds.py): no `choices=`, so a new provider makes no migration.
    kind = models.CharField(_("channel"), max_length=16)
    is_active = models.BooleanField(_("active"), default=True)
    api_base_url = models.CharField(_("API base URL"), max_length=200, blank=True)
    # Non-secret, kind-specific settings (phone number id, template name...).
    settings = models.JSONField(default=dict, blank=True)
    # Fernet token of a JSON object of secrets; never rendered back (see secrets.py).
    secrets_encrypted = models.TextField(blank=True, editable=False)
    # Set by a long-running listener (the Asterisk AMI connection) when it cannot connect or log in; shown to
    # admins on the inbox list, cleared once connected.
    connection_error = models.CharField(
        _("connection"), max_length=16, choices=ListenerError.choices, blank=True, editable=False
    )
    connection_error_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_kind_display(self) -> str:
        return InboxKind.label(self.kind)


class InboundEvent(models.Model):
    """One raw item as the provider sent it. The unique (inbox, external id) makes a redelivery a no-op."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="events", db_index=False)
    external_id = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=8, choices=EventStatus.choices, default=EventStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "external_id"], name="connectors_event_unique_external")
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="connectors_event_pending",
                condition=models.Q(status="pending"),
            )
        ]


class ChannelIdentity(TimeStampedModel):
    """Who a channel address (Telegram user id, WhatsApp wa_id) belongs to: one CRM contact across channels."""

    kind = models.CharField(max_length=16)  # a registered inbox kind
    external_id = models.CharField(max_length=100)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="channel_identities")
    display_name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="connectors_identity_unique")
        ]


class Conversation(models.Model):
    """The channel thread behind a ticket, whatever the channel: a ticket has at most one.

    It names the inbox and the address replies go back to, when the customer last wrote, and `external_id`: the
    provider's own id of the thread when it has one. A phone call is a conversation of a voice inbox (CTI,
    Asterisk) whose external id is the PBX's call id: the later events of the call find their ticket by it. A
    call needs no other column today, so it has no detail row; one would be added the day a call carries
    facts of its own (duration, recording).
    A web chat is a conversation of the web-chat inbox (external id = its live session's id); the live session
    (awn.chat) links to it one to one and reads its ticket and contact here.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="channel_conversation")
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="conversations", db_index=False)
    address = models.CharField(max_length=100)  # wa_id, Telegram chat id, email address, caller's number
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(
        max_length=100, blank=True
    )  # the PBX's call id; blank: threaded by address
    last_inbound_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["inbox", "address"], name="connectors_conv_address")]
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "external_id"],
                condition=~models.Q(external_id=""),
                name="connectors_conv_external_unique",
            )
        ]


class OutboundMessage(FastChoiceDisplayMixin, models.Model):
    """One public reply on its way to a customer, with its delivery status and retries."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="delivery")
    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="outbound", db_index=False)
    address = models.CharField(max_length=100)
    status = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    error_code = models.CharField(max_length=16, choices=DeliveryError.choices, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    provider_message_id = models.CharField(max_length=200, blank=True)
    as_template = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="connectors_outbound_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["inbox", "provider_message_id"], name="connectors_outbound_provider"),
        ]
