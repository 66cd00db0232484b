"""Forms of the customer sign-in pages: shape only; awn.identity.services validates and decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DomainErrorForm

_TEXT = {"class": "form-control", "dir": "ltr"}


class CodeRequestForm(DomainErrorForm):
    address = forms.CharField(
        label=_("Mobile number or email address"),
        max_length=254,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "username", "inputmode": "email"}),
    )


class SignUpForm(DomainErrorForm):
    name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "dir": "auto", "autocomplete": "name"}),
    )
    national_id = forms.CharField(
        label=_("National id or iqama number"),
        max_length=20,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Mobile number or email address"),
        help_text=_("We send a code to it, to check that it is yours."),
        max_length=254,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "username"}),
    )


class CodeForm(DomainErrorForm):
    code = forms.CharField(
        label=_("The 6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )
