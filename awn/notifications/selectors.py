"""Reads of the notification outbox."""

from __future__ import annotations

from .models import Notification, NotificationStatus


def notifications_failed_for_ticket(ticket_id: int, limit: int = 5) -> list[Notification]:
    """Emails about this ticket that could not be sent after their last attempt (shown to agents)."""
    return list(
        Notification.objects.filter(ticket_id=ticket_id, status=NotificationStatus.FAILED).order_by("-pk")[
            :limit
        ]
    )
