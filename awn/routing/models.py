"""Routing and workforce rows: agents' presence and capacity, known peaks entered by supervisors, contacts counted per half-hour (the forecast's
history, recounted by a periodic job so the page never scans the ticket table)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.core.models import TimeStampedModel
from awn.tickets.enums import Category, Channel
from awn.tickets.models import Ticket

from .enums import AgentState, SkillKind


class PeakEvent(TimeStampedModel):
    """A known peak (registration opens, results come out): contacts × multiplier on its days, for one channel or
    all. Past peaks are divided out of the history so they do not inflate ordinary days."""

    name = models.CharField(_("name"), max_length=120)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    multiplier = models.DecimalField(_("multiplier"), max_digits=5, decimal_places=2)
    channel = models.CharField(_("channel"), max_length=16, blank=True)  # a registered channel code, or all
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-first_day"]
        indexes = [models.Index(fields=["last_day", "first_day"], name="routing_peak_days")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="routing_peak_range_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(multiplier__gt=0), name="routing_peak_multiplier_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_channel_display(self) -> str:
        return Channel.label(self.channel)


class IntervalVolume(models.Model):
    """Contacts created in one channel during one 30-minute interval (start in UTC; Riyadh has no DST)."""

    channel = models.CharField(max_length=16)  # a registered channel code (awn/core/channels.py)
    start = models.DateTimeField()
    contacts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "start"], name="routing_volume_channel_start")
        ]


class AgentStatus(models.Model):
    """An agent's presence and capacity (one row per staff member, created on first use).

    `state` is what the agent (or a supervisor, or the automatic rules) chose: online, away, offline. It is not the
    same as a connection: chat's AgentPresence and realtime's AgentSocket say a page is open; `seen_at` mirrors the
    latest of them here so routing (below those apps) knows who is connected. Available = online and connected.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="routing_status"
    )
    state = models.CharField(_("state"), max_length=8, choices=AgentState.choices, default=AgentState.OFFLINE)
    state_since = models.DateTimeField()
    # The last change was made by a rule (inactivity, sign-out, lost connection), not by a person.
    automatic = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    chat_capacity = models.PositiveSmallIntegerField(_("chats at once"), default=3)
    call_capacity = models.PositiveSmallIntegerField(_("calls at once"), default=1)
    ticket_capacity = models.PositiveSmallIntegerField(_("tickets in hand"), default=20)
    # When routing last gave them a contact: "longest idle" first, and the round-robin order.
    last_routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "last_activity_at"], name="routing_status_state")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.state}"


class AgentSkill(models.Model):
    """One skill of an agent: a category they handle, a language or dialect they answer in, a channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_skills"
    )
    kind = models.CharField(max_length=16, choices=SkillKind.choices)
    value = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "value"], name="routing_skill_unique")]


class RoutingDecision(models.Model):
    """Why a contact went to this agent (or to nobody): kept for supervisors and audits."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.JSONField(default=dict)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "-decided_at"], name="routing_decision_ticket"),
            models.Index(fields=["-decided_at"], name="routing_decision_recent"),
        ]


class OfferState(models.TextChoices):
    PENDING = "pending", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RoutingOffer(models.Model):
    """A contact routed to an agent, theirs only once accepted: not accepted by `expires_at`, the periodic pass
    takes it back and offers it to the next best agent (and not to them again for a while)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.PENDING)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "expires_at"], name="routing_offer_due"),
            models.Index(fields=["ticket", "agent", "closed_at"], name="routing_offer_ticket"),
        ]


class OverflowRule(TimeStampedModel):
    """Hybrid centers: when a category's waiting line is above a threshold (the oldest wait in seconds, or the
    number waiting), its contacts overflow from the in-house team to an outsourced team covering the category.
    While under it, vendor agents are not offered that category."""

    category = models.CharField(_("category"), max_length=32, unique=True)
    wait_seconds = models.PositiveIntegerField(_("longest wait (seconds)"), null=True, blank=True)
    queue_length = models.PositiveIntegerField(_("contacts waiting"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["category"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wait_seconds__isnull=False) | models.Q(queue_length__isnull=False),
                name="routing_overflow_has_threshold",
            )
        ]

    def __str__(self) -> str:
        return self.category

    def get_category_display(self) -> str:
        return str(dict(Category.choices).get(self.category, self.category))


class RoutingHold(models.Model):
    """A contact routing leaves alone for now: a live chat while the assistant is still talking (its category is
    not known yet and no person is wanted). Released when the chat is handed to a person (or leaves the
    assistant another way); routing then offers it to the best agent for the category known by then."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="routing_hold"
    )
    held_at = models.DateTimeField(auto_now_add=True)
