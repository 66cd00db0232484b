"""Surge mode: an incident declared over a problem ticket, and the broadcasts to everyone it affects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awn.core.models import FastChoiceDisplayMixin
from awn.crm.models import Contact
from awn.tickets.enums import Category, Channel
from awn.tickets.models import Ticket

from .enums import BroadcastKind, IncidentStatus, RecipientState


class Incident(FastChoiceDisplayMixin, models.Model):
    """A problem many people hit at once (the platform is down, a result is wrong): one problem ticket, a banner
    on the portal while active, and an automatic first reply for new contacts about it."""

    problem = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="incident")
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.ACTIVE
    )
    title_ar = models.CharField(_("title (Arabic)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    message_ar = models.TextField(_("what happened (Arabic)"))
    message_en = models.TextField(_("what happened (English)"), blank=True)
    guide_url = models.CharField(_("guide link"), max_length=500, blank=True)
    # New contacts that match get the automatic first reply (and are linked): a category, keywords, or both.
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    auto_reply = models.BooleanField(_("automatic first reply"), default=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-declared_at"]
        indexes = [models.Index(fields=["status", "-declared_at"], name="incident_status_declared")]

    def __str__(self) -> str:
        return self.title_ar


class Broadcast(FastChoiceDisplayMixin, models.Model):
    """An update or the resolution of an incident, sent once to every affected person on their channel."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="broadcasts")
    kind = models.CharField(_("kind"), max_length=16, choices=BroadcastKind.choices)
    body_ar = models.TextField(_("message (Arabic)"))
    body_en = models.TextField(_("message (English)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Recipient(FastChoiceDisplayMixin, models.Model):
    """One person of a broadcast: pending → sending (claimed, with a lease) → sent or failed.

    "sent" is written in the same transaction as the reply on the person's ticket (which the outgoing services
    deliver on the ticket's channel), so a crash leaves a row either sent with its message or not sent at all."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(
        _("channel"), max_length=16
    )  # a registered channel code (awn/core/channels.py)
    state = models.CharField(
        _("state"), max_length=8, choices=RecipientState.choices, default=RecipientState.PENDING
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.PositiveBigIntegerField(null=True, blank=True)
    delivery = models.CharField(_("delivery"), max_length=16, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "contact"], name="broadcast_recipient_once"),
        ]
        indexes = [
            models.Index(fields=["broadcast", "state", "channel"], name="recipient_broadcast_state"),
            models.Index(
                fields=["message_id"], name="recipient_message", condition=Q(message_id__isnull=False)
            ),
            models.Index(fields=["channel", "sent_at"], name="recipient_channel_sent"),
        ]

    def get_channel_display(self) -> str:
        return str(Channel.label(self.channel))


class FirstReply(models.Model):
    """A new ticket an active incident answers first: written with the link, in the transaction that creates the
    ticket (so the assistant's generic first answer sees it and stays silent), and marked with the reply's message
    once the reply is written (so a second delivery of the job or the sweep answers nobody twice)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="first_replies")
    language = models.CharField(max_length=8, default="ar")
    message_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], name="first_reply_pending", condition=Q(message_id__isnull=True)
            ),
        ]


class SpikeAlert(models.Model):
    """A spike the supervisors were alerted to: one row per category and hour, so a scan that runs twice (two
    workers, a retry) alerts once."""

    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    hour = models.DateTimeField()  # the start of the hour the spike was seen in
    last_hour = models.PositiveIntegerField(default=0)
    usual_per_hour = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["category", "hour"], name="spike_alert_once")]
