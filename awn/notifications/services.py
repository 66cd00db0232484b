"""The notification outbox: rows written with the change they tell about, sent by a job with retries."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from awn.core.leases import attempt_failed, claim_attempt
from awn.core.tasks import enqueue, enqueue_in
from awn.crm.models import Contact

from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)
SEND_JOB = "awn.notifications.tasks.send_notification"
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600
LEASE_SECONDS = 120


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def notification_enqueue(
    *, dedupe_key: str, to_email: str, subject: str, body: str, ticket_id: int | None
) -> Notification | None:
    """Write the outgoing email (once per key) and send it once the transaction commits."""
    if not to_email:
        return None
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key[:120],
        defaults={"to_email": to_email, "subject": subject[:200], "body": body, "ticket_id": ticket_id},
    )
    if created:
        enqueue(SEND_JOB, notification.pk)
    return notification


def notification_send(notification_id: int) -> bool:
    """Send one due notification; a failure is recorded and retried with backoff until MAX_ATTEMPTS."""
    row = claim_attempt(
        Notification.objects.all(),
        notification_id,
        pending=NotificationStatus.PENDING,
        now=timezone.now(),
        lease_seconds=LEASE_SECONDS,
    )
    if row is None:
        return False
    try:
        send_mail(row.subject, row.body, None, [row.to_email])
    except Exception as exc:  # any transport error: keep the row, retry later
        last = row.attempts >= MAX_ATTEMPTS
        delay = backoff(row.attempts)
        attempt_failed(
            row,
            exc,
            last=last,
            pending=NotificationStatus.PENDING,
            failed=NotificationStatus.FAILED,
            retry_at=timezone.now() + delay,
        )
        logger.warning("notification %s attempt %s not sent: %s", row.pk, row.attempts, exc)
        if not last:
            enqueue_in(SEND_JOB, row.pk, seconds=delay.total_seconds())
        return False
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


ERASED_TEXT = "[محذوف]"


@transaction.atomic
def notifications_erase_contact(contact_id: int) -> int:
    """The reaction to crm's ContactErased (run before the contact loses its email): the emails written to the
    person lose their text (greetings name them, replies quote them) and an unsent one is never sent. Returns
    how many emails were emptied."""
    email = Contact.objects.filter(pk=contact_id).values_list("email", flat=True).first()
    if not email:
        return 0
    theirs = Notification.objects.filter(to_email__iexact=email)
    theirs.filter(status=NotificationStatus.PENDING).update(
        status=NotificationStatus.FAILED, last_error="erased"
    )
    return theirs.update(subject=ERASED_TEXT, body=ERASED_TEXT)
