"""Forms for the calendar pages. Hours are typed as text per weekday ("08:00-12:00, 16:00-20:00"); each day is
checked by the pure module so an error shows under the day it is about."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.crm.enums import ContactType, OrganizationKind
from awn.crm.models import Organization
from awn.tickets.enums import Category, Channel, Priority, Status

from .business_time import (
    WEEK_ORDER,
    WEEKDAY_KEYS,
    WEEKDAY_NAMES,
    CalendarError,
    Interval,
    WeeklyHours,
    format_day_hours,
    normalize_day_hours,
    parse_day_hours,
)
from .enums import HolidayKind, Metric
from .matching import MAX_TARGET_MINUTES
from .models import BusinessCalendar, SlaPolicy

HOURS_HELP = _("For example 08:00-12:00, 16:00-20:00. Leave empty when closed.")


class WeeklyHoursForm(forms.Form):
    """One text field per weekday, Sunday first; cleaned_data["weekly_hours"] is {weekday: [(start, end)]}."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEK_ORDER:
            self.fields[f"hours_{WEEKDAY_KEYS[day]}"] = forms.CharField(
                label=WEEKDAY_NAMES[day], required=False, max_length=200, help_text=HOURS_HELP
            )

    @staticmethod
    def initial_hours(weekly: WeeklyHours) -> dict[str, str]:
        return {f"hours_{WEEKDAY_KEYS[day]}": format_day_hours(weekly.get(day, ())) for day in range(7)}

    def hour_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{WEEKDAY_KEYS[day]}"] for day in WEEK_ORDER]

    def other_fields(self) -> list[forms.BoundField]:
        return [field for field in self if not field.name.startswith("hours_")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weekly: dict[int, list[Interval]] = {}
        for day in range(7):
            name = f"hours_{WEEKDAY_KEYS[day]}"
            try:
                weekly[day] = list(
                    normalize_day_hours(parse_day_hours(cleaned.get(name, "")), where=WEEKDAY_NAMES[day])
                )
            except CalendarError as exc:
                self.add_error(name, str(exc.message))
        cleaned["weekly_hours"] = weekly
        return cleaned


class CalendarForm(WeeklyHoursForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams on this calendar"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Teams not ticked here work on the default calendar."),
    )


class OverrideForm(WeeklyHoursForm):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example: Ramadan 1448"))
    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))


class HolidayForm(forms.Form):
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=120)
    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=HolidayKind.choices, initial=HolidayKind.OTHER)
    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    calendar = forms.ModelChoiceField(
        label=_("Calendar"),
        queryset=BusinessCalendar.objects.all(),
        required=False,
        empty_label=_("Every calendar (national holiday)"),
    )
    estimated = forms.BooleanField(
        label=_("Estimated (not yet announced)"),
        required=False,
        help_text=_("Untick once the dates are announced."),
    )


class SeedForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1925, max_value=2077)


# --- SLA policies ----------------------------------------------------------------------------------------

MAX_TARGET_HOURS = Decimal(MAX_TARGET_MINUTES) / 60


def target_field(priority: str, metric: str) -> str:
    return f"target_{priority}_{metric}"


def business_field(priority: str, metric: str) -> str:
    return f"business_{priority}_{metric}"


