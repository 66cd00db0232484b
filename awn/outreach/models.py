"""Proactive outreach: a segment of people (CRM data and external events), a campaign that sends them a guide on
their preferred channel, one recipient row each (exactly once, resumable), and the opt-outs it respects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awn.core.models import FastChoiceDisplayMixin
from awn.crm.enums import ContactType
from awn.crm.models import Contact, Organization
from awn.knowledge.models import Article

from .enums import Audience, CampaignStatus, RecipientState


class Segment(models.Model):
    """Who a campaign reaches, as criteria (every one given must hold), evaluated when a campaign is queued:
    "everyone whose login failed today" (event_type=login_failed, event_hours=24), "parents of grade 1 students
    at school X" (audience=parents, school=X, grade=1)."""

    name = models.CharField(_("name"), max_length=200)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.PEOPLE
    )
    contact_type = models.CharField(_("contact type"), max_length=16, choices=ContactType.choices, blank=True)
    school = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("school"),
    )
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    event_type = models.CharField(_("external event"), max_length=64, blank=True)
    event_hours = models.PositiveIntegerField(_("within the last (hours)"), default=24)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Campaign(FastChoiceDisplayMixin, models.Model):
    """A guide (knowledge article) sent to a segment, each person once, on their preferred channel."""

    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="campaigns")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    intro_ar = models.TextField(_("introduction (Arabic)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.SENDING
    )
    total = models.PositiveIntegerField(default=0)  # recipients queued
    matched = models.PositiveIntegerField(default=0)  # people the segment matched when queued
    opted_out = models.PositiveIntegerField(default=0)  # of them, left out: they opted out
    unreachable = models.PositiveIntegerField(default=0)  # of them, left out: no channel to reach them on
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Recipient(FastChoiceDisplayMixin, models.Model):
    """One person of a campaign: pending → sending (claimed under a lease, awn/core/leases.py) → sent, failed or
    skipped (opted out since the campaign was queued). "sent" commits with the message it sent."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(_("channel"), max_length=16)
    inbox_id = models.PositiveIntegerField(null=True, blank=True)  # the channel account (not email)
    address = models.CharField(max_length=200)
    state = models.CharField(
        _("state"), max_length=8, choices=RecipientState.choices, default=RecipientState.PENDING
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)
    message_id = models.PositiveBigIntegerField(null=True, blank=True)
    delivery = models.CharField(_("delivery"), max_length=16, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="outreach_recipient_once"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "channel"], name="outreach_recipient_state"),
            models.Index(
                fields=["message_id"],
                name="outreach_recipient_message",
                condition=Q(message_id__isnull=False),
            ),
            models.Index(fields=["channel", "sent_at"], name="outreach_channel_sent"),
        ]

    @property
    def channel_label(self) -> str:
        """The channel in the reader's words, never its code (issue 13, defect 8)."""
        from awn.tickets.enums import Channel

        return Channel.label(self.channel)

    @property
    def delivery_label(self) -> str:
        """The channel's delivery status in the reader's words ("" before any)."""
        from awn.connectors.enums import DeliveryStatus

        return (
            str(DeliveryStatus(self.delivery).label)
            if self.delivery in DeliveryStatus.values
            else self.delivery
        )


class OptOut(models.Model):
    """A person who asked to receive no more outreach: respected by every campaign queued or sending after it,
    and kept as the record of when and how they asked."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("how"), max_length=32)  # "keyword" (they wrote STOP), "staff"
    created_at = models.DateTimeField(auto_now_add=True)
