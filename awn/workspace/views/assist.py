"""Agent assist (suggested articles, a draft reply, similar tickets) and "turn this answer into an article"."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from awn.assistant.assist import ticket_assist
from awn.core.errors import DomainError
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.knowledge.services import article_create
from awn.tickets.enums import Category, Direction, MessageKind

from ._common import current_user, staff_required, ticket_or_404, ticket_version_key

# The card holds no form (no CSRF token): its HTML is kept per ticket version, agent and language; a newly
# published article shows on an unchanged ticket within this delay.
ASSIST_CARD_SECONDS = 300


@staff_required()
@require_GET
def assist_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The assist card, loaded by htmx after the ticket page (retrieval runs off the page's own render), kept
    per ticket version: reloading the page or coming back to the ticket does not run retrieval again."""
    ticket = ticket_or_404(request, pk)
    key = ticket_version_key("assist", request, ticket)
    html = cache.get(key)
    if html is None:
        assist = ticket_assist(current_user(request), ticket)
        context = {"ticket": ticket, "assist": assist}
        html = render_to_string("workspace/partials/assist_card.html", context, request=request)
        cache.set(key, html, ASSIST_CARD_SECONDS)
    return HttpResponse(html)


@staff_required()
@require_POST
def message_to_article(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """A draft internal article from an agent's public reply; editing and publishing follow in the KB editor."""
    ticket = ticket_or_404(request, pk)
    message = ticket.messages.filter(
        pk=message_id, kind=MessageKind.REPLY, direction=Direction.OUTBOUND
    ).first()
    if message is None:
        raise Http404()
    external_id = f"kb-t{ticket.pk}-m{message.pk}"
    article = Article.objects.filter(external_id=external_id).first()
    if article is None:
        try:
            article = article_create(
                external_id=external_id,
                category=ticket.category if ticket.category in Category.values else Category.OTHER,
                title_ar=ticket.subject,
                body_ar=message.body,
                tags=[tag.name for tag in ticket.tags.all()],
                visibility=Visibility.INTERNAL,
                status=ArticleStatus.DRAFT,
                author=current_user(request),
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("workspace:ticket", pk=ticket.pk)
        messages.success(
            request, _("A draft article was made from this answer. Edit it, then send it for review.")
        )
    return redirect("workspace:kb-edit", pk=article.pk)
