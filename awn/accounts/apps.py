from typing import Any

from django.apps import AppConfig


def _stamp_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Every way of signing in (the sign-in page, an invitation, the test client's force_login) starts the
    clocks of the staff session rules (awn/accounts/middleware.py) in the session it signs in."""
    from .session_keys import AUTH_AT, SEEN_AT, now

    session = getattr(request, "session", None)
    if session is not None:
        session[AUTH_AT] = session[SEEN_AT] = now()


class AccountsConfig(AppConfig):
    name = "awn.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_stamp_session, dispatch_uid="awn.accounts.stamp_session")
