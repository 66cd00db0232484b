"""Transport for operations: liveness, readiness, metrics and the operations page. Reads only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import readiness


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
