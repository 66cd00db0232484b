"""Macros and canned responses (issue 16, item 7): who sees which (personal, team, everyone), writes checked the same
way as rules (registry.clean_spec), a macro applied as the agent through the tickets services, one ticket or a
selection, and the composer's «/» picker with Arabic-normalized search and filled placeholders."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member, is_supervisor
from awn.core.errors import DomainError, NotFound, PermissionDenied, ValidationError, lazy_format
from awn.core.text.arabic import normalize_arabic
from awn.tickets.canned import render_canned
from awn.tickets.enums import Category
from awn.tickets.models import CannedResponse, Ticket

from . import engine
from .enums import Scope
from .models import CannedScope, Macro
from .registry import clean_spec

logger = logging.getLogger(__name__)
TITLE_MAX = 120
BODY_MAX = 5000
PICKER_MAX = 20


# ---- who sees, who may change --------------------------------------------------------------------------------


def _visible(user: User) -> Q:
    mine = Q(scope=Scope.PERSONAL, owner_id=user.pk)
    team = Q(scope=Scope.TEAM, team_id=user.team_id) if user.team_id else Q(pk__in=[])
    return Q(scope=Scope.GLOBAL) | mine | team


def macros_for(user: User) -> QuerySet[Macro]:
    if not is_staff_member(user):
        return Macro.objects.none()
    return Macro.objects.filter(_visible(user)).order_by("name", "id")


def canned_for(user: User) -> QuerySet[CannedResponse]:
    """The canned responses `user` may use: everyone's (no scope row, or global), their team's, their own."""
    if not is_staff_member(user):
        return CannedResponse.objects.none()
    scoped = CannedScope.objects.filter(_visible(user)).values("canned_id")
    unscoped = ~Q(pk__in=CannedScope.objects.values("canned_id"))
    return CannedResponse.objects.filter(unscoped | Q(pk__in=scoped)).order_by("title", "id")


def scopes_of(ids: Sequence[int]) -> dict[int, str]:
    """{canned id: scope} in one query (a response without a scope row is everyone's)."""
    rows = dict(CannedScope.objects.filter(canned_id__in=list(ids)).values_list("canned_id", "scope"))
    return {pk: rows.get(pk, Scope.GLOBAL) for pk in ids}


def canned_scope_of(canned: CannedResponse) -> CannedScope:
    return CannedScope.objects.filter(canned=canned).first() or CannedScope(canned=canned, scope=Scope.GLOBAL)


def may_change(user: User, scope: str, owner_id: int | None, team_id: int | None) -> bool:
    """Anyone on the staff owns their personal items; supervisors and admins write team (a supervisor: their own
    team's) and everyone's."""
    if not is_staff_member(user):
        return False
    if scope == Scope.PERSONAL:
        return owner_id == user.pk
    if not is_supervisor(user):
        return False
    return scope == Scope.GLOBAL or user.role == "admin" or team_id == user.team_id


def _scope_values(actor: User, scope: Any, team_id: Any) -> tuple[str, int | None, int | None]:
    if scope not in Scope.values:
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=scope), field="scope")
    owner_id = actor.pk if scope == Scope.PERSONAL else None
    team = None
    if scope == Scope.TEAM:
        team = int(team_id) if str(team_id or "").isdigit() else actor.team_id
        if team is None:
            raise ValidationError(_("Choose a team."), field="scope")
    if not may_change(actor, scope, owner_id, team):
        raise PermissionDenied()
    return scope, owner_id, team


