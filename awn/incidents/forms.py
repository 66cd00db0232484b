from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awn.tickets.enums import Category

from .enums import BroadcastKind


class IncidentForm(forms.Form):
    title_ar = forms.CharField(label=_("title (Arabic)"), max_length=200)
    title_en = forms.CharField(label=_("title (English)"), max_length=200, required=False)
    message_ar = forms.CharField(label=_("what happened (Arabic)"), widget=forms.Textarea(attrs={"rows": 3}))
    message_en = forms.CharField(
        label=_("what happened (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    guide_url = forms.CharField(label=_("guide link"), max_length=500, required=False)
    category = forms.ChoiceField(label=_("category"), choices=[("", "—"), *Category.choices], required=False)
    keywords = forms.CharField(
        label=_("keywords"),
        max_length=300,
        required=False,
        help_text=_("Comma-separated; a new contact whose text holds one of them gets the automatic reply."),
    )
    auto_reply = forms.BooleanField(label=_("automatic first reply"), required=False, initial=True)


class LinkForm(forms.Form):
    text = forms.CharField(label=_("search text"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("category"), choices=[("", "—"), *Category.choices], required=False)
    event_type = forms.CharField(
        label=_("external event"), max_length=64, required=False, help_text=_("e.g. login_failed")
    )
    event_hours = forms.IntegerField(label=_("within the last hours"), min_value=1, max_value=168, initial=1)
    created_hours = forms.IntegerField(
        label=_("tickets created within the last hours"), min_value=1, max_value=720, required=False
    )


class BroadcastForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=BroadcastKind.choices)
    body_ar = forms.CharField(label=_("message (Arabic)"), widget=forms.Textarea(attrs={"rows": 3}))
    body_en = forms.CharField(
        label=_("message (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
