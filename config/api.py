"""The REST API, /api/v1: one NinjaAPI, routers contributed by each app's api.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from awn.accounts.services import api_token_authenticate
from awn.core.errors import DomainError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Awn API",
    version="1.0",
    description="عون — Arabic-first helpdesk API. Authenticate with `Authorization: Bearer <token>` or a session.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
)


def bilingual(message: object) -> dict[str, str]:
    """The same message in Arabic and English, whatever the request language."""
    with translation.override("ar"):
        ar = str(message)
    with translation.override("en"):
        en = str(message)
    return {"message": str(message), "message_ar": ar, "message_en": en}


def error_body(code: str, message: object, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "field": field, **bilingual(message), **extra}}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, error_body(exc.code, exc.message, exc.field), status=exc.status_code)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [{"loc": [str(p) for p in e.get("loc", [])], "msg": e.get("msg", "")} for e in exc.errors]
    body = error_body("validation_error", _lazy_invalid_request(), None, details=details)
    return api.create_response(request, body, status=422)


def _lazy_invalid_request() -> Any:
    from django.utils.translation import gettext_lazy

    return gettext_lazy("The request is malformed or has invalid fields.")


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    from django.utils.translation import gettext_lazy

    return api.create_response(
        request, error_body("unauthorized", gettext_lazy("Authentication is required.")), status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body("http_error", str(exc)), status=exc.status_code)


def register_routers() -> None:
    """Each app contributes a router from its api.py."""
    from importlib import import_module

    for module_path, prefix in (
        ("awn.tickets.api", "/tickets"),
        ("awn.crm.api", "/crm"),
    ):
        try:
            module = import_module(module_path)
        except ModuleNotFoundError as exc:
            if exc.name != module_path:
                raise
            continue
        api.add_router(prefix, module.router)


register_routers()
_ = _  # gettext kept imported for translators' context
