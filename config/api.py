"""The REST API, /api/v1: one NinjaAPI, routers contributed by each app's api.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AnonRateThrottle, UserRateThrottle

from awn.accounts.policies import is_staff_member, is_supervisor
from awn.accounts.services import api_token_authenticate
from awn.core.errors import DomainError, PermissionDenied


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            if getattr(user, "api_token_scope", "") == "read" and request.method not in (
                "GET",
                "HEAD",
                "OPTIONS",
            ):
                raise PermissionDenied(gettext_lazy("This API token may only read."))
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, CSRF-checked for unsafe methods. An anonymous caller gets 401, not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        self._get_key(request)  # raises HttpError(403) when the CSRF check fails
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


def _staff_or_refused(user: Any) -> Any:
    if user is not None and not is_staff_member(user):
        raise PermissionDenied()
    return user


class StaffTokenAuth(TokenAuth):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _staff_or_refused(super().authenticate(request, token))


class StaffSessionAuth(SessionAuth):
    def __call__(self, request: HttpRequest) -> Any:
        return _staff_or_refused(super().__call__(request))


# Routers whose every operation is for staff: a signed-in customer is refused (403) before the body is read, so
# the refusal never depends on (or reveals) what the request carried.
STAFF_AUTH = [StaffTokenAuth(), StaffSessionAuth()]


def _supervisor_or_refused(user: Any) -> Any:
    if user is not None and not (is_staff_member(user) and is_supervisor(user)):
        raise PermissionDenied()
    return user


class SupervisorTokenAuth(TokenAuth):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _supervisor_or_refused(super().authenticate(request, token))


class SupervisorSessionAuth(SessionAuth):
    def __call__(self, request: HttpRequest) -> Any:
        return _supervisor_or_refused(super().__call__(request))


# Routers whose every operation is for supervisors and admins (surge mode): an agent is refused the same way.
SUPERVISOR_AUTH = [SupervisorTokenAuth(), SupervisorSessionAuth()]

# The error envelope (`error_body`) the handlers below answer with, and when each status can happen to an
# operation: every operation authenticates, may be refused and is throttled; only an operation that reads a path,
# query or body can answer 404 (it names an object: `?ticket=`, `{id}`, a merge target) or 422; only one that reads
# a body can answer 400 (not JSON) or 413 (too large).
# Operations that declare a status themselves keep their own declaration.
_ALWAYS_POSSIBLE = {401: "Authentication is required.", 403: "Not allowed.", 429: "Too many requests."}
_WITH_INPUT = {404: "Not found.", 422: "Invalid fields."}
_WITH_BODY = {400: "The body is not valid JSON.", 413: "The body is too large."}


def declare_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    error_schema = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            possible = dict(_ALWAYS_POSSIBLE)
            if operation.get("parameters") or operation.get("requestBody"):
                possible |= _WITH_INPUT
            if operation.get("requestBody"):
                possible |= _WITH_BODY
            responses = operation.setdefault("responses", {})
            for status, description in possible.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = {
                        "description": description,
                        "content": {"application/json": {"schema": error_schema}},
                    }
    return schema


class AwnAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_error_responses(schema)


api = AwnAPI(
    title="Awn API",
    version="1.0",
    description="عون — Arabic-first helpdesk API. Authenticate with `Authorization: Bearer <token>` or a session.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    # Per user (token or session) and per address for anonymous callers; counters live in the cache.
    throttle=[UserRateThrottle(settings.AWN_API_RATE), AnonRateThrottle(settings.AWN_API_ANON_RATE)],
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


# What a client most needs to hear about the first invalid field, in Arabic and English (pydantic's own `msg`
# stays in `details`, in English).
_FIELD_ERRORS: dict[str, Any] = {
    "string_too_long": gettext_lazy("“%(field)s” is too long: at most %(max_length)s characters."),
    "string_too_short": gettext_lazy("“%(field)s” is too short: at least %(min_length)s characters."),
    "missing": gettext_lazy("“%(field)s” is required."),
    "less_than_equal": gettext_lazy("“%(field)s” must be at most %(le)s."),
    "greater_than_equal": gettext_lazy("“%(field)s” must be at least %(ge)s."),
    "int_parsing": gettext_lazy("“%(field)s” must be a whole number."),
    "enum": gettext_lazy("“%(field)s” must be one of: %(expected)s."),
}


def _field_message(error: dict[str, Any], field: str) -> Any:
    from django.utils.functional import lazy

    template = _FIELD_ERRORS.get(str(error.get("type", "")))
    if template is None:
        return _lazy_invalid_request()
    values = {
        "field": field,
        **{k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)},
    }
    # Lazy, so that `bilingual` renders it in each language.
    return lazy(lambda: str(template) % values, str)()


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [{"loc": [str(p) for p in e.get("loc", [])], "msg": e.get("msg", "")} for e in exc.errors]
    field = details[0]["loc"][-1] if details and details[0]["loc"] else None
    message = _field_message(exc.errors[0], field or "") if exc.errors else _lazy_invalid_request()
    body = error_body("validation_error", message, field, details=details)
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


# django-ninja raises HttpError(400, "Cannot parse request body") for a body that is not JSON, and
# HttpError(403, "CSRF check Failed") for a session request without a valid CSRF token.
_HTTP_ERRORS: dict[tuple[int, str], tuple[str, Any]] = {
    (400, "Cannot parse request body"): (
        "malformed_body",
        gettext_lazy("The request body is not valid JSON."),
    ),
    (403, "CSRF check Failed"): (
        "csrf_failed",
        gettext_lazy("The CSRF check failed. Send the X-CSRFToken header with session requests."),
    ),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    key = (exc.status_code, str(exc).split(" (", 1)[0])
    code, message = _HTTP_ERRORS.get(key, ("http_error", str(exc)))
    return api.create_response(request, error_body(code, message), status=exc.status_code)


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    body = error_body("rate_limited", gettext_lazy("Too many requests. Please wait a moment and try again."))
    response = api.create_response(request, body, status=429)
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", gettext_lazy("Not found.")), status=404)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    body = error_body("payload_too_large", gettext_lazy("The request body is too large."))
    return api.create_response(request, body, status=413)


def register_routers() -> None:
    """Each app contributes a router from its api.py."""
    from importlib import import_module

    for module_path, prefix, staff_only in (
        ("awn.tickets.api", "/tickets", False),
        ("awn.assistant.triage_api", "/tickets", False),
        ("awn.crm.api", "/crm", True),
        ("awn.assistant.api", "/assistant", False),
        ("awn.routing.api", "/routing", True),
        ("awn.accounts.api", "", False),
        ("awn.sla.api", "/sla", True),
        ("awn.automation.api", "/automation", True),
        ("awn.incidents.api", "/incidents", "supervisor"),
        ("awn.outreach.api", "/outreach", "supervisor"),
    ):
        try:
            module = import_module(module_path)
        except ModuleNotFoundError as exc:
            if exc.name != module_path:
                raise
            continue
        if staff_only == "supervisor":
            api.add_router(prefix, module.router, auth=SUPERVISOR_AUTH)
        elif staff_only:
            api.add_router(prefix, module.router, auth=STAFF_AUTH)
        else:
            api.add_router(prefix, module.router)


register_routers()
_ = _  # gettext kept imported for translators' context


# --- errors raised before a request reaches the API or a webhook (config/urls.py's handlers) -----------------

MACHINE_PREFIXES = ("/api/", "/hooks/")


def is_machine_path(path: str) -> bool:
    """Integrations and providers read JSON, never an HTML error page."""
    return path.startswith(MACHINE_PREFIXES)


def json_error(code: str, message: object, status: int) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse(error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False})


def not_found_for_machines(request: HttpRequest) -> HttpResponse:
    return json_error("not_found", gettext_lazy("Not found."), 404)


def bad_request_for_machines(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        from django.utils.functional import lazy

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        # Lazy, so that `bilingual` renders it in each language.
        message = lazy(lambda: _("The request body is too large (at most %(mb)s MB).") % {"mb": limit}, str)()
        return json_error("payload_too_large", message, 413)
    return json_error("bad_request", _lazy_invalid_request(), 400)
