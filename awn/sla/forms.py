"""Forms for the calendar pages. Hours are typed as text per weekday ("08:00-12:00, 16:00-20:00"); each day is
checked by the pure module so an error shows under the day it is about."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team

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
from .enums import HolidayKind
from .models import BusinessCalendar

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
