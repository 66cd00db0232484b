"""Macro and canned-response pages (every staff member: their own; supervisors and admins: team and everyone's), the
ticket page's macro panel, a macro on a selection of the queue, and the composer's «/» picker. Thin: writes go
through awn/automation/macros.py, and every ticket is looked up among those the agent may see (404 otherwise)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from awn.accounts.decorators import staff_required
from awn.accounts.models import User
from awn.core.errors import DomainError
from awn.tickets.models import Ticket
from awn.tickets.policies import visible_tickets

from . import macros
from .enums import Scope
from .forms import CannedForm, MacroForm
from .macros import canned_for, canned_scope_of, macros_for, may_change
from .models import CannedScope, Macro
from .registry import ACTIONS
from .selectors import staff_for_rules

MAX_ERRORS_SHOWN = 5
BULK_MAX = 200


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    ticket = visible_tickets(_user(request)).filter(pk=pk).first()
    if ticket is None:
        raise Http404()
    return ticket


def _macro_or_404(request: HttpRequest, pk: int) -> Macro:
    macro = macros_for(_user(request)).filter(pk=pk).first()
    if macro is None:
        raise Http404()
    return macro


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# ---- canned responses ----------------------------------------------------------------------------------------


@staff_required()
def canned_index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    responses = list(canned_for(user)[:300])
    scopes = {s.canned_id: s for s in CannedScope.objects.filter(canned_id__in=[c.pk for c in responses])}
    rows = []
    for canned in responses:
        scope = scopes.get(canned.pk) or CannedScope(canned=canned, scope=Scope.GLOBAL)
        rows.append((canned, scope, may_change(user, scope.scope, scope.owner_id, scope.team_id)))
    return render(request, "automation/canned.html", {"rows": rows})


@staff_required()
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    canned = canned_for(user).filter(pk=pk).first() if pk is not None else None
    if pk is not None:
        if canned is None:
            raise Http404()
        scope = canned_scope_of(canned)
        if not may_change(user, scope.scope, scope.owner_id, scope.team_id):
            raise Http404()
    initial: dict[str, Any] = {}
    if canned is not None:
        initial = {
            "title": canned.title,
            "body": canned.body,
            "category": canned.category,
            "scope": canned_scope_of(canned).scope,
        }
    form = CannedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            macros.canned_save(
                actor=user,
                canned=canned,
                title=data["title"],
                body=data["body"],
                category=data["category"],
                scope=data["scope"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Canned response saved."))
            return redirect("automation:canned")
    status = 400 if request.method == "POST" else 200
    return render(request, "automation/canned_form.html", {"form": form, "canned": canned}, status=status)


@staff_required()
@require_POST
def canned_remove(request: HttpRequest, pk: int) -> HttpResponse:
    canned = canned_for(_user(request)).filter(pk=pk).first()
    if canned is None:
        raise Http404()
    try:
        macros.canned_delete(actor=_user(request), canned=canned)
    except DomainError as exc:
        raise Http404() from exc
    messages.success(request, _("Canned response deleted."))
    return redirect("automation:canned")


@staff_required()
@require_GET
def canned_picker(request: HttpRequest, pk: int) -> JsonResponse:
    """The composer's «/» picker: matching responses with their placeholders filled for this ticket."""
    ticket = _ticket_or_404(request, pk)
    items = macros.canned_search(user=_user(request), ticket=ticket, q=request.GET.get("q", "")[:100])
    return JsonResponse({"results": [{"id": i.id, "title": i.title, "text": i.text} for i in items]})


# ---- macros --------------------------------------------------------------------------------------------------


@staff_required()
def macro_index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = [(m, may_change(user, m.scope, m.owner_id, m.team_id)) for m in macros_for(user)[:300]]
    labels = {name: a.label for name, a in ACTIONS.items()}
    return render(request, "automation/macros.html", {"rows": rows, "labels": labels})


@staff_required()
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    macro = _macro_or_404(request, pk) if pk is not None else None
    if macro is not None and not may_change(user, macro.scope, macro.owner_id, macro.team_id):
        raise Http404()
    form = MacroForm(request.POST or None, initial=MacroForm.initial_for(macro) if macro else {})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            macros.macro_save(
                actor=user, macro=macro, name=data["name"], actions=form.actions(), scope=data["scope"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Macro saved."))
            return redirect("automation:macros")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "macro": macro,
        "staff": staff_for_rules(),
        "canned": canned_for(user).values_list("pk", "title")[:200],
    }
    return render(request, "automation/macro_form.html", context, status=status)


@staff_required()
@require_POST
def macro_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        macros.macro_delete(actor=_user(request), macro=_macro_or_404(request, pk))
    except DomainError as exc:
        raise Http404() from exc
    messages.success(request, _("Macro deleted."))
    return redirect("automation:macros")


@staff_required()
@require_GET
def ticket_macros(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket page's macro panel (loaded by htmx)."""
    ticket = _ticket_or_404(request, pk)
    return render(
        request,
        "automation/partials/ticket_macros.html",
        {"ticket": ticket, "macros": macros_for(_user(request))[:50]},
    )


@staff_required()
@require_POST
def macro_apply(request: HttpRequest, pk: int, macro_id: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    macro = _macro_or_404(request, macro_id)
    try:
        macros.macro_apply(actor=_user(request), macro=macro, ticket=ticket)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Macro “%(name)s” applied.") % {"name": macro.name})
    return redirect(reverse("workspace:ticket", args=[ticket.pk]))


@staff_required()
@require_GET
def bulk_macros(request: HttpRequest) -> HttpResponse:
    """The queue's bulk bar addition (loaded by htmx): a macro for the selected tickets."""
    return render(
        request, "automation/partials/bulk_macros.html", {"macros": macros_for(_user(request))[:50]}
    )


@staff_required()
@require_POST
def macro_apply_bulk(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    back = _back(request, reverse("workspace:queue"))
    macro_id = request.POST.get("macro", "")
    macro = macros_for(user).filter(pk=int(macro_id)).first() if macro_id.isdigit() else None
    if macro is None:
        messages.error(request, _("Choose a macro for the selected tickets."))
        return redirect(back)
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:BULK_MAX]
    if not ids:
        messages.warning(request, _("Select at least one ticket first."))
        return redirect(back)
    tickets = list(visible_tickets(user).filter(pk__in=ids).order_by("pk"))
    done, errors = macros.macro_apply_bulk(actor=user, macro=macro, tickets=tickets)
    if done:
        messages.success(
            request,
            ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", done) % {"count": done},
        )
    for error in errors[:MAX_ERRORS_SHOWN]:
        messages.error(request, error)
    return redirect(back)