def _text(value: Any, *, field: str, label: Any, max_length: int) -> str:
    text = (value if isinstance(value, str) else "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(lazy_format(_("%(field)s is required."), field=label), field=field)
    if len(text) > max_length:
        raise ValidationError(
            lazy_format(
                _("%(field)s is too long (at most %(max)d characters)."), field=label, max=max_length
            ),
            field=field,
        )
    return text


# ---- canned responses ----------------------------------------------------------------------------------------


@transaction.atomic
def canned_save(
    *,
    actor: User,
    title: Any,
    body: Any,
    category: Any = "",
    scope: Any = Scope.PERSONAL,
    team_id: Any = None,
    canned: CannedResponse | None = None,
) -> CannedResponse:
    if canned is not None:
        current = canned_scope_of(canned)
        if not may_change(actor, current.scope, current.owner_id, current.team_id):
            raise NotFound()
    clean_title = _text(title, field="title", label=_("The title"), max_length=TITLE_MAX)
    clean_body = _text(body, field="body", label=_("The text"), max_length=BODY_MAX)
    if category not in ("", *Category.values):
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=category), field="category")
    clean_scope, owner_id, team = _scope_values(actor, scope, team_id)
    if canned is None:
        canned = CannedResponse.objects.create(title=clean_title, body=clean_body, category=category)
    else:
        canned.title, canned.body, canned.category = clean_title, clean_body, category
        canned.save()
    CannedScope.objects.update_or_create(
        canned=canned, defaults={"scope": clean_scope, "owner_id": owner_id, "team_id": team}
    )
    return canned


@transaction.atomic
def canned_delete(*, actor: User, canned: CannedResponse) -> None:
    current = canned_scope_of(canned)
    if not may_change(actor, current.scope, current.owner_id, current.team_id):
        raise NotFound()
    CannedResponse.objects.filter(pk=canned.pk).delete()


@dataclass(frozen=True)
class PickerItem:
    id: int
    title: str
    text: str
    category: str


def canned_search(*, user: User, ticket: Ticket, q: str = "") -> list[PickerItem]:
    """The composer's «/» picker: the responses the agent may use whose title or text contains `q` once both are
    Arabic-normalized (hamza, ta marbuta, diacritics…), the ticket's category first, placeholders filled."""
    needle = normalize_arabic(q or "")
    rows = list(canned_for(user)[:500])
    found = [c for c in rows if not needle or needle in normalize_arabic(f"{c.title} {c.body}")]
    found.sort(key=lambda c: c.category != ticket.category)  # stable: by title within each group
    return [
        PickerItem(
            id=c.pk, title=c.title, text=render_canned(c.body, ticket=ticket, agent=user), category=c.category
        )
        for c in found[:PICKER_MAX]
    ]


# ---- macros --------------------------------------------------------------------------------------------------


@transaction.atomic
def macro_save(
    *,
    actor: User,
    name: Any,
    actions: Any,
    scope: Any = Scope.PERSONAL,
    team_id: Any = None,
    macro: Macro | None = None,
) -> Macro:
    if macro is not None and not may_change(actor, macro.scope, macro.owner_id, macro.team_id):
        raise NotFound()
    clean_name = _text(name, field="name", label=_("The name"), max_length=TITLE_MAX)
    spec = clean_spec({"match": "all", "conditions": [], "actions": actions})
    clean_scope, owner_id, team = _scope_values(actor, scope, team_id)
    macro = macro or Macro()
    macro.name, macro.actions = clean_name, spec["actions"]
    macro.scope, macro.owner_id, macro.team_id = clean_scope, owner_id, team
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, actor: User, macro: Macro) -> None:
    if not may_change(actor, macro.scope, macro.owner_id, macro.team_id):
        raise NotFound()
    Macro.objects.filter(pk=macro.pk).delete()


@transaction.atomic
def macro_apply(*, actor: User, macro: Macro, ticket: Ticket) -> list[engine.Change]:
    """Apply the macro's actions to a ticket the caller has checked the agent may see, as the agent (the history
    names the macro; a refused action rolls the whole macro back on this ticket)."""
    if not macros_for(actor).filter(pk=macro.pk).exists():
        raise NotFound()
    return engine.apply_actions(
        name=macro.name, actions=macro.actions, ticket=ticket, actor=actor, kind="macro"
    )


def macro_apply_bulk(*, actor: User, macro: Macro, tickets: Sequence[Ticket]) -> tuple[int, list[str]]:
    """Each ticket in its own transaction: one refused ticket does not stop the others."""
    done, errors = 0, []
    for ticket in tickets:
        try:
            macro_apply(actor=actor, macro=macro, ticket=ticket)
            done += 1
        except DomainError as exc:
            errors.append(f"{ticket.reference}: {exc.message}")
    return done, errors
