"""Jobs of the surveys app (each idempotent, carrying ids)."""

from __future__ import annotations

from awn.core.tasks import job

from .services import (
    survey_answer_from_message,
    survey_follow_up_for_rating,
    survey_invite,
    surveys_send_reminders,
)


@job(queue="outbound")
def invite(ticket_id: int) -> None:
    survey_invite(ticket_id)


@job()
def answer_from_message(message_id: int) -> None:
    survey_answer_from_message(message_id)


@job()
def follow_up_rating(ticket_id: int) -> None:
    survey_follow_up_for_rating(ticket_id)


@job()
def send_reminders() -> int:
    """Periodic (config/schedule.py): the one reminder of unanswered surveys."""
    return surveys_send_reminders()
