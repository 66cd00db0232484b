"""Administration of teams (in-house, outsourced, hybrid) and the categories an outsourced team covers."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from awn.accounts import selectors as account_selectors
from awn.accounts import services as account_services
from awn.accounts.decorators import admin_required, current_user
from awn.accounts.models import Team
from awn.core.addresses import client_address
from awn.core.errors import DomainError

from ..admin_forms import TeamForm


@admin_required
def team_list(request: HttpRequest) -> HttpResponse:
    counts = account_selectors.team_member_counts()
    rows = [{"team": t, "members": counts.get(t.pk, 0)} for t in account_selectors.team_list()[:500]]
    return render(request, "workspace/admin/teams.html", {"rows": rows})


@admin_required
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team: Team | None = None
    if pk is not None:
        team = account_selectors.team_for_admin(pk)
        if team is None:
            raise Http404()
    initial = {"name": team.name, "kind": team.kind, "categories": team.categories} if team else {}
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.team_save(
                actor=current_user(request),
                team=team,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                categories=form.cleaned_data["categories"],
                address=client_address(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The team is saved."))
            return redirect("workspace:admin-teams")
    return render(request, "workspace/admin/team_form.html", {"form": form, "team": team})
