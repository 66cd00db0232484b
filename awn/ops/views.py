"""Transport for operations: liveness, readiness, metrics and the operations page. Reads only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from awn.core.addresses import client_address
from awn.core.ratelimit import allow

from .health import readiness
from .metrics import metrics_response
from .policies import can_read_metrics


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches neither the database nor the network."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when this process can serve, 503 naming the failing checks otherwise."""
    result = readiness()
    return JsonResponse(result.as_json(), status=200 if result.ready else 503)


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper with the AWN_METRICS_TOKEN bearer token or a supervisor's session."""
    if not can_read_metrics(request.user, _bearer(request)):
        if not allow(f"metrics-auth:{client_address(request)}", limit=30, window_seconds=60):
            return JsonResponse({"error": "rate_limited"}, status=429)
        response = JsonResponse({"error": "unauthorized"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="awn-metrics"'
        return response
    return metrics_response(request)
