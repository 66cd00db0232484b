from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")


class Notification(models.Model):
    """An outgoing email to a contact: a row with a status (the outbox), written in the same transaction as the
    change it tells about, then sent by a job with retries and backoff; failed after its last attempt."""

    ticket_id = models.BigIntegerField(null=True, db_index=True)
    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the next attempt is due; a claimed send pushes it ahead by a lease, so a crash mid-send is retried.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A stable key makes a handler that runs twice write one row only.
    dedupe_key = models.CharField(max_length=120, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_status_created"),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=models.Q(status="pending"),
            ),
        ]
