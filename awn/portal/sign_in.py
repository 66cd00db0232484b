"""Customer sign-in pages: a one-time code to a phone or email, sign-up verified by that code. Transport only:
awn.identity.services decides; what is waiting for its code is kept in the session for a few minutes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from awn.accounts import session_keys
from awn.accounts.views import complete_sign_in
from awn.core.addresses import client_address
from awn.core.errors import DomainError
from awn.core.ratelimit import limit_posts
from awn.identity.enums import Purpose
from awn.identity.oidc import PendingAuthorization, authorization_finish, authorization_start, oidc_config
from awn.identity.services import (
    Destination,
    SignUpClaim,
    code_request,
    code_sign_in,
    code_sign_up,
    destination_parse,
    oidc_sign_in,
    sign_up_claim,
)

from .sign_in_forms import CodeForm, CodeRequestForm, SignUpForm

PENDING = "awn.identity.pending"
BACKEND = "awn.core.auth.ModelBackend"


def _remember(
    request: HttpRequest, code_id: int, destination: Destination, purpose: str, **extra: str
) -> None:
    request.session[PENDING] = {
        "id": code_id,
        "channel": destination.channel,
        "address": destination.address,
        "purpose": purpose,
        "at": session_keys.now(),
        **extra,
    }


def _pending(request: HttpRequest, purpose: str) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        return None
    if session_keys.now() - float(pending.get("at", 0)) > settings.AWN_OTP_TTL_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return pending


CODE_COOKIE = "awn_sign_in_code"
CODE_COOKIE_SALT = "awn.portal.sign-in-code"
CODE_COOKIE_PATH = "/portal/account/code/"


def _remember_in_cookie(response: HttpResponse, code_id: int, destination: Destination) -> HttpResponse:
    """Signing in keeps what waits for its code in a signed cookie, not in a session: an anonymous visitor gets
    no session row (two writes and a delete less a sign-in; bench/otp_sign_in.py)."""
    value = signing.dumps(
        {"id": code_id, "channel": destination.channel, "address": destination.address}, salt=CODE_COOKIE_SALT
    )
    response.set_cookie(
        CODE_COOKIE,
        value,
        max_age=settings.AWN_OTP_TTL_SECONDS,
        path=CODE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _pending_in_cookie(request: HttpRequest) -> dict[str, Any] | None:
    try:
        pending = signing.loads(
            request.COOKIES.get(CODE_COOKIE, ""), salt=CODE_COOKIE_SALT, max_age=settings.AWN_OTP_TTL_SECONDS
        )
    except signing.BadSignature:
        return None
    return pending if isinstance(pending, dict) and isinstance(pending.get("id"), int) else None


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, f"portal/sign_in/{template}", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def code_start(request: HttpRequest) -> HttpResponse:
    """Step 1 of signing in: a phone number or an email address. The answer never says whether it has an
    account: either way a message goes to it (the code, or a note that it has none)."""
    form = CodeRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                destination = destination_parse(form.cleaned_data["address"])
                row = code_request(
                    destination=destination, purpose=Purpose.SIGN_IN, client=client_address(request)
                )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status_code
            else:
                return _remember_in_cookie(redirect("sign_in:code_verify"), row.pk, destination)
    return _page(request, "code_start.html", {"form": form}, status=status)


@never_cache
@limit_posts("sign-in-code", limit=300, window_seconds=3600)
@require_http_methods(["GET", "HEAD", "POST"])
def code_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code received. Right: signed in (a new session), the portal."""
    pending = _pending_in_cookie(request)
    if pending is None:
        messages.info(request, _("Ask for a sign-in code first."))
        return redirect("sign_in:code")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = code_sign_in(
                code_id=pending["id"], address=pending["address"], code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            complete_sign_in(request, user, backend=BACKEND)
            response = redirect("portal:home")
            response.delete_cookie(CODE_COOKIE, path=CODE_COOKIE_PATH)
            return response
    status = 400 if request.method == "POST" else 200
    return _page(request, "code_verify.html", {"form": form, "pending": pending}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_up_start(request: HttpRequest) -> HttpResponse:
    """Sign-up: a name, a national id (checksum checked) and a phone or email to verify by a code."""
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = sign_up_claim(
                    name=data["name"], national_id=data["national_id"], address=data["address"]
                )
                row = code_request(
                    destination=claim.destination, purpose=Purpose.SIGN_UP, client=client_address(request)
                )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status_code
            else:
                _remember(
                    request,
                    row.pk,
                    claim.destination,
                    Purpose.SIGN_UP,
                    name=claim.name,
                    nid=claim.national_id,
                )
                return redirect("sign_in:sign_up_verify")
    return _page(request, "sign_up.html", {"form": form}, status=status)


@never_cache
@limit_posts("sign-up-code", limit=300, window_seconds=3600)
@require_http_methods(["GET", "HEAD", "POST"])
def sign_up_verify(request: HttpRequest) -> HttpResponse:
    pending = _pending(request, Purpose.SIGN_UP)
    if pending is None:
        messages.info(request, _("Fill in the sign-up form first."))
        return redirect("sign_in:sign_up")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        claim = SignUpClaim(
            name=pending["name"],
            national_id=pending["nid"],
            destination=Destination(pending["channel"], pending["address"]),
        )
        try:
            user, created = code_sign_up(code_id=pending["id"], claim=claim, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            request.session.pop(PENDING, None)
            complete_sign_in(request, user, backend=BACKEND)
            if created:
                messages.success(request, _("Welcome to Awn! Your account is ready."))
            else:
                messages.info(request, _("You already had an account with this address: you are signed in."))
            return redirect("portal:home")
    status = 400 if request.method == "POST" else 200
    return _page(request, "sign_up_verify.html", {"form": form, "pending": pending}, status=status)


OIDC_PENDING = "awn.identity.oidc"


def _oidc_pending(request: HttpRequest) -> PendingAuthorization | None:
    """What the start of the sign-in left in the session, taken out: a state is good for one return only."""
    kept = request.session.pop(OIDC_PENDING, None)
    if not isinstance(kept, dict):
        return None
    if session_keys.now() - float(kept.pop("at", 0)) > settings.AWN_OIDC_PENDING_SECONDS:
        return None
    try:
        return PendingAuthorization(**kept)
    except TypeError:
        return None


@never_cache
@require_safe
def oidc_start(request: HttpRequest) -> HttpResponse:
    """To the education system's sign-in page (authorization code + PKCE); 404 when no provider is set."""
    config = oidc_config()
    if config is None:
        raise Http404
    try:
        authorization = authorization_start(
            config, request.build_absolute_uri(reverse("sign_in:oidc_callback"))
        )
    except DomainError as error:
        return _page(request, "oidc_error.html", {"error": error.message}, status=503)
    request.session[OIDC_PENDING] = {**asdict(authorization.pending), "at": session_keys.now()}
    return redirect(authorization.url)


@never_cache
@require_safe
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back with a code (or an error): checked, then signed in."""
    config = oidc_config()
    if config is None:
        raise Http404
    pending = _oidc_pending(request)
    if request.GET.get("error"):
        message = _("The sign-in was cancelled at the education system. You can start again.")
        return _page(request, "oidc_error.html", {"error": message}, status=400)
    try:
        claims = authorization_finish(
            config, pending, state=request.GET.get("state", ""), code=request.GET.get("code", "")
        )
        user = oidc_sign_in(issuer=config.issuer, claims=claims)
    except DomainError as error:
        return _page(request, "oidc_error.html", {"error": error.message}, status=400)
    complete_sign_in(request, user, backend=BACKEND)
    return redirect("portal:home")