class PolicyForm(forms.Form):
    """A policy: its conditions (an empty list matches any ticket) and a grid of targets, in hours, per priority
    and metric, each counted in business or calendar hours. The service checks everything again."""

    name = forms.CharField(label=_("name"), max_length=120)
    position = forms.IntegerField(
        label=_("order"),
        min_value=0,
        max_value=10000,
        initial=10,
        help_text=_("Policies are tried from the lowest order up; the first that matches applies."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
    categories = forms.MultipleChoiceField(
        label=_("categories"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    priorities = forms.MultipleChoiceField(
        label=_("priorities"), choices=Priority.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices_callable,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_types = forms.MultipleChoiceField(
        label=_("contact types"),
        choices=ContactType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offices = forms.ModelMultipleChoiceField(
        label=_("Education offices"),
        queryset=Organization.objects.filter(kind=OrganizationKind.EDUCATION_OFFICE).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    schools = forms.CharField(
        label=_("School numbers"),
        required=False,
        max_length=2000,
        help_text=_("Comma-separated school numbers; empty for every school."),
    )
    pause_statuses = forms.MultipleChoiceField(
        label=_("statuses that pause resolution"),
        choices=[(s, Status(s).label) for s in ("pending", "on_hold")],
        required=False,
        initial=["pending"],
        widget=forms.CheckboxSelectMultiple,
    )
    warning_percent = forms.IntegerField(
        label=_("warn at this percent of the target"), min_value=1, max_value=99, initial=75
    )
    hold_alerts_outside_hours = forms.BooleanField(
        label=_("hold warnings and breaches until business hours"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in Priority.values:
            for metric in Metric.values:
                self.fields[target_field(priority, metric)] = forms.DecimalField(
                    label=f"{Priority(priority).label} · {Metric(metric).label}",
                    required=False,
                    min_value=Decimal(0),
                    max_value=MAX_TARGET_HOURS,
                    max_digits=7,
                    decimal_places=2,
                )
                self.fields[business_field(priority, metric)] = forms.BooleanField(
                    label=_("business hours"), required=False, initial=True
                )

    @staticmethod
    def initial_for(policy: SlaPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": policy.name,
            "position": policy.position,
            "is_active": policy.is_active,
            "categories": policy.categories,
            "priorities": policy.priorities,
            "channels": policy.channels,
            "contact_types": policy.contact_types,
            "teams": policy.team_ids,
            "offices": [o for o in policy.organization_ids],
            "schools": "",
            "pause_statuses": policy.pause_statuses,
            "warning_percent": policy.warning_percent,
            "hold_alerts_outside_hours": policy.hold_alerts_outside_hours,
        }
        offices = set(
            Organization.objects.filter(
                pk__in=policy.organization_ids, kind=OrganizationKind.EDUCATION_OFFICE
            ).values_list("pk", flat=True)
        )
        initial["offices"] = sorted(offices)
        initial["schools"] = ", ".join(str(o) for o in policy.organization_ids if o not in offices)
        for priority in Priority.values:
            for metric in Metric.values:
                spec = (policy.targets.get(priority) or {}).get(metric)
                if spec:
                    hours = Decimal(int(spec["minutes"])) / 60
                    initial[target_field(priority, metric)] = hours.quantize(Decimal("0.01")).normalize()
                    initial[business_field(priority, metric)] = bool(spec.get("business", True))
                else:
                    initial[business_field(priority, metric)] = True
        return initial

    def clean_schools(self) -> list[int]:
        text = (self.cleaned_data.get("schools") or "").replace("،", ",")
        numbers = [part.strip() for part in text.split(",") if part.strip()]
        if any(not (n.isascii() and n.isdigit() and len(n) <= 12) for n in numbers):
            raise forms.ValidationError(_("Write school numbers separated by commas."))
        return sorted({int(n) for n in numbers})

    def grid(self) -> list[dict[str, Any]]:
        """Rows of the targets table: a priority and, per metric, its hours and business-hours fields."""
        return [
            {
                "label": Priority(priority).label,
                "cells": [
                    (self[target_field(priority, m)], self[business_field(priority, m)])
                    for m in Metric.values
                ],
            }
            for priority in Priority.values
        ]

    def values(self) -> dict[str, Any]:
        """What policy_save takes."""
        data = self.cleaned_data
        targets: dict[str, dict[str, dict[str, Any]]] = {}
        for priority in Priority.values:
            for metric in Metric.values:
                hours = data.get(target_field(priority, metric))
                if hours:
                    minutes = int((Decimal(hours) * 60).to_integral_value())
                    targets.setdefault(priority, {})[metric] = {
                        "minutes": minutes,
                        "business": bool(data.get(business_field(priority, metric))),
                    }
        return {
            "name": data["name"],
            "position": data["position"],
            "is_active": data["is_active"],
            "categories": data["categories"],
            "priorities": data["priorities"],
            "channels": data["channels"],
            "contact_types": data["contact_types"],
            "team_ids": [t.pk for t in data["teams"]],
            "organization_ids": [o.pk for o in data["offices"]] + list(data["schools"]),
            "pause_statuses": data["pause_statuses"],
            "warning_percent": data["warning_percent"],
            "hold_alerts_outside_hours": data["hold_alerts_outside_hours"],
            "targets": targets,
        }
