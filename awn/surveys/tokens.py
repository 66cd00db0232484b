"""The survey link's token: the invitation id signed with Django's signing (HMAC of SECRET_KEY, its own salt) and
a timestamp, so an altered token is refused and an old one expires whatever the database says."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

SALT = "awn.surveys.invitation"
# The signature's own age limit: the longest a survey may stay open (Survey.expiry_days is checked as well).
MAX_AGE = timedelta(days=60)


class TokenError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_token(invitation_id: int) -> str:
    return signing.dumps({"i": invitation_id}, salt=SALT, compress=True)


def read_token(token: str, *, max_age: timedelta = MAX_AGE) -> int:
    """The invitation id, or TokenError("expired" | "invalid")."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenError("expired") from exc
    except signing.BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise TokenError("invalid")
    return int(data["i"])
