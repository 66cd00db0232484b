"""The keys Awn keeps in a session for the sign-in rules (views.py writes them, middleware.py reads them)."""

import time

AUTH_AT = "awn_auth_at"  # when the user signed in (unix time): the absolute limit counts from here
SEEN_AT = "awn_seen_at"  # the last request, to the minute: the idle limit counts from here
MFA_AT = "awn_mfa_at"  # when the second factor was checked (staff)
PENDING = "awn_mfa_pending"  # password checked, second factor awaited: {"uid", "backend", "at", "next"}


def now() -> float:
    """The clock of the session rules (unix time): sign-in writes it, the middleware compares with it. Tests
    move it."""
    return time.time()
