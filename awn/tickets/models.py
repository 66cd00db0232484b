from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.core.models import FastChoiceDisplayMixin, TimeStampedModel
from awn.crm.models import Contact, Organization

from .enums import Category, Channel, Direction, MessageKind, Priority, Status


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class Ticket(TimeStampedModel):
    subject = models.CharField(_("subject"), max_length=200)
    body_preview = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, default=Category.OTHER
    )
    # A registered channel code (awn/core/channels.py): no `choices=`, so a new channel makes no migration.
    channel = models.CharField(_("channel"), max_length=16, default=Channel.PORTAL)
    requester = models.ForeignKey(
        Contact, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    # Foreign keys led by a composite index in Meta.indexes (requester, about_contact, team, assignee) skip
    # Django's single-column index: one index less to maintain on every insert into the busiest table.
    # The person the ticket is about when it is not the requester (a parent writing about a child).
    about_contact = models.ForeignKey(
        Contact,
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets_about",
        db_index=False,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    is_problem = models.BooleanField(_("problem ticket"), default=False)
    problem = models.ForeignKey(
        "self",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    csat_comment = models.TextField(_("comment"), blank=True)
    # Optimistic concurrency: bumped on every change; a stale edit of the same field is refused.
    version = models.PositiveIntegerField(default=1)
    # Service levels (written by awn.sla's reactions): the earliest due time of the running clocks, the applied
    # policy's id and a snapshot of it (targets, pause statuses), so editing a policy never rewrites history.
    next_due_at = models.DateTimeField(_("due"), null=True, blank=True)
    sla_policy_id = models.PositiveIntegerField(null=True, blank=True)
    sla_snapshot = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="ticket_status_created"),
            models.Index(fields=["assignee", "status", "-created_at"], name="ticket_assignee_status"),
            models.Index(fields=["team", "status", "-created_at"], name="ticket_team_status"),
            models.Index(fields=["category", "status", "-created_at"], name="ticket_category_status"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_created"),
            models.Index(fields=["requester", "-last_message_at"], name="ticket_requester_activity"),
            # Partial: most tickets are about their requester, and SQLite's planner ignores an index whose
            # statistics say one key (NULL) covers every row.
            models.Index(
                fields=["about_contact", "-created_at"],
                name="ticket_about_created",
                condition=Q(about_contact__isnull=False),
            ),
            models.Index(fields=["priority", "status"], name="ticket_priority_status"),
            models.Index(fields=["channel", "status"], name="ticket_channel_status"),
            models.Index(fields=["-updated_at"], name="ticket_updated"),
            # Time windows over all tickets (top problems, reports): newest first.
            models.Index(fields=["-created_at"], name="ticket_created"),
            # The queue sorted by due time (tickets without a running clock are not in it).
            models.Index(
                fields=["next_due_at"], name="ticket_next_due", condition=Q(next_due_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def reference(self) -> str:
        return f"AWN-{self.pk:06d}"

    def get_channel_display(self) -> str:
        return Channel.label(self.channel)


class Message(FastChoiceDisplayMixin, models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices, default=MessageKind.REPLY)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    # A registered channel code (awn/core/channels.py): no `choices=`, so a new channel makes no migration.
    channel = models.CharField(_("channel"), max_length=16, default=Channel.PORTAL)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages", db_index=False
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            models.Index(fields=["author_contact", "-created_at"], name="message_contact_created"),
        ]

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE

    def get_channel_display(self) -> str:
        return Channel.label(self.channel)


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is never the user's file name: no path tricks, no guessable URL.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)


class AuditEntry(models.Model):
    """Who changed what on a ticket, and when. Written by ticket services only, never edited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="audit_entries", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    field = models.CharField(max_length=32, blank=True)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="audit_ticket_created")]


class TicketWatcher(models.Model):
    """A staff member who follows a ticket: told of each new message on it while they may see it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watchers", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="ticket_watcher_once")]


class CannedResponse(TimeStampedModel):
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"), help_text=_("Placeholders: {{contact.name}}, {{ticket.reference}}, {{agent.name}}")
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ar")

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
