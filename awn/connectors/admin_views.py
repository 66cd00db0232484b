"""Admin pages under the workspace: list, create and edit inboxes. Secrets are never rendered back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from awn.accounts.enums import Role
from awn.core.errors import ValidationError

from .forms import inbox_form_class
from .kinds import InboxKind
from .models import Inbox
from .registry import connector_for
from .selectors import inbox_health, inbox_list, secrets_set
from .services import inbox_save


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(user, "role", None) != Role.ADMIN or not user.is_active:
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


@admin_required
def inbox_index(request: HttpRequest) -> HttpResponse:
    health = inbox_health()
    rows = [
        {
            "inbox": i,
            "hook": request.build_absolute_uri(reverse("connectors:webhook", args=[i.uuid])),
            "health": health.get(i.pk, {}),
        }
        for i in inbox_list()
    ]
    kinds = [(k.code, k.label) for k in InboxKind if connector_for(k.code).added_by_admins]
    return render(request, "connectors/inbox_list.html", {"rows": rows, "kinds": kinds})


def _form_page(request: HttpRequest, inbox: Inbox | None, kind: str) -> HttpResponse:
    connector = connector_for(kind)
    form_class = inbox_form_class(connector, secrets_set(inbox) if inbox else set())
    initial: dict[str, Any] = {}
    if inbox is not None:
        initial = {
            "name": inbox.name,
            "is_active": inbox.is_active,
            "api_base_url": inbox.api_base_url,
            **inbox.settings,
        }
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = inbox_save(
                inbox=inbox,
                name=data["name"],
                kind=kind,
                is_active=data["is_active"],
                api_base_url=data["api_base_url"],
                settings={s.name: data.get(s.name, "") for s in connector.setting_fields},
                secrets={s.name: data.get(f"secret_{s.name}", "") for s in connector.secret_fields},
            )
        except ValidationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The inbox was saved."))
            return redirect("inboxes:edit", pk=saved.pk)
    hook = request.build_absolute_uri(reverse("connectors:webhook", args=[inbox.uuid])) if inbox else ""
    return render(
        request,
        "connectors/inbox_form.html",
        {"form": form, "inbox": inbox, "kind": kind, "kind_label": InboxKind(kind).label, "hook": hook},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
def inbox_new(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in InboxKind.values or not connector_for(kind).added_by_admins:
        raise Http404()
    return _form_page(request, None, kind)


@admin_required
def inbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inbox = get_object_or_404(Inbox, pk=pk)
    return _form_page(request, inbox, inbox.kind)
