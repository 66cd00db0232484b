"""Accounts API: who am I (/api/v1/me)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema

from .models import User
from .policies import is_staff_member

router = Router(tags=["accounts"])


class Ref(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    is_staff_member: bool
    team: Ref | None = None
    contact: Ref | None = None
    language: str


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = cast(User, request.user)
    team = user.team
    contact = getattr(user, "contact", None)
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "role": user.role,
        "is_staff_member": is_staff_member(user),
        "team": {"id": team.pk, "name": team.name} if team is not None else None,
        "contact": {"id": contact.pk, "name": contact.name} if contact is not None else None,
        "language": user.preferred_language,
    }
