"""The ticket page and everything an agent does on it. Each write is one service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from awn.accounts.models import Team
from awn.assistant.triage.selectors import triage_card
from awn.connectors.selectors import channel_state_for_ticket, deliveries_for_messages
from awn.core.errors import Conflict, DomainError, NotFound
from awn.core.ids import is_id, parse_id
from awn.notifications.selectors import notifications_failed_for_ticket
from awn.privacy.enums import ObjectKind
from awn.tickets.canned import canned_responses_for, render_canned
from awn.tickets.enums import Category, MessageKind, Priority, Status
from awn.tickets.models import CannedResponse, Message, Ticket
from awn.tickets.selectors import (
    assignable_agents,
    is_watching,
    other_open_tickets,
    ticket_audit,
    ticket_by_number,
    ticket_header_for_agent,
    ticket_messages_for_agent,
    visible_ticket_ids,
)
from awn.tickets.services import (
    ticket_add_message,
    ticket_link_incident,
    ticket_merge,
    ticket_set_tags,
    ticket_unlink_incident,
    ticket_unwatch,
    ticket_update,
    ticket_watch,
)
from awn.tickets.transitions import ALLOWED_TRANSITIONS

from ..composer_preview import reply_preview
from ..forms import STATUS_AFTER_CHOICES, ComposerForm, TagsForm, TicketNumberForm, property_changes
from ..ticket_page import (
    conversation_for_page,
    incidents_for_page,
    page_minor_ids,
    ticket_for_page,
)
from ._common import (
    current_user,
    incoming_files,
    report_error,
    staff_required,
    ticket_or_404,
    ticket_version_key,
)
from .customer360 import audit_minor_ids, person_panel


def _conflict(request: HttpRequest) -> None:
    messages.error(
        request,
        _("Someone else changed this ticket in the meantime; reload the page. Nothing was overwritten."),
    )


def _apply(request: HttpRequest, action: Callable[[], object], success: str) -> None:
    """Run one service call and tell the agent how it went; a refused change saves nothing."""
    try:
        action()
    except Conflict:
        _conflict(request)
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(request, success)


def _status_options(ticket: Ticket) -> list[tuple[str, str]]:
    allowed = {ticket.status, *ALLOWED_TRANSITIONS[ticket.status]}
    return [(value, str(label)) for value, label in Status.choices if value in allowed]


def _ticket_context(request: HttpRequest, pk: int, composer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page within its query budget (ticket_page.py); the customer 360, the history and the assistant
    come after it as fragments."""
    user = current_user(request)
    ticket = ticket_for_page(user, pk)
    if ticket is None:
        raise Http404()
    audit_minor_ids(request, page_minor_ids(ticket), kind=ObjectKind.TICKET, object_id=ticket.pk)
    composer = composer or {}
    teams = list(Team.objects.order_by("name"))
    channel_state = channel_state_for_ticket(ticket.pk) if ticket.has_channel_conversation else None  # type: ignore[attr-defined]
    return {
        "ticket": ticket,
        "conversation": conversation_for_page(ticket),
        "channel_state": channel_state,
        "preview": reply_preview(ticket, channel_state),
        "tag_names": ticket.tag_names,  # type: ignore[attr-defined]
        "tags_text": ", ".join(ticket.tag_names),  # type: ignore[attr-defined]
        "incidents": incidents_for_page(user, ticket),
        "problem_visible": ticket.problem_visible,  # type: ignore[attr-defined]
        "merged_into_visible": ticket.merged_into_visible,  # type: ignore[attr-defined]
        "canned": canned_responses_for(ticket, language=getattr(request, "LANGUAGE_CODE", None)),
        "status_options": _status_options(ticket),
        "status_after_choices": STATUS_AFTER_CHOICES,
        "priority_choices": Priority.choices,
        "category_choices": Category.choices,
        "teams": teams,
        "agents": assignable_agents(ticket, teams=teams),
        "composer_body": composer.get("body", ""),
        "composer_kind": composer.get("kind", MessageKind.REPLY),
        "composer_status_after": composer.get("status_after", ""),
        "is_closed": ticket.status == Status.CLOSED,
        "triage_card": triage_card(ticket),
        "failed_notifications": notifications_failed_for_ticket(ticket.pk)
        if ticket.has_failed_notifications  # type: ignore[attr-defined]
        else [],
        "watching": ticket.watching,  # type: ignore[attr-defined]
    }


