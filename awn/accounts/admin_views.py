"""Administration pages under the workspace: users, invitations and the audit of changes. Transport only:
reads through selectors, writes through services, every page behind `admin_required`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awn.core.addresses import client_address
from awn.core.errors import DomainError

from . import selectors, services
from .decorators import admin_required, current_user
from .enums import Role
from .forms import InviteForm, OrganizationSettingsForm, TokenForm, UserEditForm
from .models import RETENTION_KINDS, User


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    paginator: Paginator[Any] = Paginator(rows, settings.AWN_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _user_or_404(pk: int) -> User:
    user = selectors.user_for_admin(pk)
    if user is None:
        raise Http404()
    return user


@admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    return redirect("accounts_admin:users")


@admin_required
def users_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    role = request.GET.get("role", "")
    if role not in Role.values:
        role = ""
    page = _page(request, selectors.user_list(q=q, role=role))
    return render(
        request,
        "accounts/admin/users.html",
        {
            "page": page,
            "q": q,
            "role": role,
            "roles": [(r.value, r.label) for r in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)],
            "invitations": selectors.invitations_pending()[:50],
        },
    )


@admin_required
def invite_page(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.invitation_create(
                actor=current_user(request),
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                team=form.cleaned_data["team"],
                address=client_address(request),
                link_base=request.build_absolute_uri("/"),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            link = request.build_absolute_uri(f"/accounts/invitation/{token}/")
            # The link is shown here once (and mailed); only its hash is kept.
            response = render(
                request, "accounts/admin/invite_sent.html", {"invitation": invitation, "link": link}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/admin/invite.html", {"form": form})


@admin_required
def user_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    if not user.is_staff_member:
        raise Http404()
    form = UserEditForm(request.POST or None, initial={"role": user.role, "team": user.team})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change(
                actor=current_user(request),
                user=user,
                role=form.cleaned_data["role"],
                team=form.cleaned_data["team"],
                address=client_address(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("accounts_admin:user", pk=user.pk)
    history = selectors.audit_list(target_type="user", target_id=user.pk)[:20]
    context = {
        "subject": user,
        "form": form,
        "history": history,
        "two_factor": selectors.has_two_factor(user),
    }
    return render(request, "accounts/admin/user.html", context)


@require_POST
@admin_required
def user_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    try:
        services.user_deactivate(actor=current_user(request), user=user, address=client_address(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The account is deactivated: its sessions and API tokens have ended."))
    return redirect("accounts_admin:user", pk=user.pk)


@require_POST
@admin_required
def user_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    services.user_reactivate(actor=current_user(request), user=user, address=client_address(request))
    messages.success(request, _("The account is active again."))
    return redirect("accounts_admin:user", pk=user.pk)


@require_POST
@admin_required
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_for_admin(pk)
    if invitation is None:
        raise Http404()
    services.invitation_revoke(
        actor=current_user(request), invitation=invitation, address=client_address(request)
    )
    messages.success(request, _("The invitation is revoked."))
    return redirect("accounts_admin:users")


@admin_required
def audit_page(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.audit_list())
    return render(request, "accounts/admin/audit.html", {"page": page})


@admin_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.api_token_list())
    return render(request, "accounts/admin/tokens.html", {"page": page, "now": timezone.now()})


@admin_required
def token_new(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = selectors.user_by_username(data["username"])
        if user is None:
            form.add_error("username", _("No user has this name."))
        else:
            expires_at = (
                None if data["expires"] == "never" else timezone.now() + timedelta(days=int(data["expires"]))
            )
            try:
                token, key = services.api_token_create(
                    user=user,
                    name=data["name"],
                    scope=data["scope"],
                    expires_at=expires_at,
                    actor=current_user(request),
                    address=client_address(request),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                response = render(request, "accounts/admin/token_created.html", {"token": token, "key": key})
                response["Cache-Control"] = "no-store"
                return response
    return render(request, "accounts/admin/token_new.html", {"form": form})


@require_POST
@admin_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_for_admin(pk)
    if token is None:
        raise Http404()
    services.api_token_revoke(actor=current_user(request), token=token, address=client_address(request))
    messages.success(request, _("The token is revoked: it stops working now."))
    return redirect("accounts_admin:tokens")


@require_POST
@admin_required
def user_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user_or_404(pk)
    services.two_factor_reset(actor=current_user(request), user=user, address=client_address(request))
    messages.success(
        request, _("Two-step sign-in is reset: the user sets up a new app at their next sign-in.")
    )
    return redirect("accounts_admin:user", pk=user.pk)


@admin_required
def settings_page(request: HttpRequest) -> HttpResponse:
    row = selectors.organization_settings()
    initial: dict[str, Any] = {"name": row.name, "default_language": row.default_language}
    initial.update({kind: row.retention_days.get(kind, 0) for kind in RETENTION_KINDS})
    form = OrganizationSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("logo")
        logo = None
        if upload:
            logo = (upload.name or "logo", upload.read(services.LOGO_MAX_BYTES + 1))
        try:
            services.organization_settings_save(
                actor=current_user(request),
                name=data["name"],
                default_language=data["default_language"],
                retention_days={kind: data[kind] for kind in RETENTION_KINDS},
                logo=logo,
                remove_logo=data["remove_logo"],
                address=client_address(request),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("accounts_admin:settings")
    retention_fields = [form[kind] for kind in RETENTION_KINDS]
    return render(
        request,
        "accounts/admin/settings.html",
        {"form": form, "row": row, "retention_fields": retention_fields},
    )
