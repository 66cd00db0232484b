"""Every write of automation: rules (checked against the registry and the loop check before any save), running the
rules of an event and the time-based rules, the dry run of a rule against a ticket, import of exported rules."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.errors import DomainError, ValidationError, lazy_format
from awn.tickets.enums import ACTIVE_STATUSES
from awn.tickets.models import Ticket

from . import engine
from .engine import Change
from .enums import Match, Trigger
from .models import Rule, RuleFiring
from .registry import (
    FIELDS,
    clean_spec,
    condition_holds,
    conditions_hold,
    spec_condition_fields,
    spec_setters,
)

logger = logging.getLogger(__name__)
NAME_MAX = 120
MAX_RULES = 500
TIME_RULE_BATCH = 500
TIME_RULE_BUDGET = 5000  # tickets looked at per rule and run; the next run goes on from the first again


# The enabled rules of each trigger, kept for a moment in each process: two queries (created, message received) and
# one per change a rule makes would otherwise be spent on every ticket. A write in this process clears it at once;
# other processes see a rule edit within RULES_CACHE_SECONDS.
RULES_CACHE_SECONDS = 2.0
_rules_cache: dict[str, tuple[float, list[Rule]]] = {}


def rules_cache_clear() -> None:
    _rules_cache.clear()


def _rules_changed() -> None:
    rules_cache_clear()
    transaction.on_commit(rules_cache_clear)


def enabled_rules(trigger: str) -> list[Rule]:
    now = time.monotonic()
    cached = _rules_cache.get(trigger)
    if cached is not None and now - cached[0] < RULES_CACHE_SECONDS:
        return cached[1]
    rules = list(Rule.objects.filter(trigger=trigger, enabled=True).order_by("position", "id"))
    _rules_cache[trigger] = (now, rules)
    return rules


# ---- rules -------------------------------------------------------------------------------------------------


def _clean_name(name: Any) -> str:
    text = (name if isinstance(name, str) else "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(_("The name is required."), field="name")
    if len(text) > NAME_MAX:
        raise ValidationError(
            lazy_format(_("The name is too long (at most %(max)d characters)."), max=NAME_MAX), field="name"
        )
    return text


def _clean_trigger(trigger: Any) -> str:
    if trigger not in Trigger.values:
        raise ValidationError(lazy_format(_("Unknown trigger “%(value)s”."), value=trigger), field="trigger")
    return str(trigger)


def check_loops(*, trigger: str, spec: Mapping[str, Any], rule_id: int | None, enabled: bool = True) -> None:
    """Refuse a rule that would loop: on "ticket updated", two rules (this one and another enabled one, or this
    one with itself) that set the same field to different values, neither with a condition on that field, would
    undo each other on every update. (The engine's chain guard stops any loop at run time as well.)"""
    if trigger != Trigger.TICKET_UPDATED or not enabled:
        return
    mine = spec_setters(spec)
    if not mine:
        return
    my_fields = spec_condition_fields(spec)
    others = Rule.objects.filter(trigger=Trigger.TICKET_UPDATED, enabled=True)
    if rule_id is not None:
        others = others.exclude(pk=rule_id)
    for other in others:
        theirs = spec_setters(other.spec)
        their_fields = spec_condition_fields(other.spec)
        for field, value in mine.items():
            if field in theirs and theirs[field] != value and field not in my_fields | their_fields:
                raise ValidationError(
                    lazy_format(
                        _(
                            "This rule would loop with the rule “%(other)s”: both change “%(field)s” to "
                            "different values on every update. Add a condition on that field to one of them."
                        ),
                        other=other.name,
                        field=FIELDS[field].label if field in FIELDS else field,
                    ),
                    field="spec",
                )


def _checked(name: Any, trigger: Any, spec: Any, rule_id: int | None, enabled: bool) -> tuple[str, str, dict]:
    clean_name = _clean_name(name)
    clean_trigger = _clean_trigger(trigger)
    clean = clean_spec(spec)
    if clean_trigger == Trigger.SCHEDULED and not any(
        FIELDS[c["field"]].kind == "hours" for c in clean["conditions"]
    ):
        raise ValidationError(
            _("A time-based rule needs a condition on hours (since created, since last update, in status)."),
            field="spec",
        )
    if clean_trigger == Trigger.SCHEDULED and clean["match"] == Match.ANY:
        raise ValidationError(_("A time-based rule must match all its conditions."), field="spec")
    if Rule.objects.filter(name=clean_name).exclude(pk=rule_id or 0).exists():
        raise ValidationError(_("A rule with this name already exists."), field="name")
    check_loops(trigger=clean_trigger, spec=clean, rule_id=rule_id, enabled=enabled)
    return clean_name, clean_trigger, clean


@transaction.atomic
def rule_create(*, name: Any, trigger: Any, spec: Any, actor: User | None, enabled: bool = True) -> Rule:
    _rules_changed()
    if Rule.objects.count() >= MAX_RULES:
        raise ValidationError(lazy_format(_("At most %(max)d rules."), max=MAX_RULES), field="name")
    clean_name, clean_trigger, clean = _checked(name, trigger, spec, None, enabled)
    last = Rule.objects.filter(trigger=clean_trigger).aggregate(m=Max("position"))["m"]
    return Rule.objects.create(
        name=clean_name,
        trigger=clean_trigger,
        match=clean["match"],
        conditions=clean["conditions"],
        actions=clean["actions"],
        position=(last or 0) + 1,
        enabled=enabled,
        created_by=actor if actor and actor.is_authenticated else None,
    )


@transaction.atomic
def rule_update(*, rule: Rule, name: Any, trigger: Any, spec: Any, enabled: bool) -> Rule:
    _rules_changed()
    locked = Rule.objects.select_for_update().get(pk=rule.pk)
    clean_name, clean_trigger, clean = _checked(name, trigger, spec, locked.pk, enabled)
    if clean_trigger != locked.trigger:
        last = Rule.objects.filter(trigger=clean_trigger).aggregate(m=Max("position"))["m"]
        locked.position = (last or 0) + 1
    locked.name, locked.trigger, locked.enabled = clean_name, clean_trigger, enabled
    locked.match, locked.conditions, locked.actions = clean["match"], clean["conditions"], clean["actions"]
    locked.save()
    return locked


@transaction.atomic
def rule_set_enabled(*, rule: Rule, enabled: bool) -> Rule:
    _rules_changed()
    locked = Rule.objects.select_for_update().get(pk=rule.pk)
    if enabled and not locked.enabled:
        check_loops(trigger=locked.trigger, spec=locked.spec, rule_id=locked.pk)
    locked.enabled = enabled
    locked.save(update_fields=["enabled", "updated_at"])
    return locked


@transaction.atomic
def rule_delete(*, rule: Rule) -> None:
    _rules_changed()
    Rule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def rule_move(*, rule: Rule, up: bool) -> None:
    _rules_changed()
    """Swap the rule with its neighbour in its trigger's order (positions renumbered 1…n)."""
    rules = list(Rule.objects.select_for_update().filter(trigger=rule.trigger).order_by("position", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, row in enumerate(rules, 1):
        if row.position != position:
            Rule.objects.filter(pk=row.pk).update(position=position)


def rules_export() -> dict[str, Any]:
    return {
        "format": "awn-automation-rules",
        "version": 1,
        "rules": [
            {"name": r.name, "trigger": r.trigger, "enabled": r.enabled, **r.spec}
            for r in Rule.objects.order_by("trigger", "position", "id")
        ],
    }


@transaction.atomic
def rules_import(*, data: Any, actor: User | None) -> list[Rule]:
    """Import exported rules: each validated as if typed in (a rule of the same name is replaced); one invalid
    rule refuses the whole file, naming it, and nothing is saved."""
    if not isinstance(data, Mapping) or data.get("format") != "awn-automation-rules":
        raise ValidationError(_("This is not an export of automation rules."), field="file")
    rows = data.get("rules")
    if not isinstance(rows, list) or len(rows) > MAX_RULES:
        raise ValidationError(_("This is not an export of automation rules."), field="file")
    saved: list[Rule] = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            raise ValidationError(lazy_format(_("Rule %(n)d: not a rule."), n=index), field="file")
        try:
            existing = (
                Rule.objects.filter(name=row.get("name")).first()
                if isinstance(row.get("name"), str)
                else None
            )
            enabled = row.get("enabled", True) is not False
            if existing is None:
                saved.append(
                    rule_create(
                        name=row.get("name"),
                        trigger=row.get("trigger"),
                        spec=row,
                        actor=actor,
                        enabled=enabled,
                    )
                )
            else:
                saved.append(
                    rule_update(
                        rule=existing,
                        name=row.get("name"),
                        trigger=row.get("trigger"),
                        spec=row,
                        enabled=enabled,
                    )
                )
        except DomainError as exc:
            raise ValidationError(
                lazy_format(
                    _("Rule %(n)d (%(name)s): %(error)s"), n=index, name=row.get("name"), error=exc.message
                ),
                field="file",
            ) from exc
    return saved


# ---- dry run -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DryRun:
    ticket: Ticket
    matches: bool
    conditions: list[tuple[dict[str, Any], bool]]
    changes: list[Change]


def rule_dry_run(*, trigger: Any, spec: Any, ticket: Ticket) -> DryRun:
    """What the (unsaved) rule would do to the ticket now: which conditions hold and what would change. Nothing
    is written; the rule is validated as on save (a ValidationError explains what is wrong)."""
    _clean_trigger(trigger)
    clean = clean_spec(spec)
    needed = {c["field"] for c in clean["conditions"]} | {"tags"}
    ticket = Ticket.objects.select_related("requester").get(pk=ticket.pk)
    facts = engine.facts_for(ticket, needed=needed)
    results = [(c, condition_holds(c, facts)) for c in clean["conditions"]]
    matches = conditions_hold(clean, facts)
    changes = engine.planned_changes(clean["actions"], ticket, facts.tags) if matches else []
    return DryRun(ticket=ticket, matches=matches, conditions=results, changes=changes)


# ---- running -----------------------------------------------------------------------------------------------


def rules_run_for_event(
    trigger: str, ticket_id: int, *, chain: tuple[int, ...] = (), message_id: int | None = None
) -> int:
    """The enabled rules of `trigger`, in order, against the ticket (after the event's commit)."""
    if len(chain) >= engine.MAX_DEPTH:
        return 0
    rules = enabled_rules(trigger)
    if not rules:
        return 0
    return engine.run_rules(rules, ticket_id, chain=chain, message_id=message_id)


_PREFILTER_CHOICES = {"category", "priority", "status", "channel"}


def _prefilter(rule: Rule, now: datetime) -> Q:
    """The database side of a time-based rule's conditions (all must hold): the rest is checked in Python."""
    q = Q(status__in=ACTIVE_STATUSES)
    for c in rule.conditions:
        field, op, value = c["field"], c["op"], c["value"]
        if field in _PREFILTER_CHOICES and op in ("is", "in"):
            q &= Q(**{f"{field}__in": value if op == "in" else [value]})
        elif field == "team" and op == "is":
            q &= Q(team_id=value)
        elif field in ("hours_since_created", "hours_in_status") and op == "gte":
            q &= Q(created_at__lte=now - timedelta(hours=value))
        elif field == "hours_since_updated" and op == "gte":
            q &= Q(updated_at__lte=now - timedelta(hours=value))
    return q


def _episode(facts: Any) -> str:
    """The key of the ticket's current status episode: a time-based rule fires once per episode."""
    return f"{facts.status}:{facts.status_since.isoformat()}"[:64]


def time_rules_run(now: datetime | None = None) -> int:
    """Every enabled time-based rule against the active tickets it may concern. Each (rule, ticket, episode)
    fires once: the ledger row is written in the rule's transaction before its actions, under a unique
    constraint, so a second run (a restart, two schedulers) finds it and does nothing."""
    now = now or timezone.now()
    fired = 0
    for rule in Rule.objects.filter(trigger=Trigger.SCHEDULED, enabled=True).order_by("position", "id"):
        fired += _time_rule_run(rule, now)
    return fired


def _time_rule_run(rule: Rule, now: datetime) -> int:
    needed = engine.needed_fields([rule]) | {"hours_in_status"}
    candidates = Ticket.objects.filter(_prefilter(rule, now)).select_related("requester").order_by("pk")
    fired = seen = 0
    last_pk = 0
    while seen < TIME_RULE_BUDGET:
        batch = list(candidates.filter(pk__gt=last_pk)[:TIME_RULE_BATCH])
        if not batch:
            break
        seen += len(batch)
        last_pk = batch[-1].pk
        ids = [t.pk for t in batch]
        since = engine._status_since(ids)
        done = set(RuleFiring.objects.filter(rule=rule, ticket_id__in=ids).values_list("ticket_id", "key"))
        for ticket in batch:
            facts = engine.facts_for(ticket, needed=needed, now=now, status_since=since.get(ticket.pk))
            key = _episode(facts)
            if (ticket.pk, key) in done or not conditions_hold(rule.spec, facts):
                continue
            fired += _fire_once(rule, ticket, key)
    return fired


def _fire_once(rule: Rule, ticket: Ticket, key: str) -> int:
    token = engine.chain_var.set((rule.pk,))
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    RuleFiring.objects.create(rule=rule, ticket=ticket, key=key)
            except IntegrityError:
                return 0  # fired already (another scheduler, a run before a restart)
            try:
                with transaction.atomic():
                    engine.apply_actions(name=rule.name, actions=rule.actions, ticket=ticket, actor=None)
            except DomainError as exc:
                # Kept as fired: a refused action is logged once, not retried every few minutes.
                logger.warning("time-based rule %s failed on ticket %s: %s", rule.pk, ticket.pk, exc)
                return 0
    finally:
        engine.chain_var.reset(token)
    return 1
