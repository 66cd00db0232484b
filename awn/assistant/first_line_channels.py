"""The assistant answers first on messaging channels (WhatsApp, Telegram, email), as it does on the portal and in
live chat: a customer's first message gets the article's steps and "did this solve it? reply 1 / 2"; "1" resolves
the ticket (and teaches the article the question), "2" or any handoff puts the ticket in the agents' line with the
attempt as an internal note. The reply leaves through the ticket's own channel thread (the connectors react to
ReplySent), right after the customer wrote, so WhatsApp's 24-hour window is open. The assistant never answers
with an internal article, never after an agent has written, never again once it handed off, and never on a ticket linked to a problem
(an active incident's automatic reply is then the one first answer: awn/incidents).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from awn.core.text.arabic import normalize_arabic
from awn.knowledge.models import Article
from awn.knowledge.services import article_learn_question
from awn.routing.selectors import ticket_wait
from awn.routing.text import wait_sentence
from awn.tickets.enums import Direction, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_bot_reply, ticket_add_message, ticket_update

from .first_line import answers_alone, first_line_ask
from .models import FirstLineConversation, FirstLineState

if TYPE_CHECKING:
    from .answering import AssistantAnswer

logger = logging.getLogger(__name__)

# Short replies to "did this solve it?", compared after normalization (hamzas, digits, case).
SOLVED_WORDS = frozenset(
    {"1", "نعم", "ايه", "اي", "ايوه", "ايوا", "تم", "انحلت", "شكرا", "yes", "y", "ok", "solved"}
)
PERSON_WORDS = frozenset(
    {"2", "لا", "موظف", "موظفه", "انسان", "شخص", "no", "n", "agent", "human", "person", "ما انحلت", "لم تحل"}
)
SHORT_REPLY_WORDS = 3


def first_line_channels() -> frozenset[str]:
    return frozenset(getattr(settings, "AWN_ASSISTANT_FIRST_CHANNELS", ()))


_SOLVED = frozenset(normalize_arabic(w) for w in SOLVED_WORDS)
_PERSON = frozenset(normalize_arabic(w) for w in PERSON_WORDS)


def _short_reply(text: str) -> str:
    """The reply folded (hamzas, Arabic-Indic digits, case, punctuation), or "" past SHORT_REPLY_WORDS words."""
    words = [w.strip(".!؟?،,") for w in normalize_arabic(text).split()]
    words = [w for w in words if w]
    return " ".join(words) if 0 < len(words) <= SHORT_REPLY_WORDS else ""


def customer_word(text: str) -> str | None:
    """ "solved", "person", or None for anything else (a new question, a longer story)."""
    reply = _short_reply(text)
    if not reply:
        return None
    if reply in _SOLVED or reply.split()[0] == "1":
        return "solved"
    if reply in _PERSON or reply.split()[0] == "2":
        return "person"
    return None


def _people_have_written(ticket_id: int) -> bool:
    return Message.objects.filter(
        ticket_id=ticket_id, direction=Direction.OUTBOUND, author_user__isnull=False
    ).exists()


def _feedback_prompt(language: str) -> str:
    with translation.override("en" if language == "en" else "ar"):
        return _("Did this solve it? Reply 1 if it did, or 2 to talk to a person.")


def _handed_off_notice(language: str, ticket: Ticket) -> str:
    """The handoff's reply, with the expected wait: the ticket's place in its channel group's line and the
    routing layer's estimate (the sentence the portal shows), or that nobody is available now."""
    language = "en" if language == "en" else "ar"
    with translation.override(language):
        notice = _("Thank you. A member of our team will answer you here as soon as possible.")
    estimate = ticket_wait(ticket)  # None once someone took or answered it
    return f"{notice} {wait_sentence(estimate, language)}" if estimate is not None else notice


def first_line_on_message(message_id: int) -> str:
    """React to a customer's message on a messaging channel; what the assistant did (for logs and tests)."""
    message = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if message is None or message.direction != Direction.INBOUND or message.kind != MessageKind.REPLY:
        return "ignored"
    ticket = message.ticket
    if ticket.channel not in first_line_channels() or ticket.status == Status.CLOSED:
        return "ignored"
    if ticket.problem_id is not None:
        # A known problem (surge mode linked it when it was created): the incident's reply is the first answer.
        return "silent"
    state = FirstLineConversation.objects.filter(ticket=ticket).first()
    if (state and state.state != FirstLineState.ANSWERED) or _people_have_written(ticket.pk):
        return "silent"
    if state is not None:
        return _on_feedback(ticket, state, message)
    attempt = first_line_ask(message.body)  # outside any transaction: tens of milliseconds of computing
    return _first_answer(ticket, message, attempt)


@transaction.atomic
def _first_answer(ticket: Ticket, message: Message, attempt: AssistantAnswer) -> str:
    state, created = FirstLineConversation.objects.select_for_update().get_or_create(
        ticket=ticket,
        defaults={
            "state": FirstLineState.HANDED_OFF,
            "question": message.body[:2000],
            "language": attempt.language[:8],
        },
    )
    if not created or _people_have_written(ticket.pk):
        return "silent"  # another of the customer's messages got here first, or an agent did
    if answers_alone(attempt):
        assert attempt.article is not None
        ticket_add_bot_reply(ticket=ticket, body=f"{attempt.answer}\n\n{_feedback_prompt(attempt.language)}")
        FirstLineConversation.objects.filter(pk=state.pk).update(
            state=FirstLineState.ANSWERED, article_external_id=attempt.article.external_id
        )
        return "answered"
    from .answering import attempt_note  # with the models, on a channel's first question (issue 14)

    ticket_add_message(
        ticket=ticket, body=attempt_note(attempt, declined=False), actor=None, kind=MessageKind.NOTE
    )
    ticket_add_bot_reply(ticket=ticket, body=_handed_off_notice(attempt.language, ticket))
    FirstLineConversation.objects.filter(pk=state.pk).update(
        reason=attempt.reason[:32], decided_at=timezone.now()
    )
    return "handed_off"


@transaction.atomic
def _on_feedback(ticket: Ticket, state: FirstLineConversation, message: Message) -> str:
    locked = FirstLineConversation.objects.select_for_update().get(pk=state.pk)
    if locked.state != FirstLineState.ANSWERED:
        return "silent"
    word = customer_word(message.body)
    now = timezone.now()
    if word == "solved":
        FirstLineConversation.objects.filter(pk=locked.pk).update(state=FirstLineState.SOLVED, decided_at=now)
        article = Article.objects.filter(external_id=locked.article_external_id).first()
        if article is not None and locked.question:
            article_learn_question(article=article, question=locked.question)
        ticket_update(ticket=ticket, actor=None, changes={"status": Status.RESOLVED})
        return "solved"
    note = (
        _("The customer said the assistant's answer (%(article)s) did not solve it.")
        if word == "person"
        else _("The customer wrote again after the assistant's answer (%(article)s); people take over.")
    ) % {"article": locked.article_external_id}
    ticket_add_message(ticket=ticket, body=note, actor=None, kind=MessageKind.NOTE)
    ticket_add_bot_reply(ticket=ticket, body=_handed_off_notice(locked.language, ticket))
    FirstLineConversation.objects.filter(pk=locked.pk).update(
        state=FirstLineState.HANDED_OFF,
        reason="declined" if word == "person" else "wrote_again",
        decided_at=now,
    )
    return "handed_off"
