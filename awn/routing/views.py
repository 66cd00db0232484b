"""Routing pages under the workspace: presence (every agent sets theirs; supervisors see and change everyone's
state and capacity), the forecast and what-if staffing (supervisors). Thin: reads through
selectors, writes through services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awn.accounts.decorators import allowed_by
from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import DomainError
from awn.core.pagination import CappedPaginator

from .enums import AgentState
from .forms import CapacityForm, OverflowForm, PeakForm, SkillsForm, StateForm, WhatIfForm
from .policies import can_plan_staffing
from .selectors import (
    agent_board_users,
    agent_rows,
    overflow_rules,
    peak_list,
    pending_offers,
    recent_decisions,
    skills_text,
    staffing_plan,
    state_counts,
)
from .services import (
    capacity_set,
    offer_accept,
    overflow_rule_set,
    peak_create,
    peak_delete,
    skills_set,
    status_for,
    status_set,
)

View = Callable[..., HttpResponse]


supervisor_required = allowed_by(can_plan_staffing)


def _staffing_page(
    request: HttpRequest, peak_form: PeakForm | None = None, status: int = 200
) -> HttpResponse:
    form = WhatIfForm(request.GET if "day" in request.GET else None, initial=WhatIfForm.initial_values())
    if not form.is_bound:
        form = WhatIfForm(WhatIfForm.initial_values())
    plan = staffing_plan(form.params()) if form.is_valid() else None
    return render(
        request,
        "routing/staffing.html",
        {
            "form": form,
            "plan": plan,
            "peaks": peak_list(),
            "peak_form": peak_form or PeakForm(initial={"multiplier": 2}),
        },
        status=status,
    )


@supervisor_required
def staffing(request: HttpRequest) -> HttpResponse:
    return _staffing_page(request)


@supervisor_required
@require_POST
def peak_new(request: HttpRequest) -> HttpResponse:
    form = PeakForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            peak_create(
                actor=cast(User, request.user),
                name=data["name"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                multiplier=data["multiplier"],
                channel=data.get("channel") or "",
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The peak was added."))
            return redirect("routing:staffing")
    return _staffing_page(request, peak_form=form, status=400)


@supervisor_required
@require_POST
def peak_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        peak_delete(actor=cast(User, request.user), peak_id=pk)
    except DomainError as exc:
        raise Http404() from exc
    messages.success(request, _("The peak was deleted."))
    return redirect("routing:staffing")


# ---- presence ----------------------------------------------------------------------------------------------


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(user):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def my_status(request: HttpRequest) -> HttpResponse:
    """The agent's own state: online, away, offline."""
    user = cast(User, request.user)
    if request.method == "POST":
        form = StateForm(request.POST)
        if form.is_valid():
            status_set(actor=user, user_id=user.pk, state=form.cleaned_data["state"])
            messages.success(request, _("Your status was changed."))
            return redirect("routing:me")
        status = 400
    else:
        status = 200
    row = status_for(user)
    return render(
        request,
        "routing/me.html",
        {"status": row, "form": StateForm(initial={"state": row.state}), "offers": pending_offers(user)},
        status=status,
    )


@supervisor_required
def agents(request: HttpRequest) -> HttpResponse:
    """Everyone's state and load, 50 a page; the table refreshes itself (htmx) every 15 seconds."""
    paginator = CappedPaginator(agent_board_users(), 50)
    page = paginator.get_page(request.GET.get("page"))
    rows = agent_rows(list(page.object_list))
    skills = skills_text([row.user.pk for row in rows])
    context = {
        "page": page,
        "rows": [(row, skills[row.user.pk]) for row in rows],
        "counts": state_counts(),
        "states": AgentState.choices,
    }
    template = (
        "routing/partials/agents_table.html" if request.headers.get("HX-Request") else "routing/agents.html"
    )
    return render(request, template, context)


@supervisor_required
@require_POST
def agent_change(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor sets an agent's state or capacity (one form each)."""
    actor = cast(User, request.user)
    try:
        if "skills" in request.POST:
            form: StateForm | CapacityForm | SkillsForm = SkillsForm(request.POST)
            if form.is_valid():
                skills_set(actor=actor, user_id=pk, text=form.cleaned_data["skills"])
        elif "state" in request.POST:
            form = StateForm(request.POST)
            if form.is_valid():
                status_set(actor=actor, user_id=pk, state=form.cleaned_data["state"])
        else:
            form = CapacityForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                capacity_set(
                    actor=actor, user_id=pk, chats=data["chats"], calls=data["calls"], tickets=data["tickets"]
                )
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404() from exc
        messages.error(request, str(exc.message))
        return redirect("routing:agents")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("routing:agents")
    messages.success(request, _("Saved."))
    return redirect("routing:agents")


@supervisor_required
def decisions(request: HttpRequest) -> HttpResponse:
    """The latest routing decisions with their reasons (why this agent, or why nobody)."""
    return render(request, "routing/decisions.html", {"decisions": recent_decisions()})


# ---- offers and hybrid overflow ------------------------------------------------------------------------------


@staff_required
@require_POST
def offer_take(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent accepts the contact (ticket `pk`) routing offered them; not theirs: 404."""
    try:
        offer_accept(actor=cast(User, request.user), ticket_id=pk)
    except DomainError as exc:
        raise Http404() from exc
    messages.success(request, _("The contact is yours."))
    return redirect("workspace:ticket", pk)


@supervisor_required
def overflow(request: HttpRequest) -> HttpResponse:
    """Per category, the thresholds above which waiting contacts overflow from the in-house team to a vendor."""
    status = 200
    form = OverflowForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                overflow_rule_set(
                    actor=cast(User, request.user),
                    category=data["category"],
                    wait_seconds=data.get("wait_seconds"),
                    queue_length=data.get("queue_length"),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect("routing:overflow")
        status = 400
    return render(request, "routing/overflow.html", {"form": form, "rules": overflow_rules()}, status=status)
