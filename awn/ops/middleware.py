"""Request metrics (count, latency and database queries by view) and the request id of structured logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from awn.core import request_id

from .metrics import EXCEPTIONS, observe_request
from .replica import reports_middleware_scope
from .unavailable import replace_if_database_down

access_log = logging.getLogger("awn.request")
REQUEST_ID_HEADER = "X-Request-ID"


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def view_name(request: HttpRequest) -> str:
    """The route's name (`workspace:queue`), never the path: ids in paths would make a label per ticket."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match._func_path


class ObservabilityMiddleware:
    """Gives every request an id (the X-Request-ID a proxy sent, or a new one; sent back in the response, carried
    into the jobs it enqueues and into every log line), then times it and counts its queries by view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _QueryCounter()
        started = time.perf_counter()
        with request_id.bound(request_id.clean(request.META.get("HTTP_X_REQUEST_ID"))) as rid:
            with connection.execute_wrapper(counter):
                # A report's reads go to the replica when AWN_REPORTS_DATABASE_URL names one (awn/ops/replica.py).
                response = reports_middleware_scope(request, lambda: self.get_response(request))
            # The database is down: a 503 with Retry-After instead of the 500 page (awn/ops/unavailable.py).
            response = replace_if_database_down(request, response)
            seconds = time.perf_counter() - started
            view = view_name(request)
            observe_request(view, request.method or "", response.status_code, seconds, counter.count)
            if access_log.isEnabledFor(logging.INFO):
                # The route's name, not the path: a path or a query string may carry a name or a phone number.
                access_log.info(
                    "%s %s %s",
                    request.method,
                    view,
                    response.status_code,
                    extra={
                        "view": view,
                        "method": request.method,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                        "queries": counter.count,
                    },
                )
        response[REQUEST_ID_HEADER] = rid
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        EXCEPTIONS.labels(view_name(request)).inc()
