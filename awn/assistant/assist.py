"""Agent assist on the ticket page: the articles that answer this ticket, a draft reply built from the best one in
the customer's language, and similar past tickets — all from what the agent may see.

Read-only: nothing here writes. The draft is the article's own steps (answering.grounded_answer) between a
greeting and a closing in the customer's language; the agent edits it before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from awn.accounts.models import User
from awn.search.enums import Kind as SearchKind
from awn.search.selectors import search_ids
from awn.tickets.enums import Direction, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.policies import visible_tickets

if TYPE_CHECKING:
    from .retrieval import Hit

SIMILAR_LIMIT = 5
QUESTION_CHARS = 1500


@dataclass(frozen=True)
class TicketAssist:
    suggestions: tuple[Hit, ...]
    confidence: float
    draft: str
    language: str
    similar: tuple[Ticket, ...]

    @property
    def confident(self) -> bool:
        from .answering import ARTICLE_SURE

        return self.confidence >= ARTICLE_SURE


def ticket_question(ticket: Ticket) -> str:
    """What the customer is asking: the subject, the first customer message and the latest one."""
    customer = Message.objects.filter(ticket=ticket, direction=Direction.INBOUND).order_by("created_at", "pk")
    first = customer.values_list("body", flat=True).first() or ticket.body_preview
    latest = customer.order_by("-created_at", "-pk").values_list("body", flat=True).first() or ""
    parts = [ticket.subject, first]
    if latest and latest != first:
        parts.append(latest)
    return "\n".join(parts)[:QUESTION_CHARS]


def draft_reply(ticket: Ticket, hit: Hit, language: str) -> str:
    name = ticket.requester.name.split()[0] if ticket.requester.name.strip() else ""
    with translation.override(language):
        greeting = _("Hello %(name)s,") % {"name": name} if name else _("Hello,")
        intro = _("Thank you for contacting us. Here is how to solve this:")
        closing = _("If this does not solve it, reply to this message and we will help you further.")
    from .answering import grounded_answer

    return "\n\n".join([greeting, intro, grounded_answer(hit.article, language), closing])


def similar_tickets(user: User, ticket: Ticket, *, limit: int = SIMILAR_LIMIT) -> tuple[Ticket, ...]:
    """Other tickets the agent may see whose text matches this ticket's subject, resolved ones first."""
    ids = [pk for pk in search_ids(SearchKind.TICKET, ticket.subject, limit=50) if pk != ticket.pk]
    if not ids:
        return ()
    rows = visible_tickets(user, Ticket.objects.filter(pk__in=ids)).only(
        "pk", "subject", "status", "category", "created_at"
    )
    rank = {pk: i for i, pk in enumerate(ids)}
    solved = (Status.RESOLVED, Status.CLOSED)
    ordered = sorted(rows, key=lambda t: (t.status not in solved, rank[t.pk]))
    return tuple(ordered[:limit])


def ticket_assist(user: User, ticket: Ticket) -> TicketAssist:
    # The retrieval (NumPy, scikit-learn) loads on the first assist card, not with the URLs (issue 14).
    from .answering import article_confidence, current_index
    from .question import detect_language

    question = ticket_question(ticket)
    index = current_index()
    hits = index.search(question, limit=3, include_internal=True)
    language = ticket.requester.language if ticket.requester.language in ("ar", "en") else "ar"
    if detect_language(question) == "en":
        language = "en"
    draft = draft_reply(ticket, hits[0], language) if hits else ""
    return TicketAssist(
        tuple(hits), article_confidence(hits, index), draft, language, similar_tickets(user, ticket)
    )
