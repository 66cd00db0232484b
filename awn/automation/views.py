"""Automation pages under the workspace (supervisors and admins): rules in their order, enable/disable, move,
create/edit with a dry run against a ticket before saving, export and import as JSON. Thin: every write goes
through awn/automation/services.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from awn.accounts.models import Team, User
from awn.core.errors import DomainError
from awn.tickets.models import CannedResponse
from awn.tickets.policies import visible_tickets

from . import services
from .enums import Trigger
from .forms import ImportForm, RuleForm
from .policies import can_manage_rules
from .registry import ACTIONS, FIELDS, OPERATORS
from .selectors import rule_for_admin, rules_in_order, staff_for_rules

View = Callable[..., HttpResponse]
IMPORT_MAX_BYTES = 1_000_000


def rules_manager_required(view: View) -> View:
    """Anonymous users sign in; anyone but a supervisor or an admin gets a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_manage_rules(user):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


def _rule_or_404(pk: int) -> Any:
    try:
        return rule_for_admin(pk)
    except DomainError as exc:
        raise Http404() from exc


@rules_manager_required
def rule_index(request: HttpRequest) -> HttpResponse:
    rules = rules_in_order()
    groups = [(label, [r for r in rules if r.trigger == value]) for value, label in Trigger.choices]
    return render(
        request,
        "automation/rules.html",
        {"groups": [(label, rows) for label, rows in groups if rows], "import_form": ImportForm()},
    )


def _reference() -> dict[str, Any]:
    """What a value may be, shown beside the form: codes of the choices, numbers of teams, agents, responses."""
    return {
        "fields": [
            (name, f.label, f.kind, f.choices.choices if f.choices else ()) for name, f in FIELDS.items()
        ],
        "operators": [(name, o.label) for name, o in OPERATORS.items()],
        "actions": [
            (name, a.label, a.kind, a.choices.choices if a.choices else ()) for name, a in ACTIONS.items()
        ],
        "teams": Team.objects.order_by("name").values_list("pk", "name")[:200],
        "staff": staff_for_rules(),
        "canned": CannedResponse.objects.order_by("title").values_list("pk", "title")[:200],
    }


@rules_manager_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = _rule_or_404(pk) if pk is not None else None
    user = cast(User, request.user)
    form = RuleForm(request.POST or None, initial=RuleForm.initial_for(rule) if rule else {"enabled": True})
    dry_run = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "dry_run" in request.POST:
                number = data.get("ticket_number")
                ticket = visible_tickets(user).filter(pk=number).first() if number else None
                if ticket is None:
                    form.add_error("ticket_number", _("No ticket with this number that you may see."))
                else:
                    dry_run = services.rule_dry_run(trigger=data["trigger"], spec=form.spec(), ticket=ticket)
            else:
                if rule is None:
                    services.rule_create(
                        name=data["name"],
                        trigger=data["trigger"],
                        spec=form.spec(),
                        actor=user,
                        enabled=data["enabled"],
                    )
                else:
                    services.rule_update(
                        rule=rule,
                        name=data["name"],
                        trigger=data["trigger"],
                        spec=form.spec(),
                        enabled=data["enabled"],
                    )
                messages.success(request, _("Rule saved."))
                return redirect("automation:rules")
        except DomainError as exc:
            form.add_error("name" if exc.field == "name" else None, str(exc.message))
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "rule": rule, "dry_run": dry_run, **_reference()}
    return render(request, "automation/rule_form.html", context, status=status)


@rules_manager_required
@require_POST
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule_or_404(pk)
    try:
        services.rule_set_enabled(rule=rule, enabled=not rule.enabled)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("automation:rules")


@rules_manager_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    services.rule_move(rule=_rule_or_404(pk), up=request.POST.get("direction") != "down")
    return redirect("automation:rules")


@rules_manager_required
@require_POST
def rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    services.rule_delete(rule=_rule_or_404(pk))
    messages.success(request, _("Rule deleted."))
    return redirect("automation:rules")


@rules_manager_required
def rules_export_view(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(services.rules_export(), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = 'attachment; filename="awn-automation-rules.json"'
    return response


@rules_manager_required
@require_POST
def rules_import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a rules file (JSON) to import."))
        return redirect("automation:rules")
    upload = form.cleaned_data["file"]
    try:
        if upload.size > IMPORT_MAX_BYTES:
            raise ValueError
        data = json.loads(upload.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        messages.error(request, _("The file is not valid JSON (UTF-8, at most 1 MB)."))
        return redirect("automation:rules")
    try:
        saved = services.rules_import(data=data, actor=cast(User, request.user))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        count = len(saved)
        messages.success(
            request,
            ngettext("%(count)d rule imported.", "%(count)d rules imported.", count) % {"count": count},
        )
    return redirect("automation:rules")