def _with_deliveries(conversation: list[Message]) -> list[Message]:
    """Each outgoing message with its channel delivery row (sent, delivered, read, failed), one query."""
    deliveries = deliveries_for_messages([m.pk for m in conversation if m.direction == "outbound"])
    for m in conversation:
        m.delivery_row = deliveries.get(m.pk)  # type: ignore[attr-defined]
    return conversation


@staff_required()
@require_GET
def ticket_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "workspace/ticket.html", _ticket_context(request, pk))


@staff_required()
@require_POST
def add_message(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    form = ComposerForm(request.POST)
    posted = {
        "body": request.POST.get("body", ""),
        "kind": request.POST.get("kind", MessageKind.REPLY),
        "status_after": request.POST.get("status_after", ""),
    }
    if not form.is_valid():
        messages.error(request, _("Choose a reply or an internal note, and a valid status."))
        return render(request, "workspace/ticket.html", _ticket_context(request, pk, posted), status=400)
    kind = form.cleaned_data["kind"]
    try:
        ticket_add_message(
            ticket=ticket,
            actor=current_user(request),
            body=form.cleaned_data["body"],
            kind=kind,
            status_after=form.cleaned_data["status_after"] or None,
            attachments=incoming_files(request.FILES.getlist("attachments")),
        )
    except DomainError as exc:
        report_error(request, exc)
        return render(request, "workspace/ticket.html", _ticket_context(request, pk, posted), status=400)
    messages.success(request, _("Internal note added.") if kind == MessageKind.NOTE else _("Reply sent."))
    return redirect("workspace:ticket", pk=pk)


@staff_required()
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    changes, seen = property_changes(request.POST)
    if not changes:
        messages.info(request, _("Nothing to change."))
        return redirect("workspace:ticket", pk=pk)
    for key in ("team_id", "assignee_id"):
        value = changes.get(key)
        if value is not None and not is_id(value):
            messages.error(request, _("Choose a value from the list."))
            return redirect("workspace:ticket", pk=pk)
    _apply(
        request,
        lambda: ticket_update(ticket=ticket, actor=current_user(request), changes=changes, seen=seen),
        _("Ticket updated."),
    )
    return redirect("workspace:ticket", pk=pk)


@staff_required()
@require_POST
def assign_to_me(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    user = current_user(request)
    seen = {"assignee_id": request.POST["seen_assignee"]} if "seen_assignee" in request.POST else None
    _apply(
        request,
        lambda: ticket_update(ticket=ticket, actor=user, changes={"assignee_id": user.pk}, seen=seen),
        _("The ticket is assigned to you."),
    )
    return redirect("workspace:ticket", pk=pk)


@staff_required()
@require_POST
def set_tags(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    form = TagsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The tags are too long."))
        return redirect("workspace:ticket", pk=pk)
    _apply(
        request,
        lambda: ticket_set_tags(ticket=ticket, actor=current_user(request), tags=form.tag_list()),
        _("Tags saved."),
    )
    return redirect("workspace:ticket", pk=pk)


def _other_ticket(request: HttpRequest) -> Ticket | None:
    form = TicketNumberForm(request.POST)
    if form.is_valid():
        try:
            return ticket_by_number(current_user(request), form.cleaned_data["number"])
        except NotFound:
            pass
    messages.error(request, _("No ticket with this number was found."))
    return None


@staff_required()
@require_POST
def link_problem(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    problem = _other_ticket(request)
    if problem is not None:
        _apply(
            request,
            lambda: ticket_link_incident(problem=problem, incident=ticket, actor=current_user(request)),
            _("Linked as an incident of %(ref)s.") % {"ref": problem.reference},
        )
    return redirect("workspace:ticket", pk=pk)


@staff_required()
@require_POST
def unlink_problem(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    _apply(
        request,
        lambda: ticket_unlink_incident(incident=ticket, actor=current_user(request)),
        _("The link to the problem was removed."),
    )
    return redirect("workspace:ticket", pk=pk)


@staff_required()
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    target = _other_ticket(request)
    if target is None:
        return redirect("workspace:ticket", pk=pk)
    try:
        ticket_merge(source=ticket, target=target, actor=current_user(request))
    except DomainError as exc:
        report_error(request, exc)
        return redirect("workspace:ticket", pk=pk)
    messages.success(
        request,
        _("%(source)s was merged into %(target)s.")
        % {"source": ticket.reference, "target": target.reference},
    )
    return redirect("workspace:ticket", pk=target.pk)


@staff_required()
@require_GET
def canned(request: HttpRequest, pk: int, canned_id: int) -> HttpResponse:
    """The canned response's text with its placeholders filled, as plain text for the composer."""
    ticket = ticket_or_404(request, pk)
    response = get_object_or_404(CannedResponse, pk=canned_id)
    text = render_canned(response.body, ticket=ticket, agent=current_user(request))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# ---- fragments the ticket page fetches after it has shown (their cost never adds to the page's) ----------

# The customer 360 of a ticket is kept this long per ticket version: a new message, a status change or any
# other edit of the ticket shows at once; what changes elsewhere (an education-system event, another ticket of
# the requester) shows within this delay.
CUSTOMER_PANEL_SECONDS = 60


def _customer_data(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    user = current_user(request)
    people = [person_panel(user, ticket.requester, role=_("Requester"))]
    if ticket.about_contact_id and ticket.about_contact_id != ticket.requester_id:
        assert ticket.about_contact is not None
        people.append(person_panel(user, ticket.about_contact, role=_("About")))
    return {
        "people": people,
        "other_tickets": other_open_tickets(user, ticket.requester, exclude_pk=ticket.pk),
    }


@staff_required()
@require_GET
def customer_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer 360 (profile, relations, education-system events, timeline, other open tickets): each of
    the people a panel, cached per ticket version. Showing a minor's panel is audited on every request.

    What is kept is the HTML when it holds no form (an agent's view), else the panels' data (a supervisor's
    guardian-link forms carry this request's CSRF token, which must not be served to another session)."""
    ticket = ticket_or_404(request, pk)
    key = ticket_version_key("360", request, ticket)
    kept = cache.get(key)
    if kept is None:
        data = _customer_data(request, ticket)
        html = render_to_string("workspace/partials/customer_360.html", {"ticket": ticket, **data}, request)
        minors = [panel.contact.pk for panel in data["people"] if panel.is_minor]
        kept = {"minors": minors, "html": html}
        if "csrfmiddlewaretoken" in html:
            kept = {"minors": minors, "data": data}
        cache.set(key, kept, CUSTOMER_PANEL_SECONDS)
    else:
        html = kept.get("html") or render_to_string(
            "workspace/partials/customer_360.html", {"ticket": ticket, **kept["data"]}, request
        )
    audit_minor_ids(request, kept["minors"], kind=ObjectKind.TICKET, object_id=ticket.pk)
    return HttpResponse(html)


@staff_required()
@require_GET
def history_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what on the ticket, newest first."""
    ticket = ticket_or_404(request, pk)
    return render(request, "workspace/partials/ticket_history.html", {"audit": ticket_audit(ticket)})


# ---- fragments the live page fetches (workspace/live.js): each checks the permission again -------------------


@staff_required()
@require_GET
def message_fragment(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """One message of the conversation, as the ticket page shows it (a push named it, or its delivery moved)."""
    ticket = ticket_or_404(request, pk)
    found = _with_deliveries(ticket_messages_for_agent(ticket, message_id=message_id))
    if not found:
        raise Http404()
    return render(request, "workspace/partials/messages.html", {"ticket": ticket, "conversation": found})


@staff_required()
@require_GET
def messages_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The messages newer than `after` (a page catching up after a lost socket), or all of them (`after=0`)."""
    ticket = ticket_or_404(request, pk)
    after = request.GET.get("after", "0")
    conversation = ticket_messages_for_agent(ticket, after=parse_id(after) or 0)
    return render(
        request,
        "workspace/partials/messages.html",
        {"ticket": ticket, "conversation": _with_deliveries(conversation)},
    )


@staff_required()
@require_GET
def header_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        ticket = ticket_header_for_agent(user, pk)
    except NotFound as exc:
        raise Http404() from exc
    merged_into = ticket.merged_into_id
    context = {
        "ticket": ticket,
        "tag_names": sorted(tag.name for tag in ticket.tags.all()),
        "merged_into_visible": merged_into is not None
        and merged_into in visible_ticket_ids(user, {merged_into}),
        "watching": is_watching(user, ticket.pk),
    }
    return render(request, "workspace/partials/ticket_header.html", context)


@staff_required()
@require_POST
def watch(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_or_404(request, pk)
    user = current_user(request)
    if request.POST.get("watch") == "0":
        ticket_unwatch(ticket=ticket, user=user)
        messages.success(request, _("You no longer watch this ticket."))
    else:
        ticket_watch(ticket=ticket, user=user)
        messages.success(request, _("You will be told of each new message on this ticket."))
    return redirect("workspace:ticket", pk=pk)
