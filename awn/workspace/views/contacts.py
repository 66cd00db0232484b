"""Contact search, the contact profile (customer 360) and merging duplicates."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awn.accounts.policies import is_supervisor
from awn.core.errors import DomainError
from awn.crm.models import Contact
from awn.crm.selectors import contact_search
from awn.crm.services import contact_merge
from awn.privacy.enums import REASON_MAX, AccessAction, ObjectKind
from awn.privacy.services import Access, record_request_accesses
from awn.tickets.selectors import agent_visible_contacts, contact_tickets

from ..forms import ContactMergeForm
from ._common import current_user, report_error, staff_required
from .customer360 import audit_contact_view, person_panel

TIMELINE_LIMIT = 50


def _contact_or_404(request: HttpRequest, pk: int) -> Contact:
    contact = agent_visible_contacts(current_user(request)).filter(pk=pk).first()
    if contact is None:
        raise Http404()
    return contact


@staff_required()
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    query = (request.GET.get("q") or "").strip()[:200]
    results = contact_search(query, queryset=agent_visible_contacts(user)).order_by("name", "pk")
    page = Paginator(results, settings.AWN_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workspace/contacts.html", {"query": query, "page": page, "contacts": page})


@staff_required()
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    contact = _contact_or_404(request, pk)
    panel = person_panel(user, contact, role=_("Contact"), timeline_limit=TIMELINE_LIMIT)
    audit_contact_view(request, panel)
    context = {
        "contact": contact,
        "panel": panel,
        "tickets": contact_tickets(user, contact),
        "can_merge": is_supervisor(user) and contact.merged_into_id is None,
        "can_manage_data": is_supervisor(user),
        "merged_into": contact.merged_into,
    }
    return render(request, "workspace/contact.html", context)


@staff_required()
@require_POST
def contact_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Fold a duplicate (the other id) into this contact; supervisors and admins only."""
    user = current_user(request)
    if not is_supervisor(user):
        raise PermissionDenied
    target = _contact_or_404(request, pk)
    form = ContactMergeForm(request.POST)
    source = None
    if form.is_valid():
        source = (
            agent_visible_contacts(user)
            .filter(pk=form.cleaned_data["other"], merged_into__isnull=True)
            .first()
        )
    if source is None:
        messages.error(request, _("No contact with this id was found."))
        return redirect("workspace:contact", pk=pk)
    try:
        contact_merge(source=source, target=target)
    except DomainError as exc:
        report_error(request, exc)
    else:
        messages.success(
            request,
            _("%(source)s was merged into this contact.") % {"source": source.name},
        )
    return redirect("workspace:contact", pk=pk)


@staff_required()
@require_http_methods(["GET", "POST"])
def contact_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The full national id, phone and email of a contact, for a reason the agent gives (issue 15, item 4).

    GET asks for the reason; POST records the unmasking in the access audit and shows the values in this
    response only (not cached, not kept in the session): the contact page stays masked afterwards.
    """
    contact = _contact_or_404(request, pk)
    reason = ""
    error = ""
    shown = False
    status = 200
    if request.method == "POST":
        reason = (request.POST.get("reason") or "")[:2000]
        try:
            record_request_accesses(
                request, Access(AccessAction.UNMASK, ObjectKind.CONTACT, contact.pk, contact.pk, reason)
            )
        except DomainError as exc:
            error = str(exc.message)
            status = 400
        else:
            shown = True
    response = render(
        request,
        "workspace/contact_unmask.html",
        {"contact": contact, "reason": reason, "error": error, "shown": shown, "reason_max": REASON_MAX},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response
