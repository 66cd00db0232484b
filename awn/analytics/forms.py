"""The reports' filters (GET): a period of days and optional dimensions. A bad value is an error on the page in
the reader's language, never a 500, and the page then shows no figures."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.enums import TeamKind
from awn.tickets.enums import Category, Channel

from .enums import ReportFrequency
from .selectors import NO_TEAM, REPORT_TZ, ReportFilter


def _channel_choices() -> list[tuple[str, Any]]:
    return [("", _("All")), *Channel.choices]


DEFAULT_DAYS = 30
MAX_DAYS = 366

BREAKDOWNS: dict[str, Any] = {
    "team_id": _("Team"),
    "team_kind": _("Vendor kind"),
    "channel": _("Channel"),
    "category": _("Category"),
    "school_id": _("School"),
    "education_office_id": _("Education office"),
}


def today() -> date:
    return timezone.now().astimezone(REPORT_TZ).date()


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ChoiceField(label=_("Team"), required=False)
    team_kind = forms.ChoiceField(
        label=_("Vendor kind"), required=False, choices=[("", _("All")), *TeamKind.choices]
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_channel_choices)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )
    by = forms.ChoiceField(label=_("Breakdown by"), required=False, choices=list(BREAKDOWNS.items()))
    # Drill-down only (hidden on the page): one day of the trend, one cell of the heatmap.
    day = forms.DateField(required=False, widget=forms.HiddenInput)
    weekday = forms.IntegerField(required=False, min_value=1, max_value=7, widget=forms.HiddenInput)
    hour = forms.IntegerField(required=False, min_value=0, max_value=23, widget=forms.HiddenInput)
    group = forms.ChoiceField(
        required=False, choices=[("", "")] + [(c, c) for c in BREAKDOWNS], widget=forms.HiddenInput
    )
    value = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, teams: list[tuple[int, str, str]], restricted: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [] if restricted else [("", _("All")), (NO_TEAM, _("No team"))]
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ChoiceField)
        team_field.choices = choices + [(str(pk), name) for pk, name, _kind in teams]
        if restricted:
            for name in ("team_kind",):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or today()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start of the period must not be after its end."), code="order")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(
                _("A report covers at most %(days)s days.") % {"days": MAX_DAYS}, code="too_long"
            )
        data["start"], data["end"] = start, end
        return data

    def report_filter(self) -> ReportFilter:
        d = self.cleaned_data
        return ReportFilter(
            start=d["start"],
            end=d["end"],
            team=d.get("team") or "",
            team_kind=d.get("team_kind") or "",
            channel=d.get("channel") or "",
            category=d.get("category") or "",
            day=d.get("day"),
            weekday=d.get("weekday"),
            hour=d.get("hour"),
            group=d.get("group") or "",
            value=d.get("value") or "",
        )


MAX_RECIPIENTS = 20
_SEPARATORS = re.compile(r"[\s,;،]+")


class ReportSubscriptionForm(forms.Form):
    """A scheduled report: how often, to whom, in which language, for which team, broken down by what."""

    frequency = forms.ChoiceField(label=_("Frequency"), choices=ReportFrequency.choices)
    recipients = forms.CharField(
        label=_("Recipients"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
        help_text=_("Email addresses, separated by commas or new lines (at most 20)."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="ar")
    team = forms.ChoiceField(label=_("Team"), required=False)
    by = forms.ChoiceField(label=_("Breakdown by"), choices=list(BREAKDOWNS.items()), initial="team_id")

    def __init__(
        self, *args: Any, teams: list[tuple[int, str, str]], restricted: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ChoiceField)
        choices: list[tuple[str, Any]] = [] if restricted else [("", _("All"))]
        team_field.choices = choices + [(str(pk), name) for pk, name, _kind in teams]

    def clean_recipients(self) -> list[str]:
        found: list[str] = []
        for address in _SEPARATORS.split(self.cleaned_data["recipients"]):
            if not address:
                continue
            try:
                validate_email(address)
            except ValidationError as error:
                raise forms.ValidationError(
                    _("“%(address)s” is not an email address.") % {"address": address[:80]}, code="invalid"
                ) from error
            if address.lower() not in (a.lower() for a in found):
                found.append(address)
        if not found:
            raise forms.ValidationError(_("Give at least one email address."), code="required")
        if len(found) > MAX_RECIPIENTS:
            raise forms.ValidationError(
                _("At most %(n)s recipients.") % {"n": MAX_RECIPIENTS}, code="too_many"
            )
        return found

    def subscription_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "frequency": d["frequency"],
            "recipients": d["recipients"],
            "language": d["language"],
            "team_id": int(d["team"]) if d.get("team") else None,
            "by": d["by"],
        }


class CompareForm(forms.Form):
    """Before and after a change (a guide published, a form fixed): one category, the day it changed, how many
    days on each side."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    changed_on = forms.DateField(
        label=_("Changed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day after."),
    )
    days = forms.IntegerField(label=_("Days on each side"), min_value=1, max_value=180, initial=28)
