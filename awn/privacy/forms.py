"""The audit search form: every field optional; a bad value is shown next to its field and filters nothing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.core.ids import MAX_ID

from .enums import AccessAction
from .selectors import AuditFilter


class AuditFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Person (contact id)"), required=False, min_value=1, max_value=MAX_ID)
    user = forms.CharField(label=_("User (username)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AccessAction.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_user(self) -> str:
        return str(self.cleaned_data.get("user") or "").replace("\x00", "").strip()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> AuditFilter:
        d = self.cleaned_data
        return AuditFilter(
            subject_id=d.get("person"),
            username=d.get("user") or "",
            action=d.get("action") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )
