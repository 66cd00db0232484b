"""Retention per kind of data (issue 15, item 4; RELIABILITY S12): what is past its period is emptied, by the
hourly job `awn.privacy.tasks.apply_retention`. Idempotent: a second run changes nothing.

Rules name their model by label (privacy sits below the apps whose data it ages out, and imports none of them).
Rows are kept, their personal content emptied: a raw channel event keeps its (inbox, external id) so that a late
redelivery stays a no-op; an email keeps its status for the ticket's history. The access audit and the erasure
ledger are legal-hold data and have no rule here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class RetentionRule:
    kind: str  # key of settings.AWN_RETENTION_DAYS
    model: str  # app_label.ModelName
    date_field: str
    emptied: dict[str, Any]
    only: dict[str, Any] = field(default_factory=dict)  # e.g. only finished rows
    exclude: dict[str, Any] = field(default_factory=dict)


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        "raw_channel_payloads",
        "connectors.InboundEvent",
        "received_at",
        {"payload": {}, "last_error": ""},
        exclude={"status": "pending"},
    ),
    RetentionRule(
        "email_notifications",
        "notifications.Notification",
        "created_at",
        {"to_email": "", "body": ""},
        exclude={"status": "pending"},
    ),
    RetentionRule(
        "education_events",
        "crm.ExternalEvent",
        "occurred_at",
        {"payload": {}, "reason": "", "national_id": ""},
    ),
)


def _not_yet_emptied(emptied: dict[str, Any]) -> Q:
    condition = Q()
    for name, value in emptied.items():
        condition |= ~Q(**{name: value})
    return condition


def apply_retention(now: dt.datetime | None = None) -> dict[str, int]:
    """Empty every row past its kind's period; returns how many rows each kind emptied."""
    now = now or timezone.now()
    periods: dict[str, int] = getattr(settings, "AWN_RETENTION_DAYS", {}) or {}
    done: dict[str, int] = {}
    for rule in RULES:
        days = int(periods.get(rule.kind, 0) or 0)
        try:
            model = apps.get_model(rule.model)
        except LookupError:
            model = None
        if days <= 0 or model is None:
            done[rule.kind] = 0
            continue
        cutoff = now - dt.timedelta(days=days)
        qs = (
            model._default_manager.filter(**{f"{rule.date_field}__lt": cutoff}, **rule.only)
            .exclude(**rule.exclude)
            .filter(_not_yet_emptied(rule.emptied))
        )
        with transaction.atomic():
            done[rule.kind] = qs.update(**rule.emptied)
    return done
