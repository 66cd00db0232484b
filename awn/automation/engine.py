"""The rule engine: facts of a ticket, rules evaluated in order, actions applied through the tickets services (so
the history shows every change, after a line naming the rule), with a loop guard.

Loop guard: the rules acting on a ticket form a chain (a context variable captured when an event is published,
see handlers.py). A rule never runs again inside its own chain (its own changes do not re-trigger it), and a
chain stops at MAX_DEPTH rules, so two rules that undo each other stop after a few steps at worst.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _t

from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.core.errors import DomainError
from awn.core.text.arabic import normalize_arabic
from awn.tickets import services as tickets
from awn.tickets.canned import render_canned
from awn.tickets.enums import MessageKind, Status
from awn.tickets.models import AuditEntry, CannedResponse, Message, Ticket

from .registry import ACTIONS, SETTERS, Facts, conditions_hold

logger = logging.getLogger(__name__)
MAX_DEPTH = 3
MENTIONS_MAX = 20
chain_var: ContextVar[tuple[int, ...]] = ContextVar("awn_automation_chain", default=())

# ---- facts -------------------------------------------------------------------------------------------------


def _status_since(ticket_ids: Sequence[int]) -> dict[int, datetime]:
    rows = (
        AuditEntry.objects.filter(ticket_id__in=ticket_ids, field="status")
        .values("ticket_id")
        .annotate(at=Max("created_at"))
    )
    return {row["ticket_id"]: row["at"] for row in rows}


def facts_for(
    ticket: Ticket,
    *,
    needed: set[str],
    message_id: int | None = None,
    now: datetime | None = None,
    status_since: datetime | None = None,
) -> Facts:
    """The facts of `ticket` the rules read (`needed`: their fields; the others cost no query)."""
    body = ""
    if "body" in needed:
        message = Message.objects.filter(ticket_id=ticket.pk)
        message = message.filter(pk=message_id) if message_id else message.order_by("created_at", "id")
        first = message.values_list("body", flat=True).first()
        body = normalize_arabic(first or ticket.body_preview)
    tags: set[str] = set(ticket.tags.values_list("name", flat=True)) if "tags" in needed else set()
    if status_since is None and "hours_in_status" in needed:
        status_since = _status_since([ticket.pk]).get(ticket.pk)
    organization = ticket.organization_id
    return Facts(
        category=ticket.category,
        priority=ticket.priority,
        status=ticket.status,
        channel=ticket.channel,
        contact_type=ticket.requester.contact_type if "contact_type" in needed else "",
        team=ticket.team_id,
        assignee=ticket.assignee_id,
        school=organization,
        tags=tags,
        subject=normalize_arabic(ticket.subject) if "subject" in needed else "",
        body=body,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        status_since=status_since or ticket.created_at,
        now=now or timezone.now(),
    )


def needed_fields(rules: Iterable[Any]) -> set[str]:
    return {c["field"] for rule in rules for c in rule.conditions}


# ---- actions -----------------------------------------------------------------------------------------------


@dataclass
class Change:
    """One thing an action does (or would do, in a dry run), for people to read."""

    action: str
    label: str
    old: str = ""
    new: str = ""


def _display(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field in ("priority", "status", "category"):
        choices = ACTIONS[f"set_{field}"].choices
        assert choices is not None
        return str(dict(choices.choices).get(value, value))
    if field == "team":
        from awn.accounts.models import Team

        team = Team.objects.filter(pk=value).first()
        return team.name if team else str(value)
    if field == "assignee":
        user = User.objects.filter(pk=value).first()
        return (user.get_full_name() or user.username) if user else str(value)
    return str(value)


def _mentionable(user_ids: Iterable[int]) -> list[str]:
    users = User.objects.filter(
        pk__in=list(user_ids), is_active=True, role__in=(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    )
    return ["@" + u.username for u in users.order_by("pk")[:MENTIONS_MAX]]


def _supervisors_of(ticket: Ticket) -> list[int]:
    supervisors = User.objects.filter(is_active=True, role=Role.SUPERVISOR)
    ids = (
        list(supervisors.filter(team_id=ticket.team_id).values_list("pk", flat=True))
        if ticket.team_id
        else []
    )
    return ids or list(supervisors.values_list("pk", flat=True)[:MENTIONS_MAX])


def planned_changes(
    actions: Sequence[Mapping[str, Any]], ticket: Ticket, tags: set[str], *, display: bool = True
) -> list[Change]:
    """What the actions would change on the ticket as it is now (no write): the dry run (`display`: names and
    labels people read, a query or two) and the engine (only whether anything would change: no query for that)."""
    if not display:
        return _changes_without_display(actions, ticket, tags)
    changes: list[Change] = []
    for action in actions:
        kind, value = action["type"], action["value"]
        label = str(ACTIONS[kind].label)
        field = SETTERS.get(kind)
        if field is not None:
            current = getattr(ticket, f"{field}_id" if field in ("team", "assignee") else field)
            if current != value:
                changes.append(Change(kind, label, _display(field, current), _display(field, value)))
        elif kind == "add_tag":
            if value not in tags:
                changes.append(Change(kind, label, new=value))
        elif kind == "add_note":
            changes.append(Change(kind, label, new=value[:120]))
        elif kind == "send_canned_reply":
            canned = CannedResponse.objects.filter(pk=value).first()
            changes.append(Change(kind, label, new=canned.title if canned else str(value)))
        elif kind == "notify_users":
            changes.append(Change(kind, label, new=" ".join(_mentionable(value))))
        elif kind == "notify_team":
            members = User.objects.filter(team_id=value).values_list("pk", flat=True)
            changes.append(Change(kind, label, new=" ".join(_mentionable(members))))
        elif kind == "escalate":
            changes.append(Change(kind, label, new=" ".join(_mentionable(_supervisors_of(ticket)))))
    return changes


def _changes_without_display(
    actions: Sequence[Mapping[str, Any]], ticket: Ticket, tags: set[str]
) -> list[Change]:
    changes: list[Change] = []
    for action in actions:
        kind, value = action["type"], action["value"]
        field = SETTERS.get(kind)
        if field is not None:
            current = getattr(ticket, f"{field}_id" if field in ("team", "assignee") else field)
            if current != value:
                changes.append(Change(kind, kind, str(current), str(value)))
        elif kind != "add_tag" or value not in tags:
            changes.append(Change(kind, kind, new=str(value)))
    return changes


def apply_actions(
    *,
    name: str,
    actions: Sequence[Mapping[str, Any]],
    ticket: Ticket,
    actor: User | None,
    kind: str = "rule",
    tags: set[str] | None = None,
    fresh: bool = False,
) -> list[Change]:
    """Apply the actions in order through the tickets services, after a history line naming the rule (or the
    macro). Raises DomainError (and the caller's transaction rolls back) when one of them is refused.
    `fresh`: the caller has just loaded the ticket (and its `tags`, when given); otherwise they are read again."""
    if not fresh:
        ticket = Ticket.objects.get(pk=ticket.pk)
        tags = None
    if tags is None:
        tags = set(ticket.tags.values_list("name", flat=True))
    tags = set(tags)
    planned = planned_changes(actions, ticket, tags, display=False)
    if not planned:
        return []
    tickets.ticket_record_automation(ticket_id=ticket.pk, name=name, kind=kind, actor=actor)
    field_changes: dict[str, Any] = {}
    for action in actions:
        field = SETTERS.get(action["type"])
        if field is not None:
            field_changes[field] = action["value"]
    # Field changes first (one update, one history line each), so a reply or a note sees the new state.
    if field_changes:
        ticket = tickets.ticket_update(ticket=ticket, actor=actor, changes=field_changes)
    for action in actions:
        kind_, value = action["type"], action["value"]
        if kind_ == "add_tag" and value not in tags:
            tags.add(value)
            tickets.ticket_set_tags(ticket=ticket, actor=actor, tags=sorted(tags))
        elif kind_ == "add_note":
            _note(ticket, actor, f"{value}\n— {name}")
        elif kind_ == "send_canned_reply":
            canned = CannedResponse.objects.get(pk=value)
            body = render_canned(canned.body, ticket=ticket, agent=actor)
            if actor is None:
                tickets.ticket_add_bot_reply(ticket=ticket, body=body)
            else:
                tickets.ticket_add_message(ticket=ticket, body=body, actor=actor)
        elif kind_ in ("notify_users", "notify_team", "escalate"):
            if kind_ == "notify_users":
                who = _mentionable(value)
                text = _t("Automation «%(name)s» asks for your attention: %(who)s")
            elif kind_ == "notify_team":
                who = _mentionable(User.objects.filter(team_id=value).values_list("pk", flat=True))
                text = _t("Automation «%(name)s» asks for your attention: %(who)s")
            else:
                who = _mentionable(_supervisors_of(ticket))
                text = _t("Escalated to the supervisor by «%(name)s»: %(who)s")
            if who:
                _note(ticket, actor, text % {"name": name, "who": " ".join(who)})
    return planned


def _note(ticket: Ticket, actor: User | None, body: str) -> None:
    if ticket.status == Status.CLOSED:
        return  # a closed ticket takes no more messages; the rule's other changes still stand
    tickets.ticket_add_message(ticket=ticket, body=body, actor=actor, kind=MessageKind.NOTE)


# ---- running the rules of an event -------------------------------------------------------------------------


def run_rules(rules: Sequence[Any], ticket_id: int, *, chain: tuple[int, ...], message_id: int | None) -> int:
    """Evaluate `rules` in order against the ticket and apply those whose conditions hold, each in its own
    transaction (a refused action rolls back that rule alone, logged). Returns how many fired."""
    rules = [r for r in rules if r.pk not in chain]
    if not rules or len(chain) >= MAX_DEPTH:
        return 0
    needed = needed_fields(rules)
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    facts = facts_for(ticket, needed=needed, message_id=message_id)
    fired = 0
    for rule in rules:
        if not conditions_hold(rule.spec, facts):
            continue
        token = chain_var.set((*chain, rule.pk))
        try:
            with transaction.atomic():
                changed = apply_actions(
                    name=rule.name,
                    actions=rule.actions,
                    ticket=ticket,
                    actor=None,
                    tags=facts.tags if "tags" in needed else None,
                    fresh=True,
                )
        except DomainError as exc:
            logger.warning("automation rule %s failed on ticket %s: %s", rule.pk, ticket_id, exc)
            continue
        finally:
            chain_var.reset(token)
        if changed:
            fired += 1
            ticket = Ticket.objects.select_related("requester").get(pk=ticket_id)
            facts = facts_for(ticket, needed=needed, message_id=message_id)
    return fired
