import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from awn.core import formatting
from awn.core.addresses import client_address
from awn.core.errors import NotFound, ValidationError
from awn.core.events import publish
from awn.core.ratelimit import limit_posts

from . import mfa, passkeys, selectors, services, session_keys, totp
from .decorators import current_user, staff_required
from .events import UserSignedIn, UserSignedOut
from .forms import AcceptInvitationForm
from .models import Passkey, RecoveryCode, User
from .policies import is_staff_member
from .session_keys import MFA_AT, PENDING
from .throttle import login_failed, login_succeeded, seconds_to_wait


@require_POST
def set_digits(request: HttpRequest) -> HttpResponse:
    """Latin (012) or Arabic-Indic (٠١٢) digits, like Django's set_language: kept on a signed-in user (staff and
    customers alike) and in a cookie for everyone, so a portal visitor's choice holds before signing in."""
    choice = request.POST.get("digits", "")
    if choice not in formatting.Digits.values:
        choice = ""
    if request.user.is_authenticated:
        services.user_digits_set(user=request.user, choice=choice)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    if choice:
        response.set_cookie(
            formatting.DIGITS_COOKIE, choice, max_age=365 * 86400, samesite="Lax", secure=request.is_secure()
        )
    else:
        response.delete_cookie(formatting.DIGITS_COOKIE)
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land in the agent workspace, customers in the portal."""
    return redirect("workspace:queue" if is_staff_member(request.user) else "portal:home")  # type: ignore[arg-type]


def complete_sign_in(
    request: HttpRequest, user: User, backend: str | None = None, *, second_factor: bool = False
) -> None:
    """The one place a user becomes signed in: always a new session id, the times the session rules of
    awn/accounts/middleware.py read, and the session remembered, to end it with the others later."""
    if SESSION_KEY in request.session:  # auth_login rotates the key itself when nobody was signed in
        request.session.cycle_key()
    auth_login(request, user, backend=backend)  # stamps the session's sign-in time (apps.py)
    if second_factor:
        request.session[MFA_AT] = session_keys.now()
    request.session.pop(PENDING, None)
    services.session_started(
        user=user, session_key=request.session.session_key, address=client_address(request)
    )
    if is_staff_member(user):
        publish(UserSignedIn(user_id=user.pk))  # routing sets a staff member online


def begin_second_factor(request: HttpRequest, user: User, backend: str | None, next_url: str) -> HttpResponse:
    """The password was right: the session is not signed in yet, it only remembers whose second factor it
    waits for (a few minutes), then the code page or, for a staff member without an app yet, enrolment."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "uid": user.pk,
        "backend": backend or "",
        "at": session_keys.now(),
        "next": next_url,
    }
    if mfa.confirmed_device(user) is None:
        return redirect("mfa-enrol")
    return redirect("mfa-verify")


