"""Reads of stored triage, shaped for the agent's ticket page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from awn.tickets.enums import Category, Priority
from awn.tickets.models import Ticket

from ..models import Dialect, Sentiment, TicketTriage
from .lexicons import COMBOS

_CUE_LABELS = {combo.code: combo.label for combo in COMBOS}


def cue_labels(codes: list[str]) -> list[str]:
    """Stored cue codes in words an agent understands (active language); unknown codes as they are."""
    return [str(_CUE_LABELS.get(code, code)) for code in codes]


def triage_for_ticket(ticket: Ticket) -> TicketTriage | None:
    return TicketTriage.objects.select_related("corrected_by").filter(ticket_id=ticket.pk).first()


@dataclass(frozen=True)
class TriageField:
    name: str
    label: Any
    value: str
    display: str
    percent: int | None
    corrected: str
    corrected_display: str
    choices: list[tuple[str, str]]


def _display(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


def triage_card(ticket: Ticket) -> dict[str, Any] | None:
    """What the triage card shows: each field with its confidence and the agent's correction, and the cues."""
    triage = triage_for_ticket(ticket)
    if triage is None:
        return None
    rows = []
    for name, label, choices, confidence in (
        ("category", _("Category"), Category, triage.category_confidence),
        ("priority", _("Priority"), Priority, triage.priority_confidence),
        ("sentiment", _("Sentiment"), Sentiment, triage.sentiment_confidence),
        ("dialect", _("Dialect"), Dialect, triage.dialect_confidence),
    ):
        value = getattr(triage, name)
        corrected = getattr(triage, f"corrected_{name}")
        rows.append(
            TriageField(
                name=name,
                label=label,
                value=value,
                display=_display(choices, value),
                percent=round(confidence * 100),
                corrected=corrected,
                corrected_display=_display(choices, corrected),
                choices=[(str(v), str(lbl)) for v, lbl in choices.choices],
            )
        )
    return {"triage": triage, "fields": rows, "cues": cue_labels(list(triage.cues or []))}


def triage_out(triage: TicketTriage) -> dict[str, Any]:
    """The API's shape of a stored triage."""
    return {
        "ticket_id": triage.ticket_id,
        "category": triage.category,
        "category_confidence": triage.category_confidence,
        "priority": triage.priority,
        "priority_confidence": triage.priority_confidence,
        "sentiment": triage.sentiment,
        "sentiment_confidence": triage.sentiment_confidence,
        "language": triage.language,
        "dialect": triage.dialect,
        "dialect_confidence": triage.dialect_confidence,
        "cues": list(triage.cues or []),
        "cue_labels": cue_labels(list(triage.cues or [])),
        "model_version": triage.model_version,
        "applied_fields": list(triage.applied_fields or []),
        "corrected": triage.is_reviewed,
        "corrected_category": triage.corrected_category or None,
        "corrected_priority": triage.corrected_priority or None,
        "corrected_sentiment": triage.corrected_sentiment or None,
        "corrected_dialect": triage.corrected_dialect or None,
        "corrected_by_id": triage.corrected_by_id,
        "corrected_at": triage.corrected_at,
        "created_at": triage.created_at,
    }
