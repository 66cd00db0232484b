"""Jobs of the notification outbox: one send, and the sweep of due rows (config/schedule.py)."""

from __future__ import annotations

from django.utils import timezone

from awn.core.tasks import dispatch, job

from .models import Notification, NotificationStatus
from .services import SEND_JOB, notification_send


@job(queue="outbound")
def send_notification(notification_id: int) -> None:
    notification_send(notification_id)


@job()
def sweep(*, limit: int = 500) -> int:
    """Enqueue again the notifications that are due: a retry's time came, or a crash left them pending."""
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for notification_id in ids:
        dispatch(SEND_JOB, notification_id)
    return len(ids)
