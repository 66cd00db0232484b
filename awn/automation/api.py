"""Automation API: canned responses (personal, team, everyone's) and macros, for staff.

GET  /api/v1/automation/canned-responses?q=…&ticket=N   the responses the caller may use (Arabic-normalized search;
                                                        with a ticket the caller may see, placeholders filled)
POST /api/v1/automation/canned-responses                create one (scope personal, team or global)
DELETE /api/v1/automation/canned-responses/{id}         delete one the caller may change
POST /api/v1/automation/tickets/{id}/macros/{macro_id}  apply a macro to a ticket
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import NotFound
from awn.core.text.arabic import normalize_arabic
from awn.tickets.policies import visible_tickets

from . import macros
from .enums import Scope

router = Router(tags=["automation"])
LIST_MAX = 100


class CannedOut(Schema):
    id: int
    title: str
    text: str
    category: str
    scope: str


class CannedIn(Schema):
    title: str
    body: str
    category: str = ""
    scope: str = Scope.PERSONAL


class MacroResult(Schema):
    macro: str
    changes: list[str]


def _staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not is_staff_member(user):
        raise NotFound()
    return user


@router.get("/canned-responses", response=list[CannedOut], summary="Canned responses the caller may use")
def canned_list(request: HttpRequest, q: str = "", ticket: int | None = None) -> list[dict[str, Any]]:
    user = _staff(request)
    if ticket is not None:
        found = visible_tickets(user).filter(pk=ticket).first()
        if found is None:
            raise NotFound()
        items: list[dict[str, Any]] = [
            {"id": i.id, "title": i.title, "text": i.text, "category": i.category}
            for i in macros.canned_search(user=user, ticket=found, q=q[:100])
        ]
    else:
        needle = normalize_arabic(q[:100])
        items = [
            {"id": c.pk, "title": c.title, "text": c.body, "category": c.category}
            for c in macros.canned_for(user)[:500]
            if not needle or needle in normalize_arabic(f"{c.title} {c.body}")
        ][:LIST_MAX]
    scopes = macros.scopes_of([item["id"] for item in items])
    return [{**item, "scope": scopes[item["id"]]} for item in items]


@router.post("/canned-responses", response={201: CannedOut}, summary="Create a canned response")
def canned_create(request: HttpRequest, payload: CannedIn) -> Status[Any]:
    user = _staff(request)
    canned = macros.canned_save(
        actor=user, title=payload.title, body=payload.body, category=payload.category, scope=payload.scope
    )
    body = {"id": canned.pk, "title": canned.title, "text": canned.body, "category": canned.category}
    return Status(201, {**body, "scope": payload.scope})


@router.delete("/canned-responses/{canned_id}", response={204: None}, summary="Delete a canned response")
def canned_remove(request: HttpRequest, canned_id: int) -> Status[Any]:
    user = _staff(request)
    canned = macros.canned_for(user).filter(pk=canned_id).first()
    if canned is None:
        raise NotFound()
    macros.canned_delete(actor=user, canned=canned)
    return Status(204, None)


@router.post(
    "/tickets/{ticket_id}/macros/{macro_id}", response=MacroResult, summary="Apply a macro to a ticket"
)
def macro_apply(request: HttpRequest, ticket_id: int, macro_id: int) -> dict[str, Any]:
    user = _staff(request)
    ticket = visible_tickets(user).filter(pk=ticket_id).first()
    macro = macros.macros_for(user).filter(pk=macro_id).first()
    if ticket is None or macro is None:
        raise NotFound()
    changes = macros.macro_apply(actor=user, macro=macro, ticket=ticket)
    return {"macro": macro.name, "changes": [f"{c.label}: {c.new}" for c in changes]}
