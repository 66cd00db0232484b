"""How surveys react to ticket events (listed in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.core.tasks import enqueue
from awn.crm.events import ContactErased
from awn.tickets.enums import Status
from awn.tickets.events import MessageReceived, TicketRated, TicketStatusChanged

from .selectors import is_digit_answer
from .services import survey_record_rating, surveys_erase_contact

INVITE_JOB = "awn.surveys.tasks.invite"
CHANNEL_ANSWER_JOB = "awn.surveys.tasks.answer_from_message"
RATING_FOLLOW_UP_JOB = "awn.surveys.tasks.follow_up_rating"


def on_ticket_status_changed(event: TicketStatusChanged) -> None:
    """on_commit: a ticket a person resolved gets its survey, as a job (which checks it is still resolved). A
    resolution by the system (the assistant's "1: solved", a bot-solved chat) gets none: the customer has just
    given their verdict, and containment is measured on its own."""
    if event.new_status == Status.RESOLVED and event.actor_id is not None:
        enqueue(INVITE_JOB, event.ticket_id)


def on_message_received(event: MessageReceived) -> None:
    """on_commit: a customer's message that is a digit 1–5 on WhatsApp or Telegram may answer a survey (a job
    decides); any other message costs one read by primary key and no job."""
    if is_digit_answer(event.message_id):
        enqueue(CHANNEL_ANSWER_JOB, event.message_id)


def on_ticket_rated(event: TicketRated) -> None:
    """sync: a rating given on the portal's form answers the survey too (once); a low one is followed up."""
    if survey_record_rating(event.ticket_id) is not None and event.score <= 2:
        enqueue(RATING_FOLLOW_UP_JOB, event.ticket_id)


def on_contact_erased(event: ContactErased) -> None:
    """sync: what the erased person wrote in their surveys goes with the rest (PDPL erasure)."""
    surveys_erase_contact(event.contact_id)
