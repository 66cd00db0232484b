"""Routing pages under the workspace: the forecast and what-if staffing (supervisors). Thin: reads through
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

from awn.accounts.models import User
from awn.core.errors import DomainError

from .forms import PeakForm, WhatIfForm
from .policies import can_plan_staffing
from .selectors import peak_list, staffing_plan
from .services import peak_create, peak_delete

View = Callable[..., HttpResponse]


def supervisor_required(view: View) -> View:
    """Anonymous users sign in; anyone but a supervisor or an admin gets a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_plan_staffing(user):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


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
