"""Writes of triage: store the triage of a new ticket (and act on it), store an agent's correction.

Ticket fields change only through `awn.tickets.services.ticket_update`, so every change is audited: the
automatic one with no actor («System» in the history), a correction with the agent as actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.errors import Conflict, PermissionDenied, ValidationError
from awn.tickets.enums import PRIORITY_RANK, Category, Priority
from awn.tickets.models import Message, Ticket
from awn.tickets.policies import can_work_ticket
from awn.tickets.services import ticket_update

from ..models import Dialect, Sentiment, TicketTriage

if TYPE_CHECKING:
    from .engine import TriageResult

# The automatic triage raises a ticket's priority only when this sure of it, and sets the category of a ticket
# filed under «other» only when the model is this sure.
PRIORITY_APPLY_CONFIDENCE = 0.7
CATEGORY_APPLY_CONFIDENCE = 0.6
TEXT_LIMIT = 2000


# The models (NumPy, SciPy, scikit-learn) are imported on the first triage, not when the URL configuration loads
# this module (issue 14: a web worker that never triages stays small).
def triage_with_knowledge(text: str) -> TriageResult:
    from ..answering import triage_with_knowledge as triage

    return triage(text)


def triage_many_with_knowledge(texts: Sequence[str]) -> list[TriageResult]:
    from .batch import triage_many_with_knowledge as triage_many

    return triage_many(texts)


def ticket_triage_text(ticket: Ticket) -> str:
    """The ticket's subject and its first message from the customer (what a live triage reads)."""
    first = (
        Message.objects.filter(ticket_id=ticket.pk)
        .order_by("created_at", "pk")
        .values_list("body", flat=True)
        .first()
    )
    return _triage_text(ticket.subject, first or ticket.body_preview or "")


def _changes_for(ticket: Ticket, result: TriageResult) -> dict[str, str]:
    changes: dict[str, str] = {}
    if (
        PRIORITY_RANK[Priority(result.priority)] > PRIORITY_RANK[Priority(ticket.priority)]
        and result.priority_confidence >= PRIORITY_APPLY_CONFIDENCE
    ):
        changes["priority"] = result.priority
    if (
        ticket.category == Category.OTHER
        and result.category != Category.OTHER
        and result.category in Category.values
        and result.category_confidence >= CATEGORY_APPLY_CONFIDENCE
    ):
        changes["category"] = result.category
    return changes


def triage_ticket(ticket_id: int) -> TicketTriage | None:
    """Triage a ticket once (a redelivered event is a no-op); raise its priority / set its category if sure."""
    triage_tickets([ticket_id])
    return TicketTriage.objects.filter(ticket_id=ticket_id).first()


def _untriaged_texts(ticket_ids: Sequence[int]) -> dict[int, str]:
    """The triage text of each ticket of `ticket_ids` that exists and has no triage yet (one query)."""
    first_body = Subquery(
        Message.objects.filter(ticket_id=OuterRef("pk")).order_by("created_at", "pk").values("body")[:1]
    )
    rows = (
        Ticket.objects.filter(pk__in=ticket_ids, triage__isnull=True)
        .annotate(first_body=first_body)
        .order_by("pk")
        .values_list("pk", "subject", "body_preview", "first_body")
    )
    return {pk: _triage_text(subject, first or preview or "") for pk, subject, preview, first in rows}


def _triage_text(subject: str, body: str) -> str:
    body = body[:TEXT_LIMIT]
    if body.startswith(subject):
        return body
    return f"{subject}\n{body}".strip()


def _triage_row(ticket_id: int, result: TriageResult) -> TicketTriage:
    return TicketTriage(
        ticket_id=ticket_id,
        category=result.category if result.category in Category.values else Category.OTHER,
        category_confidence=result.category_confidence,
        priority=result.priority,
        priority_confidence=result.priority_confidence,
        sentiment=result.sentiment,
        sentiment_confidence=result.sentiment_confidence,
        language=result.language,
        dialect=result.dialect,
        dialect_confidence=result.dialect_confidence,
        cues=list(result.cue_codes),
        model_version=result.model_version[:64],
    )


def _apply(ticket: Ticket, result: TriageResult) -> list[str]:
    """Raise the ticket's priority / set its category when the triage is sure; the fields changed."""
    changes = _changes_for(ticket, result)
    if not changes:
        return []
    seen = {field: getattr(ticket, field) for field in changes}
    try:
        with transaction.atomic():
            ticket_update(ticket=ticket, actor=None, changes=changes, seen=seen)
    except Conflict:
        return []  # an agent changed it meanwhile: their value stands
    return sorted(changes)


def triage_tickets(ticket_ids: Sequence[int]) -> int:
    """Triage these tickets together, each once; how many were triaged here.

    One query reads the tickets still untriaged with their first messages; the texts are embedded and classified
    in one batch (outside any transaction); then, in one transaction, the tickets still there are locked, the
    triage rows are inserted in one statement and the sure fields applied through `ticket_update` (audited). A
    ticket deleted meanwhile, or triaged meanwhile by another worker, is skipped.
    """
    texts = _untriaged_texts(list(dict.fromkeys(ticket_ids)))
    if not texts:
        return 0
    results = dict(zip(texts, triage_many_with_knowledge(list(texts.values())), strict=True))
    with transaction.atomic():
        tickets = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=list(results))}
        done = set(
            TicketTriage.objects.filter(ticket_id__in=list(tickets)).values_list("ticket_id", flat=True)
        )
        todo = [pk for pk in results if pk in tickets and pk not in done]
        rows = TicketTriage.objects.bulk_create([_triage_row(pk, results[pk]) for pk in todo])
        applied = []
        for row in rows:
            row.applied_fields = _apply(tickets[row.ticket_id], results[row.ticket_id])
            if row.applied_fields:
                applied.append(row)
        now = timezone.now()
        for row in applied:
            row.updated_at = now
        TicketTriage.objects.bulk_update(applied, ["applied_fields", "updated_at"])
    return len(todo)


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationError(_("Choose a value from the list."), field=field)
    return value


@transaction.atomic
def triage_correct(
    *,
    ticket: Ticket,
    actor: User,
    category: str,
    priority: str,
    sentiment: str | None = None,
    dialect: str | None = None,
) -> TicketTriage:
    """An agent's correction (or confirmation) of a ticket's triage; category and priority go to the ticket."""
    if not can_work_ticket(actor, ticket):
        raise PermissionDenied()
    _choice(category, Category, "category")
    _choice(priority, Priority, "priority")
    triage = TicketTriage.objects.select_for_update().filter(ticket_id=ticket.pk).first()
    if triage is None:
        # Tickets created before triage existed (or whose event was lost) are triaged on first correction.
        result = triage_with_knowledge(ticket_triage_text(ticket))
        triage = _triage_row(ticket.pk, result)
        triage.ticket = ticket
        triage.save(force_insert=True)
    triage.corrected_category = category
    triage.corrected_priority = priority
    triage.corrected_sentiment = _choice(sentiment, Sentiment, "sentiment") if sentiment else ""
    triage.corrected_dialect = _choice(dialect, Dialect, "dialect") if dialect else ""
    triage.corrected_by = actor
    triage.corrected_at = timezone.now()
    triage.save()
    changes = {
        field: value
        for field, value in (("category", category), ("priority", priority))
        if getattr(ticket, field) != value
    }
    if changes:
        ticket_update(ticket=ticket, actor=actor, changes=changes)
    return triage
