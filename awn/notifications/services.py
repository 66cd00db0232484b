from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone

from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def notification_enqueue(
    *, dedupe_key: str, to_email: str, subject: str, body: str, ticket_id: int | None
) -> Notification | None:
    if not to_email:
        return None
    notification, _created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key[:120],
        defaults={"to_email": to_email, "subject": subject[:200], "body": body, "ticket_id": ticket_id},
    )
    return notification


def notification_send(notification: Notification) -> bool:
    if notification.status == NotificationStatus.SENT:
        return True
    try:
        send_mail(notification.subject, notification.body, None, [notification.to_email])
    except Exception as exc:  # any transport error: keep the row, retry later
        status = (
            NotificationStatus.FAILED
            if notification.attempts + 1 >= MAX_ATTEMPTS
            else NotificationStatus.PENDING
        )
        Notification.objects.filter(pk=notification.pk).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:300], status=status
        )
        logger.warning("notification %s not sent: %s", notification.pk, exc)
        return False
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
    )
    return True


def notifications_send_pending(limit: int = 200) -> int:
    sent = 0
    for notification in Notification.objects.filter(status=NotificationStatus.PENDING).order_by("created_at")[
        :limit
    ]:
        sent += notification_send(notification)
    return sent
