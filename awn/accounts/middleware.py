"""Session rules for staff, checked on every request of a signed-in staff member:

- two-factor: with AWN_STAFF_2FA on, a staff session that did not pass the second step (one signed in before the
  rule, or made some other way) is signed out;
- idle limit: no request for AWN_STAFF_IDLE_MINUTES (at most 30) ends the session;
- absolute limit: AWN_STAFF_MAX_HOURS (at most 12) after signing in, the session ends whatever happens.
The last request's time is written to the session at most once a minute (so the limit may act up to a minute
early, never late), not on every request. Customers' sessions follow Django's SESSION_COOKIE_AGE.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from . import mfa, session_keys
from .enums import STAFF_ROLES
from .session_keys import AUTH_AT, MFA_AT, SEEN_AT

MAX_IDLE_MINUTES = 30
MAX_SESSION_HOURS = 12
SEEN_RESOLUTION_SECONDS = 60


def idle_seconds() -> float:
    return 60.0 * min(float(settings.AWN_STAFF_IDLE_MINUTES), MAX_IDLE_MINUTES)


def max_seconds() -> float:
    return 3600.0 * min(float(settings.AWN_STAFF_MAX_HOURS), MAX_SESSION_HOURS)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "role", None) in STAFF_ROLES:
            reason = self.refusal(request)
            if reason:
                logout(request)
                messages.info(request, reason)
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> str | None:
        session = request.session
        if mfa.required_for(request.user) and not session.get(MFA_AT):  # type: ignore[arg-type]
            return _("Staff sign in with a second step. Sign in again.")
        current = session_keys.now()
        signed_in_at = session.get(AUTH_AT)
        seen_at = session.get(SEEN_AT)
        if not isinstance(signed_in_at, int | float):
            # A session from before these rules (every sign-in stamps it: apps.py): its age is unknown.
            return _("Your session reached its maximum length. Sign in again.")
        if current - signed_in_at > max_seconds():
            return _("Your session reached its maximum length. Sign in again.")
        if isinstance(seen_at, int | float) and current - seen_at > idle_seconds():
            return _("Your session ended after a period without activity. Sign in again.")
        if not isinstance(seen_at, int | float) or current - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = current
        return None
