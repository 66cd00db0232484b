from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Survey

CSAT_CHOICES = [
    (5, _("5 — Very satisfied")),
    (4, _("4 — Satisfied")),
    (3, _("3 — Neutral")),
    (2, _("2 — Dissatisfied")),
    (1, _("1 — Very dissatisfied")),
]
CES_CHOICES = [(n, str(n)) for n in range(1, 8)]
NPS_CHOICES = [(n, str(n)) for n in range(0, 11)]


class SurveyForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with the help you received?"),
        choices=CSAT_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    ces = forms.TypedChoiceField(
        label=_("How easy was it to get your problem solved? (1 very hard — 7 very easy)"),
        choices=CES_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend our support to others? (0 not at all — 10 very likely)"),
        choices=NPS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto", "class": "form-control"}),
    )

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not survey.ask_ces:
            del self.fields["ces"]
        if not survey.ask_nps:
            del self.fields["nps"]


class SurveySettingsForm(forms.ModelForm):
    """What the survey asks and when: CSAT and the comment always; CES and NPS on or off; the link's life and the
    reminder's delay."""

    class Meta:
        model = Survey
        fields = ["ask_ces", "ask_nps", "expiry_days", "reminder_after_hours"]

    def clean_expiry_days(self) -> int:
        days = int(self.cleaned_data["expiry_days"])
        if not 1 <= days <= 60:
            raise forms.ValidationError(_("Between 1 and 60 days."))
        return days

    def clean_reminder_after_hours(self) -> int:
        hours = int(self.cleaned_data["reminder_after_hours"])
        if not 1 <= hours <= 24 * 30:
            raise forms.ValidationError(_("Between 1 hour and 30 days."))
        return hours
