"""Surge mode pages under the workspace (supervisors and admins; anyone else gets a 404). Thin: reads through
selectors, writes through services."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from awn.accounts.decorators import allowed_by
from awn.accounts.models import User
from awn.core.errors import DomainError

from . import selectors, services
from .enums import RecipientState
from .forms import BroadcastForm, IncidentForm, LinkForm
from .models import Broadcast
from .policies import can_manage_incident, can_manage_incidents

supervisor_required = allowed_by(can_manage_incidents)
"""Supervisors and admins; anonymous users sign in, anyone else (and any foreign object) gets a 404."""


@supervisor_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    # "Declare for this category" from a spike below prefills the form.
    initial = {"auto_reply": True, "category": request.GET.get("category", "")}
    form = IncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_declare(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The incident was declared."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": selectors.incidents_for(user)[:50],
            "form": form,
            "spikes": selectors.category_spikes(),
        },
        status=400 if form.is_bound else 200,
    )


def _detail_page(
    request: HttpRequest,
    pk: int,
    link_form: LinkForm | None = None,
    broadcast_form: BroadcastForm | None = None,
    status: int = 200,
    matching: int | None = None,
) -> HttpResponse:
    user = cast(User, request.user)
    incident = services.incident_for(user, pk)
    affected = selectors.affected_tickets(incident)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "affected_count": affected.count(),
            "affected": affected.order_by("-created_at")[:100],
            "broadcasts": [(b, selectors.broadcast_progress(b)) for b in incident.broadcasts.all()[:20]],
            "link_form": link_form or LinkForm(initial={"event_hours": 1}),
            "broadcast_form": broadcast_form or BroadcastForm(),
            "matching": matching,
            "reply_ar": services.incident_reply_text(
                incident.title_ar, incident.message_ar, incident.guide_url, "ar"
            ),
        },
        status=status,
    )


@supervisor_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@supervisor_required
@require_POST
def incident_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    incident = services.incident_for(user, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, pk, link_form=form, status=400)
    criteria = selectors.Criteria(**form.cleaned_data)
    if "preview" in request.POST and not criteria.empty:
        count = selectors.matching_tickets(user, incident, criteria).count()
        return _detail_page(request, pk, link_form=form, matching=count)
    try:
        linked = services.incident_link_matching(actor=user, incident=incident, criteria=criteria)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _detail_page(request, pk, link_form=form, status=400)
    messages.success(
        request,
        ngettext("%(n)d ticket was linked.", "%(n)d tickets were linked.", linked) % {"n": linked},
    )
    return redirect("incidents:detail", pk=pk)


@supervisor_required
@require_POST
def incident_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    services.incident_end(actor=user, incident=services.incident_for(user, pk))
    messages.success(request, _("The incident was ended: the banner and the automatic reply are off."))
    return redirect("incidents:detail", pk=pk)


@supervisor_required
@require_POST
def broadcast_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    incident = services.incident_for(user, pk)
    form = BroadcastForm(request.POST)
    if form.is_valid():
        try:
            created = services.broadcast_create(actor=user, incident=incident, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The broadcast was queued."))
            return redirect("incidents:broadcast-detail", pk=created.pk)
    return _detail_page(request, pk, broadcast_form=form, status=400)


@supervisor_required
def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    broadcast = Broadcast.objects.select_related("incident__problem").filter(pk=pk).first()
    if broadcast is None or not can_manage_incident(user, broadcast.incident):
        raise Http404()
    state = request.GET.get("state", "")
    return render(
        request,
        "incidents/broadcast.html",
        {
            "broadcast": broadcast,
            "progress": selectors.broadcast_progress(broadcast),
            "recipients": selectors.broadcast_recipients(broadcast, state=state),
            "states": RecipientState.choices,
            "state": state,
        },
    )
