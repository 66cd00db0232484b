"""The triage card's correction: one service call (the card itself is part of the ticket page's context)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awn.assistant.triage.services import triage_correct, triage_ticket
from awn.core.errors import Conflict, DomainError

from ._common import current_user, report_error, staff_required, ticket_or_404


@staff_required()
@require_POST
def correct_triage(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    try:
        triage_correct(
            ticket=ticket,
            actor=current_user(request),
            category=request.POST.get("category", ""),
            priority=request.POST.get("priority", ""),
            sentiment=request.POST.get("sentiment") or None,
            dialect=request.POST.get("dialect") or None,
        )
    except Conflict:
        messages.error(request, _("Someone else changed this ticket in the meantime; reload the page."))
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(request, _("Triage saved. Thank you: corrections teach the next triage."))
    return redirect("workspace:ticket", pk=pk)


@staff_required()
@require_POST
def run_triage(request: HttpRequest, pk: int) -> HttpResponse:
    """Triage a ticket that has none (opened before triage existed, or its event was lost)."""
    ticket = ticket_or_404(request, pk)
    triage_ticket(ticket.pk)
    messages.success(request, _("The ticket was triaged."))
    return redirect("workspace:ticket", pk=pk)
