"""The inbox form is built from the connector's declared fields; secret inputs are write-only."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import Connector


def inbox_form_class(connector: Connector, secrets_set: set[str]) -> type[forms.Form]:
    fields: dict[str, Any] = {
        "name": forms.CharField(label=_("Name"), max_length=120),
        "is_active": forms.BooleanField(label=_("Active"), required=False, initial=True),
        "api_base_url": forms.CharField(
            label=_("API base URL"),
            max_length=200,
            required=False,
            help_text=_("Leave empty for the provider's public API."),
        ),
    }
    for setting in connector.setting_fields:
        if setting.choices:
            fields[setting.name] = forms.ChoiceField(
                label=cast(str, setting.label),
                choices=[("", "—"), *[(c, c) for c in setting.choices]],
                required=setting.required,
                help_text=cast(str, setting.help),
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        else:
            fields[setting.name] = forms.CharField(
                label=cast(str, setting.label),
                max_length=setting.max_length,
                required=setting.required,
                help_text=cast(str, setting.help),
                widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}) if setting.max_length > 200 else None,
            )
    for secret in connector.secret_fields:
        is_set = secret.name in secrets_set
        fields[f"secret_{secret.name}"] = forms.CharField(
            label=cast(str, secret.label),
            required=False,
            max_length=500,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=(_("Stored. Leave empty to keep it.") if is_set else _("Not set yet.")),
        )
    return type("InboxForm", (forms.Form,), fields)
