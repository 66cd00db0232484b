"""Live chat: a LiveSession is a session of the live widget on one ticket's channel thread (a conversation of the
web-chat inbox, which owns the link to the ticket and the contact); lines are what the widget shows.

Visitor and agent lines are also ticket messages (the ticket is the record); the assistant's answers and system
notices live only here (the agent gets a summary note on the ticket when the chat is handed over).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from awn.accounts.models import Team
from awn.connectors.models import Conversation as Thread
from awn.crm.models import Contact
from awn.tickets.models import Attachment, Message, Ticket

from .enums import ChatStatus, Sender


class LiveSession(models.Model):
    # The ticket's channel thread: it holds the ticket and the contact (a ticket has one thread, whatever the
    # channel); this row holds only what the live widget needs.
    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="live_session")
    # Random secret inside the visitor's signed token; replacing it revokes every token handed out.
    key = models.CharField(max_length=48)
    status = models.CharField(max_length=10, choices=ChatStatus.choices, default=ChatStatus.BOT)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visitor_name = models.CharField(max_length=120)
    visitor_email = models.EmailField(blank=True)
    visitor_phone = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=8, default="ar")
    offline = models.BooleanField(default=False)  # handed over with no agent online: the ticket carries on
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    transcript_sent = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["queued_at"], name="chat_conv_queue", condition=models.Q(status=ChatStatus.QUEUED)
            ),
            models.Index(fields=["status", "closed_at"], name="chat_conv_status_closed"),
        ]

    # Read through the thread (select_related("thread__ticket") where the ticket is needed).
    @property
    def ticket(self) -> Ticket:
        return self.thread.ticket

    @property
    def ticket_id(self) -> int:
        return self.thread.ticket_id

    @property
    def contact(self) -> Contact:
        return self.thread.contact

    @property
    def contact_id(self) -> int:
        return self.thread.contact_id


class Line(models.Model):
    conversation = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="lines")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    body = models.TextField()
    author_name = models.CharField(max_length=150, blank=True)
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_line"
    )
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    article_id = models.CharField(max_length=64, blank=True)  # the assistant's source article
    handoff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class AgentPresence(models.Model):
    """One open agent socket. An agent is online while one of theirs was seen in the last PRESENCE_SECONDS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()
