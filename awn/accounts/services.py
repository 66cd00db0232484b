from __future__ import annotations

import secrets

from django.db import transaction

from .enums import Role
from .models import ApiToken, Team, User


def user_create(
    *,
    username: str,
    password: str | None,
    role: str = Role.CUSTOMER,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
) -> User:
    user = User(
        username=username, email=email, role=role, first_name=first_name, last_name=last_name, team=team
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = role == Role.ADMIN
    user.save()
    return user


def team_create(*, name: str, kind: str, categories: list[str] | None = None) -> Team:
    return Team.objects.create(name=name, kind=kind, categories=list(categories or []))


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the clear key, which is shown once and never stored."""
    key = "awn_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[4:12])
    return token, key


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False, user__is_active=True)
        .first()
    )
    return token.user if token else None
