"""Parsing of what the workspace pages post. Forms only read input; the services validate the domain."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from awn.core.ids import is_id
from awn.tickets.enums import Category, Channel, MessageKind, Priority, Status
from awn.tickets.selectors import DEFAULT_QUEUE, DEFAULT_SORT, QUEUES, SORTS

FILTER_NAMES = ("status", "priority", "category", "channel", "team", "q")
# The values each choice filter accepts (code constants; `Enum.values` builds a new list on every call). Channels
# are a registry (awn/core/channels.py), asked each time: a channel may register after this module is imported.
FILTER_CHOICES: dict[str, Container[str]] = {
    "status": frozenset(Status.values),
    "priority": frozenset(Priority.values),
    "category": frozenset(Category.values),
    "channel": Channel,
}


def _int(value: str | None, default: int, *, low: int, high: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return min(max(number, low), high)


@dataclass
class QueueParams:
    queue: str = DEFAULT_QUEUE
    sort: str = DEFAULT_SORT
    page: int = 1
    page_size: int = 25
    filters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, data: QueryDict) -> QueueParams:
        queue = data.get("queue", "")
        sort = data.get("sort", "")
        choices = FILTER_CHOICES
        filters: dict[str, str] = {}
        for name in FILTER_NAMES:
            value = (data.get(name) or "").strip()
            if not value:
                continue
            if name in choices and value not in choices[name]:
                continue
            if name == "team" and not (is_id(value) or value == "none"):
                continue
            filters[name] = value[:200]
        return cls(
            queue=queue if queue in QUEUES else DEFAULT_QUEUE,
            sort=sort if sort in SORTS else DEFAULT_SORT,
            page=_int(data.get("page"), 1, low=1, high=1_000_000),
            page_size=_int(
                data.get("page_size"), settings.AWN_PAGE_SIZE, low=1, high=settings.AWN_PAGE_SIZE_MAX
            ),
            filters=filters,
        )


STATUS_AFTER_CHOICES = [("", _("Keep the current status"))] + [
    (value, label) for value, label in Status.choices if value != Status.NEW
]


class ComposerForm(forms.Form):
    body = forms.CharField(required=False, strip=False)
    kind = forms.ChoiceField(choices=MessageKind.choices, initial=MessageKind.REPLY)
    status_after = forms.ChoiceField(choices=STATUS_AFTER_CHOICES, required=False)


# Properties panel: posted name → ticket_update key (the same key is used for `seen`).
PROPERTY_FIELDS = {
    "status": "status",
    "priority": "priority",
    "category": "category",
    "team": "team_id",
    "assignee": "assignee_id",
}


def property_changes(data: QueryDict) -> tuple[dict[str, str | None], dict[str, str]]:
    """The fields the agent changed (posted value differs from `seen_<field>`) and what they saw."""
    changes: dict[str, str | None] = {}
    seen: dict[str, str] = {}
    for name, key in PROPERTY_FIELDS.items():
        if name not in data:
            continue
        value = (data.get(name) or "").strip()
        was = (data.get(f"seen_{name}") or "").strip()
        if value == was:
            continue
        changes[key] = value or None
        seen[key] = was
    return changes, seen


BULK_ACTIONS = ("assign_me", "assign", "team", "status", "priority")


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    action = forms.ChoiceField(choices=[(a, a) for a in BULK_ACTIONS])
    assignee = forms.CharField(required=False)
    team = forms.CharField(required=False)
    status = forms.ChoiceField(choices=[("", ""), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", ""), *Priority.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw if is_id(v)]  # type: ignore[attr-defined]

    def ticket_ids(self) -> list[int]:
        return sorted(set(self.cleaned_data.get("ids") or []))[: settings.AWN_PAGE_SIZE_MAX]


class TicketNumberForm(forms.Form):
    number = forms.CharField(max_length=40)


class TagsForm(forms.Form):
    tags = forms.CharField(required=False, max_length=1000)

    def tag_list(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("،", ",").split(",") if t.strip()][:30]


class ContactMergeForm(forms.Form):
    other = forms.IntegerField(min_value=1)
