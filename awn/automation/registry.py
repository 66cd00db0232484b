"""The whitelist of what a rule may look at and what it may do. Nothing else exists for a rule: a condition
names a field and an operator of the registries below, an action a type of ACTIONS; values are checked against
each entry's type before anything is saved. No expression is ever evaluated (no `eval`, no templates).

A rule's specification is plain JSON (stored on the Rule row, exported and imported as is):
    {"match": "all" | "any",
     "conditions": [{"field": "priority", "op": "is", "value": "urgent"}, …],
     "actions": [{"type": "set_priority", "value": "high"}, {"type": "add_tag", "value": "vip"}, …]}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team, User
from awn.accounts.policies import is_staff_member
from awn.core.channels import ChoiceSet
from awn.core.errors import ValidationError, lazy_format
from awn.core.text.arabic import normalize_arabic
from awn.crm.enums import ContactType
from awn.crm.models import Organization
from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.models import CannedResponse

from .enums import Match

MAX_CONDITIONS = 20
MAX_ACTIONS = 10
TEXT_MAX = 200
NOTE_MAX = 2000
HOURS_MAX = 24 * 366


# ---- the facts a condition reads ---------------------------------------------------------------------------


@dataclass
class Facts:
    """What the conditions of a rule see of one ticket at one moment (loaded once for all the rules)."""

    category: str
    priority: str
    status: str
    channel: str
    contact_type: str
    team: int | None
    assignee: int | None
    school: int | None
    tags: set[str]
    subject: str  # normalized
    body: str  # normalized: the message that triggered the rule, or the ticket's first message
    created_at: datetime
    updated_at: datetime
    status_since: datetime
    now: datetime
    extra: dict[str, Any] = field(default_factory=dict)


# ---- operators ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    label: Any
    many: bool = False  # the value is a list


OPERATORS: dict[str, Operator] = {
    "is": Operator(_("is")),
    "is_not": Operator(_("is not")),
    "in": Operator(_("is one of"), many=True),
    "not_in": Operator(_("is none of"), many=True),
    "contains": Operator(_("contains")),
    "not_contains": Operator(_("does not contain")),
    "gte": Operator(_("at least")),
    "lte": Operator(_("at most")),
}
CHOICE_OPS = ("is", "is_not", "in", "not_in")
TEXT_OPS = ("contains", "not_contains")
NUMBER_OPS = ("gte", "lte")


# ---- fields ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    label: Any
    kind: str  # choice | id | tag | text | hours
    ops: tuple[str, ...]
    choices: ChoiceSet | None = None
    exists: Callable[[int], bool] | None = None  # for "id" fields: the referenced row exists


def _team_exists(pk: int) -> bool:
    return Team.objects.filter(pk=pk).exists()


def _school_exists(pk: int) -> bool:
    return Organization.objects.filter(pk=pk).exists()


FIELDS: dict[str, Field] = {
    "category": Field(_("Category"), "choice", CHOICE_OPS, Category),
    "priority": Field(_("Priority"), "choice", CHOICE_OPS, Priority),
    "status": Field(_("Status"), "choice", CHOICE_OPS, Status),
    "channel": Field(_("Channel"), "choice", CHOICE_OPS, Channel),
    "contact_type": Field(_("Contact type"), "choice", CHOICE_OPS, ContactType),
    "team": Field(_("Team"), "id", ("is", "is_not"), exists=_team_exists),
    "school": Field(_("School"), "id", ("is", "is_not"), exists=_school_exists),
    "tags": Field(_("Tags"), "tag", TEXT_OPS),
    "subject": Field(_("Subject"), "text", TEXT_OPS),
    "body": Field(_("Message text"), "text", TEXT_OPS),
    "hours_since_created": Field(_("Hours since created"), "hours", NUMBER_OPS),
    "hours_since_updated": Field(_("Hours since last update"), "hours", NUMBER_OPS),
    "hours_in_status": Field(_("Hours in the current status"), "hours", NUMBER_OPS),
}


def _hours(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds() / 3600


def _fact(facts: Facts, name: str) -> Any:
    if name == "hours_since_created":
        return _hours(facts.created_at, facts.now)
    if name == "hours_since_updated":
        return _hours(facts.updated_at, facts.now)
    if name == "hours_in_status":
        return _hours(facts.status_since, facts.now)
    return getattr(facts, name)


def condition_holds(condition: Mapping[str, Any], facts: Facts) -> bool:
    """One validated condition against the facts (a pure function: no query, no side effect)."""
    name, op, value = condition["field"], condition["op"], condition["value"]
    kind = FIELDS[name].kind
    actual = _fact(facts, name)
    if kind == "tag":
        has = normalize_arabic(value) in {normalize_arabic(t) for t in actual}
        return has if op == "contains" else not has
    if kind == "text":
        has = normalize_arabic(value) in actual
        return has if op == "contains" else not has
    if kind == "hours":
        return bool(actual >= value if op == "gte" else actual <= value)
    if op == "is":
        return bool(actual == value)
    if op == "is_not":
        return bool(actual != value)
    if op == "in":
        return actual in value
    return actual not in value  # not_in


def conditions_hold(spec: Mapping[str, Any], facts: Facts) -> bool:
    results = (condition_holds(c, facts) for c in spec.get("conditions", ()))
    if spec.get("match", Match.ALL) == Match.ANY:
        conditions = spec.get("conditions", ())
        return not conditions or any(results)
    return all(results)


# ---- actions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: Any
    kind: str  # choice | team | user | tag | text | canned | users | none
    ticket_field: str = ""  # for set_* actions: the ticket field it changes
    choices: ChoiceSet | None = None


ACTIONS: dict[str, Action] = {
    "set_priority": Action(_("Set priority"), "choice", "priority", Priority),
    "set_status": Action(_("Set status"), "choice", "status", Status),
    "set_category": Action(_("Set category"), "choice", "category", Category),
    "set_team": Action(_("Assign to team"), "team", "team"),
    "set_assignee": Action(_("Assign to agent"), "user", "assignee"),
    "add_tag": Action(_("Add tag"), "tag"),
    "add_note": Action(_("Add internal note"), "text"),
    "send_canned_reply": Action(_("Send canned reply"), "canned"),
    "notify_users": Action(_("Notify agents"), "users"),
    "notify_team": Action(_("Notify team"), "team"),
    "escalate": Action(_("Escalate to the supervisor"), "none"),
}
# The ticket changes an action makes, as (field, value) pairs: for the loop check and the dry run.
SETTERS = {name: a.ticket_field for name, a in ACTIONS.items() if a.ticket_field}


# ---- validation --------------------------------------------------------------------------------------------


def _error(message: Any, position: Any, **params: Any) -> ValidationError:
    return ValidationError(lazy_format(message, position=position, **params), field="spec")


def _choice(value: Any, choices: ChoiceSet, position: Any) -> str:
    if not isinstance(value, str) or value not in choices.values:
        raise _error(_("%(position)s: “%(value)s” is not one of the allowed values."), position, value=value)
    return value


def _positive_id(value: Any, position: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise _error(_("%(position)s: a number is expected."), position)
    number = int(value)
    if not 0 < number < 2**31:
        raise _error(_("%(position)s: a number is expected."), position)
    return number


def _text(value: Any, position: Any, max_length: int = TEXT_MAX) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(_("%(position)s: a text is expected."), position)
    text = value.replace("\x00", "").strip()
    if len(text) > max_length:
        raise _error(
            _("%(position)s: the text is too long (at most %(max)d characters)."), position, max=max_length
        )
    return text


def _clean_condition(raw: Any, index: int) -> dict[str, Any]:
    position: Any = lazy_format(_("Condition %(n)d"), n=index)
    if not isinstance(raw, Mapping):
        raise _error(_("%(position)s: not a condition."), position)
    name, op, value = raw.get("field"), raw.get("op"), raw.get("value")
    entry = FIELDS.get(name) if isinstance(name, str) else None
    if entry is None:
        raise _error(_("%(position)s: unknown field “%(field)s”."), position, field=name)
    if op not in entry.ops:
        raise _error(
            _("%(position)s: the operator “%(op)s” cannot be used with “%(field)s”."),
            position,
            op=op,
            field=entry.label,
        )
    if OPERATORS[op].many:
        if not isinstance(value, list) or not value or len(value) > 50:
            raise _error(_("%(position)s: a list of values is expected."), position)
        assert entry.choices is not None  # only choice fields take lists
        return {"field": name, "op": op, "value": [_choice(v, entry.choices, position) for v in value]}
    if entry.kind == "choice":
        assert entry.choices is not None
        clean: Any = _choice(value, entry.choices, position)
    elif entry.kind == "id":
        clean = _positive_id(value, position)
        assert entry.exists is not None
        if not entry.exists(clean):
            raise _error(_("%(position)s: no such team or school."), position)
    elif entry.kind in ("tag", "text"):
        clean = _text(value, position, 60 if entry.kind == "tag" else TEXT_MAX)
    else:  # hours
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= HOURS_MAX:
            raise _error(
                _("%(position)s: a number of hours between 0 and %(max)d is expected."),
                position,
                max=HOURS_MAX,
            )
        clean = value
    return {"field": name, "op": op, "value": clean}


def _clean_action(raw: Any, index: int) -> dict[str, Any]:
    position: Any = lazy_format(_("Action %(n)d"), n=index)
    if not isinstance(raw, Mapping):
        raise _error(_("%(position)s: not an action."), position)
    name, value = raw.get("type"), raw.get("value")
    entry = ACTIONS.get(name) if isinstance(name, str) else None
    if entry is None:
        raise _error(_("%(position)s: unknown action “%(action)s”."), position, action=name)
    if entry.kind == "choice":
        assert entry.choices is not None
        clean: Any = _choice(value, entry.choices, position)
    elif entry.kind == "team":
        clean = _positive_id(value, position)
        if not Team.objects.filter(pk=clean).exists():
            raise _error(_("%(position)s: no such team."), position)
    elif entry.kind == "user":
        clean = _positive_id(value, position)
        user = User.objects.filter(pk=clean).first()
        if user is None or not is_staff_member(user):
            raise _error(_("%(position)s: the agent must be an active staff member."), position)
    elif entry.kind == "users":
        if not isinstance(value, list) or not value or len(value) > 20:
            raise _error(_("%(position)s: a list of agents is expected."), position)
        clean = sorted({_positive_id(v, position) for v in value})
        staff = [u for u in User.objects.filter(pk__in=clean) if is_staff_member(u)]
        if len(staff) != len(clean):
            raise _error(_("%(position)s: the agent must be an active staff member."), position)
    elif entry.kind == "tag":
        clean = _text(value, position, 60)
    elif entry.kind == "text":
        clean = _text(value, position, NOTE_MAX)
    elif entry.kind == "canned":
        clean = _positive_id(value, position)
        if not CannedResponse.objects.filter(pk=clean).exists():
            raise _error(_("%(position)s: no such canned response."), position)
    else:
        clean = None
    return {"type": name, "value": clean}


def clean_spec(raw: Any) -> dict[str, Any]:
    """The rule's specification, checked against the registries and normalized; ValidationError otherwise."""
    if not isinstance(raw, Mapping):
        raise ValidationError(_("The rule is not valid."), field="spec")
    match = raw.get("match", Match.ALL)
    if match not in Match.values:
        raise ValidationError(_("Match must be “all” or “any”."), field="spec")
    conditions, actions = raw.get("conditions", []), raw.get("actions", [])
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        raise ValidationError(lazy_format(_("At most %(max)d conditions."), max=MAX_CONDITIONS), field="spec")
    if not isinstance(actions, list) or not actions or len(actions) > MAX_ACTIONS:
        raise ValidationError(
            lazy_format(_("A rule needs between 1 and %(max)d actions."), max=MAX_ACTIONS), field="spec"
        )
    spec: dict[str, Any] = {
        "match": str(match),
        "conditions": [_clean_condition(c, i) for i, c in enumerate(conditions, 1)],
        "actions": [_clean_action(a, i) for i, a in enumerate(actions, 1)],
    }
    setters: dict[str, Any] = {}
    for action in spec["actions"]:
        target = SETTERS.get(action["type"])
        if target is None:
            continue
        if target in setters and setters[target] != action["value"]:
            raise ValidationError(
                lazy_format(
                    _("The rule sets “%(field)s” twice to different values."),
                    field=ACTIONS[action["type"]].label,
                ),
                field="spec",
            )
        setters[target] = action["value"]
    return spec


def spec_setters(spec: Mapping[str, Any]) -> dict[str, Any]:
    """{ticket field: value} of a validated spec's set_* actions."""
    return {SETTERS[a["type"]]: a["value"] for a in spec.get("actions", ()) if a["type"] in SETTERS}


def spec_condition_fields(spec: Mapping[str, Any]) -> set[str]:
    return {c["field"] for c in spec.get("conditions", ())}