def _pending(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None, {}
    if session_keys.now() - float(pending.get("at", 0)) > settings.AWN_MFA_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    user = selectors.active_user(pending.get("uid"))
    return user, pending


def _next(request: HttpRequest, pending: dict[str, Any]) -> str:
    target = str(pending.get("next") or "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if seconds_to_wait(request, username) > 0:
            return self._slow_down(request, username)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated or PENDING in request.session:
            login_succeeded(request, username)
        else:
            login_failed(request, username)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if mfa.required_for(user):
            return begin_second_factor(
                self.request, user, getattr(user, "backend", None), self.get_success_url()
            )
        complete_sign_in(self.request, user)
        return redirect(self.get_success_url())

    def _slow_down(self, request: HttpRequest, username: str) -> HttpResponse:
        """The same page whatever the password: it is not read, let alone checked (no oracle)."""
        form = self.get_form_class()(request, initial={"username": username[:150]})
        context = self.get_context_data(form=form, throttled=True)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = "60"
        return response


class SignOutView(auth_views.LogoutView):
    """Signing out ends every session of the user, not only this one."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            publish(UserSignedOut(user_id=request.user.pk))  # routing sets the agent offline
            services.sessions_end(user=current_user(request))
        return super().post(request, *args, **kwargs)


@never_cache
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a staff sign-in: a code from the authenticator app, or a recovery code."""
    user, pending = _pending(request)
    if user is None:
        messages.info(request, _("Sign in again."))
        return redirect("login")
    if mfa.confirmed_device(user) is None:
        return redirect("mfa-enrol")
    error = None
    if request.method == "POST":
        try:
            result = mfa.verify(user, request.POST.get("code", "")[:32])
        except ValidationError as exc:
            error = str(exc.message)
        else:
            complete_sign_in(request, user, pending.get("backend") or None, second_factor=True)
            if result.by_recovery_code:
                messages.warning(
                    request,
                    _("You signed in with a recovery code. Recovery codes left: %(count)s.")
                    % {"count": result.recovery_codes_left},
                )
            return redirect(_next(request, pending))
    context = {"error": error, "passkey": passkeys.has_passkey(user)}
    return render(request, "accounts/mfa_verify.html", context, status=400 if error else 200)


@never_cache
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: during a sign-in of a staff member who has none yet, or later by a
    signed-in staff member (a new phone). A pending sign-in of someone who has an app cannot replace it."""
    user, pending = _pending(request)
    signed_in = request.user.is_authenticated and is_staff_member(request.user)
    if user is not None:
        if mfa.confirmed_device(user) is not None:
            return redirect("mfa-verify")
    elif signed_in:
        user = current_user(request)
    else:
        messages.info(request, _("Sign in again."))
        return redirect("login")
    error = None
    if request.method == "POST":
        try:
            codes = mfa.enrolment_confirm(user, request.POST.get("code", "")[:32])
        except ValidationError as exc:
            error = str(exc.message)
        else:
            if pending:
                complete_sign_in(request, user, pending.get("backend") or None, second_factor=True)
            response = render(
                request, "accounts/mfa_codes.html", {"codes": codes, "next": _next(request, pending)}
            )
            response["Cache-Control"] = "no-store"
            return response
    secret = mfa.device_secret(mfa.enrolment_start(user))
    context = {
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": totp.provisioning_uri(secret, account=user.email or user.username),
        "error": error,
    }
    return render(request, "accounts/mfa_enrol.html", context, status=400 if error else 200)


@never_cache
@login_required
@limit_posts("password-change", limit=10, window_seconds=600)
def password_change(request: HttpRequest) -> HttpResponse:
    """A new password ends every other session of the user; this one stays signed in."""
    user = current_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=user,
            password=form.cleaned_data["new_password1"],
            keep_session_key=request.session.session_key,
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. Your other sessions have ended."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A password reset by email ends every session of the user."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if self.user is not None:
            services.sessions_end(user=self.user)
        return response


@never_cache
@limit_posts("invitation", limit=10, window_seconds=600)
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link: the invitee chooses a password (the validators apply) and is signed in (staff go on
    to set up their authenticator app). A used, revoked or expired link answers 410; a forged one 404."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationGone:
        return render(request, "accounts/invitation_gone.html", status=410)
    except NotFound as exc:
        raise Http404() from exc
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                new_email=form.cleaned_data["email"],
                address=client_address(request),
            )
        except services.InvitationGone:
            return render(request, "accounts/invitation_gone.html", status=410)
        except ValidationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            backend = "awn.core.auth.ModelBackend"
            if mfa.required_for(user):
                return begin_second_factor(request, user, backend, "/")
            complete_sign_in(request, user, backend=backend)
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


def organization_logo(request: HttpRequest) -> FileResponse:
    """The organization's logo (public, like any site's logo): 404 when none is set."""
    row = selectors.organization_settings()
    if not row.logo:
        raise Http404()
    content_type = "image/png" if (row.logo.name or "").endswith(".png") else "image/jpeg"
    response = FileResponse(row.logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- passkeys (WebAuthn): the staff security page and the passkey at the second step ------------------------

PASSKEY_BODY_MAX = 64 * 1024


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > PASSKEY_BODY_MAX:
        raise ValidationError(_("The request is too large."))
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ValidationError(_("The request is not valid.")) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("The request is not valid."))
    return data


def _credential(data: dict[str, Any]) -> dict[str, Any]:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise ValidationError(_("The request is not valid."), field="credential")
    return credential


def _json_error(exc: ValidationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": str(exc.message), "field": exc.field}, status=status)


@never_cache
@staff_required()
def security(request: HttpRequest) -> HttpResponse:
    """A staff member's second steps: the authenticator app, recovery codes left, and their passkeys."""
    user = current_user(request)
    context = {
        "totp_on": mfa.confirmed_device(user) is not None,
        "recovery_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "passkeys": passkeys.user_passkeys(user),
        "passkeys_max": passkeys.MAX_PASSKEYS,
    }
    return render(request, "accounts/security.html", context)


@never_cache
@require_POST
@staff_required()
@limit_posts("passkey-options", limit=30, window_seconds=600)
def passkey_register_options(request: HttpRequest) -> JsonResponse:
    return JsonResponse(passkeys.registration_options(current_user(request)))


@never_cache
@require_POST
@staff_required()
@limit_posts("passkey-register", limit=20, window_seconds=600)
def passkey_register(request: HttpRequest) -> JsonResponse:
    """The browser's answer to the registration options, with the name the staff member chose."""
    user = current_user(request)
    try:
        data = _json_body(request)
        passkey = passkeys.register(
            user=user,
            name=str(data.get("name") or ""),
            credential=_credential(data),
            address=client_address(request),
        )
    except ValidationError as exc:
        return _json_error(exc)
    messages.success(request, _("The passkey “%(name)s” is added.") % {"name": passkey.name})
    return JsonResponse({"id": passkey.pk, "name": passkey.name, "redirect": reverse("security")}, status=201)


@never_cache
@require_POST
@staff_required()
def passkey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of one's own passkeys; another person's answers 404."""
    user = current_user(request)
    passkey = Passkey.objects.filter(user=user, pk=pk).first()
    if passkey is None:
        raise Http404()
    passkeys.remove(user=user, passkey=passkey, address=client_address(request))
    messages.success(request, _("The passkey “%(name)s” is removed.") % {"name": passkey.name})
    return redirect("security")


def _pending_or_refusal(request: HttpRequest) -> tuple[User | None, dict[str, Any], JsonResponse | None]:
    user, pending = _pending(request)
    if user is None:
        refusal = JsonResponse({"error": str(_("Sign in again.")), "redirect": reverse("login")}, status=403)
        return None, {}, refusal
    return user, pending, None


@never_cache
@require_POST
@limit_posts("passkey-step-options", limit=30, window_seconds=600)
def mfa_passkey_options(request: HttpRequest) -> JsonResponse:
    """The second step with a passkey: the options for navigator.credentials.get() (a pending sign-in only)."""
    user, _pending_data, refusal = _pending_or_refusal(request)
    if refusal is not None or user is None:
        return refusal or JsonResponse({}, status=403)
    try:
        return JsonResponse(passkeys.authentication_options(user))
    except ValidationError as exc:
        return _json_error(exc)


@never_cache
@require_POST
def mfa_passkey(request: HttpRequest) -> JsonResponse:
    """The passkey's answer: checked, then the sign-in completes as with a code."""
    user, pending, refusal = _pending_or_refusal(request)
    if refusal is not None or user is None:
        return refusal or JsonResponse({}, status=403)
    try:
        passkeys.authenticate(
            user=user, credential=_credential(_json_body(request)), address=client_address(request)
        )
    except ValidationError as exc:
        return _json_error(exc)
    complete_sign_in(request, user, pending.get("backend") or None, second_factor=True)
    return JsonResponse({"redirect": _next(request, pending)})
