"""Forms of the staffing page: the what-if inputs (GET, nothing is saved) and a known peak."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.tickets.enums import Category, Channel

from .enums import AgentState
from .selectors import StaffingParams


def _channel_choices() -> list[tuple[str, Any]]:
    return [("", _("Every channel")), *Channel.choices]


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


class WhatIfForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_channel_choices)
    volume_multiplier = forms.DecimalField(
        label=_("Volume multiplier"),
        min_value=0,
        max_value=50,
        decimal_places=2,
        initial=1,
        help_text=_("2 = twice the forecast volume."),
    )
    aht_seconds = forms.IntegerField(
        label=_("Average handle time (seconds)"), min_value=10, max_value=7200, initial=180
    )
    target_percent = forms.IntegerField(
        label=_("Target service level (%)"), min_value=1, max_value=99, initial=80
    )
    target_seconds = forms.IntegerField(
        label=_("Target answer time (seconds)"), min_value=0, max_value=3600, initial=20
    )
    shrinkage_percent = forms.IntegerField(label=_("Shrinkage (%)"), min_value=0, max_value=90, initial=30)
    patience_seconds = forms.IntegerField(
        label=_("Average patience (seconds)"),
        min_value=10,
        max_value=3600,
        required=False,
        help_text=_("Leave empty to assume nobody abandons (Erlang C); fill it for Erlang A."),
    )
    max_occupancy_percent = forms.IntegerField(
        label=_("Maximum occupancy (%)"), min_value=10, max_value=100, required=False
    )

    @classmethod
    def initial_values(cls) -> dict[str, Any]:
        values = {name: field.initial for name, field in cls.base_fields.items() if field.initial is not None}
        values["day"] = tomorrow()
        values["channel"] = ""
        return values

    def params(self) -> StaffingParams:
        data = self.cleaned_data
        max_occ = data.get("max_occupancy_percent")
        return StaffingParams(
            day=data["day"],
            channel=data.get("channel") or "",
            volume_multiplier=float(data["volume_multiplier"]),
            aht_seconds=data["aht_seconds"],
            target_service_level=data["target_percent"] / 100,
            target_seconds=data["target_seconds"],
            shrinkage=data["shrinkage_percent"] / 100,
            patience_seconds=data.get("patience_seconds") or None,
            max_occupancy=max_occ / 100 if max_occ else None,
        )


class PeakForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    multiplier = forms.DecimalField(
        label=_("Multiplier"), min_value=0.1, max_value=50, decimal_places=2, initial=2
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_channel_choices)


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=AgentState.choices)


class CapacityForm(forms.Form):
    chats = forms.IntegerField(label=_("Chats at once"), min_value=0, max_value=20)
    calls = forms.IntegerField(label=_("Calls at once"), min_value=0, max_value=5)
    tickets = forms.IntegerField(label=_("Tickets in hand"), min_value=0, max_value=500)


class SkillsForm(forms.Form):
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=2000,
        help_text=_("For example: category:registration, language:ar, channel:whatsapp"),
    )


class OverflowForm(forms.Form):
    """A category's overflow thresholds (hybrid centers); both empty removes the rule."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    wait_seconds = forms.IntegerField(
        label=_("Longest wait above (seconds)"), min_value=0, max_value=86400, required=False
    )
    queue_length = forms.IntegerField(
        label=_("Contacts waiting above"), min_value=0, max_value=100000, required=False
    )
