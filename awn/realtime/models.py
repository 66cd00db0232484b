"""What live screens need to remember: which agent sockets are open and what their page shows, and the agents'
notifications (the badge and its list)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.tickets.models import Ticket


class Page(models.TextChoices):
    """What a workspace page shows, as its socket declares it (`subscribe`)."""

    QUEUE = "queue", _("Queue")
    TICKET = "ticket", _("Ticket")
    CHATS = "chats", _("Live chats")
    OTHER = "other", _("Other")


class AgentSocket(models.Model):
    """One open agent WebSocket (any workspace page). A push about a ticket goes to the users who may see it and
    have it open, or the queue; rows of a process that died are swept once their `seen_at` is old."""

    channel_name = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=8, choices=Page.choices, default=Page.OTHER)
    # The ticket page open on this socket (set only once the user was allowed to see it).
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["ticket"], name="rt_socket_ticket", condition=models.Q(ticket__isnull=False)
            ),
            models.Index(fields=["page"], name="rt_socket_page"),
            models.Index(fields=["seen_at"], name="rt_socket_seen"),
        ]


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    MENTIONED = "mentioned", _("Mentioned you")
    WATCHED = "watched", _("New message on a ticket you watch")
    CALL = "call", _("Incoming call")
    SLA_WARNING = "sla_warning", _("Service level due soon")
    SLA_BREACHED = "sla_breached", _("Service level breached")


class AgentNotification(models.Model):
    """Something an agent should notice, shown in the workspace's notification list until read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # One notification per user and cause: a reaction that runs twice writes it once.
    dedupe_key = models.CharField(max_length=120)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="rt_notification_once"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="rt_notification_user")]
