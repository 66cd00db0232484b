from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .enums import STAFF_ROLE_CHOICES, TokenScope
from .models import Team


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"), required=False)


class UserEditForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"), required=False)


class AcceptInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False, max_length=128)
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput, strip=False, max_length=128
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


EXPIRY_CHOICES = [
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
    ("never", _("Never (revoke it by hand)")),
]


class TokenForm(forms.Form):
    username = forms.CharField(label=_("User it acts as"), max_length=150)
    name = forms.CharField(label=_("What it is for"), max_length=120)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, initial="90")


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    logo = forms.FileField(label=_("Logo (PNG or JPEG, at most 512 KB)"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    closed_tickets = forms.IntegerField(label=_("Closed tickets"), min_value=0, max_value=36500)
    attachments = forms.IntegerField(label=_("Attachments"), min_value=0, max_value=36500)
    chat_transcripts = forms.IntegerField(label=_("Chat transcripts"), min_value=0, max_value=36500)
    admin_audit = forms.IntegerField(label=_("Audit of administration changes"), min_value=0, max_value=36500)
