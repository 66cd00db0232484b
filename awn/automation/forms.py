"""The rule form: a name, a trigger, all/any, rows of (field, operator, value) and rows of (action, value).

The form only turns the rows into the rule's JSON specification; the registry (registry.clean_spec, called by the
services) is the one judge of what is valid, so a page, an import and the API refuse the same things alike."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.tickets.enums import Category

from .enums import Match, Scope, Trigger
from .registry import ACTIONS, FIELDS, OPERATORS

CONDITION_ROWS = 6
ACTION_ROWS = 5
_LIST_SPLIT = re.compile(r"[,،]")


def _number(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    return text


def condition_value(field: str, op: str, text: str) -> Any:
    """The typed value of a condition row (a list for "is one of", numbers for ids and hours); what cannot be
    read is passed on as typed, for the registry to refuse with its message."""
    entry = FIELDS.get(field)
    if op in OPERATORS and OPERATORS[op].many:
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]
    if entry is not None and entry.kind in ("id", "hours"):
        return _number(text)
    return text.strip()


def action_value(kind: str, text: str) -> Any:
    entry = ACTIONS.get(kind)
    if entry is None or entry.kind == "none":
        return None
    if entry.kind == "users":
        return [_number(part) for part in _LIST_SPLIT.split(text) if part.strip()]
    if entry.kind in ("team", "user", "canned"):
        return _number(text)
    return text.strip()


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    match = forms.ChoiceField(label=_("Match"), choices=Match.choices, initial=Match.ALL)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    ticket_number = forms.IntegerField(label=_("Ticket number to test against"), required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_choices = [("", "—"), *((name, f.label) for name, f in FIELDS.items())]
        op_choices = [("", "—"), *((name, o.label) for name, o in OPERATORS.items())]
        action_choices = [("", "—"), *((name, a.label) for name, a in ACTIONS.items())]
        for i in range(CONDITION_ROWS):
            self.fields[f"c{i}_field"] = forms.ChoiceField(
                label=_("Field"), choices=field_choices, required=False
            )
            self.fields[f"c{i}_op"] = forms.ChoiceField(
                label=_("Operator"), choices=op_choices, required=False
            )
            self.fields[f"c{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=2000)
        for i in range(ACTION_ROWS):
            self.fields[f"a{i}_type"] = forms.ChoiceField(
                label=_("Action"), choices=action_choices, required=False
            )
            self.fields[f"a{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=2000)

    @staticmethod
    def initial_for(rule: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule.name,
            "trigger": rule.trigger,
            "match": rule.match,
            "enabled": rule.enabled,
        }
        for i, c in enumerate(rule.conditions[:CONDITION_ROWS]):
            value = c["value"]
            initial[f"c{i}_field"], initial[f"c{i}_op"] = c["field"], c["op"]
            initial[f"c{i}_value"] = ", ".join(map(str, value)) if isinstance(value, list) else value
        for i, a in enumerate(rule.actions[:ACTION_ROWS]):
            value = a["value"]
            initial[f"a{i}_type"] = a["type"]
            initial[f"a{i}_value"] = (
                ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else value)
            )
        return initial

    def spec(self) -> dict[str, Any]:
        """The rows as the rule's specification (empty rows skipped), not yet validated."""
        data = self.cleaned_data
        conditions = [
            {
                "field": data[f"c{i}_field"],
                "op": data[f"c{i}_op"],
                "value": condition_value(data[f"c{i}_field"], data[f"c{i}_op"], data[f"c{i}_value"]),
            }
            for i in range(CONDITION_ROWS)
            if data.get(f"c{i}_field") or data.get(f"c{i}_op") or data.get(f"c{i}_value")
        ]
        actions = [
            {"type": data[f"a{i}_type"], "value": action_value(data[f"a{i}_type"], data[f"a{i}_value"])}
            for i in range(ACTION_ROWS)
            if data.get(f"a{i}_type") or data.get(f"a{i}_value")
        ]
        return {"match": data["match"], "conditions": conditions, "actions": actions}

    def condition_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"c{i}_field"], self[f"c{i}_op"], self[f"c{i}_value"]) for i in range(CONDITION_ROWS)]

    def action_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"a{i}_type"], self[f"a{i}_value"]) for i in range(ACTION_ROWS)]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Rules file (JSON)"))


class CannedForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Placeholders: {{contact.name}}, {{contact.first_name}}, {{ticket.reference}}, {{agent.name}}"
        ),
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)
    scope = forms.ChoiceField(label=_("Visible to"), choices=Scope.choices, initial=Scope.PERSONAL)


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    scope = forms.ChoiceField(label=_("Visible to"), choices=Scope.choices, initial=Scope.PERSONAL)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action_choices = [("", "—"), *((name, a.label) for name, a in ACTIONS.items())]
        for i in range(ACTION_ROWS):
            self.fields[f"a{i}_type"] = forms.ChoiceField(
                label=_("Action"), choices=action_choices, required=False
            )
            self.fields[f"a{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=2000)

    @staticmethod
    def initial_for(macro: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": macro.name, "scope": macro.scope}
        for i, a in enumerate(macro.actions[:ACTION_ROWS]):
            value = a["value"]
            initial[f"a{i}_type"] = a["type"]
            initial[f"a{i}_value"] = (
                ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else value)
            )
        return initial

    def actions(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"type": data[f"a{i}_type"], "value": action_value(data[f"a{i}_type"], data[f"a{i}_value"])}
            for i in range(ACTION_ROWS)
            if data.get(f"a{i}_type") or data.get(f"a{i}_value")
        ]

    def action_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"a{i}_type"], self[f"a{i}_value"]) for i in range(ACTION_ROWS)]
