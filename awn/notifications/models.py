from __future__ import annotations

from django.db import models


class NotificationStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(models.Model):
    """An outgoing email to a contact: a row with a status (the outbox), so a failed send is retried."""

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
    sent_at = models.DateTimeField(null=True, blank=True)
    # A stable key makes a handler that runs twice write one row only.
    dedupe_key = models.CharField(max_length=120, unique=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]
