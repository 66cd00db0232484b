"""Forms of the administration pages that need the ticket categories (accounts cannot import tickets)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.accounts.enums import TeamKind
from awn.tickets.enums import Category


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=TeamKind.choices)
    categories = forms.MultipleChoiceField(
        label=_("Categories an outsourced team covers"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
