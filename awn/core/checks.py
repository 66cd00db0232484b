"""Deployment checks: `manage.py check` says when a production setting is left at its embedded default."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

EMBEDDED_SECRET_KEY = "awn-embedded-insecure-key-set-AWN_SECRET_KEY-in-production"  # noqa: S105 - the marker


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.SECRET_KEY == EMBEDDED_SECRET_KEY:
        return [
            Error(
                "AWN_SECRET_KEY is not set: sessions, password-reset links and CSRF tokens would be forgeable.",
                hint="Set AWN_SECRET_KEY to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(50))').",
                id="awn.E001",
            )
        ]
    return []
