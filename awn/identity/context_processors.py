from __future__ import annotations

from django.http import HttpRequest

from .oidc import oidc_config


def sign_in_options(request: HttpRequest) -> dict[str, bool]:
    """`oidc_enabled`: the «sign in through the education system» button shows only when a provider is set."""
    return {"oidc_enabled": oidc_config() is not None}
